//! The command line (shape in `args.rs`): `serve` (`serve.rs`), `key ...` and `dashboard ...`
//! (`keys.rs`), `alert ...` (`alerts.rs`), `retention ...` (`retention.rs`), `rollup rebuild`
//! (`rollups.rs`).

mod alerts;
mod args;
mod keys;
mod retention;
mod rollups;
mod serve;

use std::ffi::OsString;

use clap::Parser;

use crate::error::CollectorError;
use args::{Cli, Command};

/// Runs the command line `args` (the first is the program name) on a runtime of its own, and
/// returns the process exit code: 0 done, 1 failed, 2 bad usage.
pub fn run_cli<I: IntoIterator<Item = String>>(args: I) -> i32 {
    let cli = match Cli::try_parse_from(args.into_iter().map(OsString::from)) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return err.exit_code();
        }
    };
    crate::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("sentrial-collector")
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return 1;
        }
    };
    let code = match runtime.block_on(run(cli.command)) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {err}");
            1
        }
    };
    // Dropping a runtime waits for its blocking tasks however long they take (a read, or the
    // wait for the database writer's last commit); shutdown is bounded instead.
    runtime.shutdown_timeout(crate::config::DEFAULT_SHUTDOWN_GRACE);
    code
}

async fn run(command: Command) -> Result<(), CollectorError> {
    match command {
        Command::Serve(args) => {
            let config = serve::config(args)?;
            crate::server::serve(config, shutdown_signal()?).await
        }
        Command::Key { command } => keys::run(command).await,
        Command::Dashboard { command } => keys::run_dashboard(command).await,
        Command::Alert { command } => alerts::run(command).await,
        Command::Retention { command } => retention::run(command).await,
        Command::Rollup { command } => rollups::run(command).await,
    }
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed now, before the banner is printed,
/// so a signal sent as soon as the banner appears is not fatal.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_usage_exits_2_and_help_exits_0() {
        assert_eq!(run_cli(["sentrial".into(), "bogus".into()]), 2);
        assert_eq!(
            run_cli([
                "sentrial".into(),
                "serve".into(),
                "--port".into(),
                "x".into()
            ]),
            2
        );
        assert_eq!(run_cli(["sentrial".into(), "--help".into()]), 0);
    }

    #[test]
    fn key_new_stores_a_hash() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        let args = [
            "sentrial",
            "key",
            "new",
            "--db",
            db.to_str().unwrap(),
            "--project",
            "p1",
        ];
        assert_eq!(run_cli(args.map(String::from)), 0);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let (hash, project): (String, String) = conn
            .query_row("SELECT key_hash, project_id FROM api_keys", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((hash.len(), project.as_str()), (64, "p1"));
    }
}
