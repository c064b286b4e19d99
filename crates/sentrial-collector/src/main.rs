//! The `sentrial-collector` binary: a thin shell over [`sentrial_collector::run_cli`].

fn main() {
    std::process::exit(sentrial_collector::run_cli(std::env::args()));
}
