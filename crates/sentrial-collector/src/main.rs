//! The `sentrial-collector` binary: a thin shell over [`sentrial_collector::run_cli`]. The npm
//! package's `sentrial` command runs it.

fn main() {
    exit_with_parent();
    std::process::exit(sentrial_collector::run_cli(std::env::args()));
}

/// When the `sentrial` command started this process it sets `SENTRIAL_EXIT_WITH_PARENT` to its own
/// pid: should that command be killed outright (it forwards every signal it can catch), this
/// process is killed too, as if they were one, instead of living on with the port. Linux only.
fn exit_with_parent() {
    #[cfg(target_os = "linux")]
    if let Some(parent) = std::env::var("SENTRIAL_EXIT_WITH_PARENT")
        .ok()
        .and_then(|v| v.parse::<libc::pid_t>().ok())
    {
        // SAFETY: prctl(PR_SET_PDEATHSIG) and getppid take no pointers and only set or read
        // this process's own attributes.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // The parent may have died before the line above: then this process was re-parented.
            if libc::getppid() != parent {
                std::process::exit(1);
            }
        }
    }
}
