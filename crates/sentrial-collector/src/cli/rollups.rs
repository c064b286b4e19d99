//! `sentrial rollup rebuild`, run against the database directly.

use crate::error::CollectorError;

use super::args::RollupCommand;

/// Runs a `rollup` command.
pub(super) async fn run(command: RollupCommand) -> Result<(), CollectorError> {
    match command {
        RollupCommand::Rebuild { db } => {
            let store = crate::store::open(&db.location()).await?;
            let started = std::time::Instant::now();
            let out = store.rebuild_rollups().await;
            store.close().await;
            let n = out?;
            println!(
                "Rebuilt the rollups from {n} sessions in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}
