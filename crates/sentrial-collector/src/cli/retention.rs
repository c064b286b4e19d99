//! `sentrial retention set|clear|list`: a project's own retention, run against the database
//! directly; every running collector applies a change at its retention task's next round.

use crate::error::CollectorError;
use crate::time::iso8601;

use super::alerts::with_store;
use super::args::RetentionCommand;

/// Runs a `retention` command.
pub(super) async fn run(command: RetentionCommand) -> Result<(), CollectorError> {
    match command {
        RetentionCommand::Set { db, project, days } => {
            with_store(db, |s| s.set_project_retention(project.clone(), Some(days))).await?;
            eprintln!(
                "Project `{project}` keeps its sessions {days} days (its own retention, over \
                 --retention-days)."
            );
            Ok(())
        }
        RetentionCommand::Clear { db, project } => {
            let had = with_store(db, |s| s.set_project_retention(project.clone(), None)).await?;
            if had {
                eprintln!("Project `{project}` follows --retention-days again.");
            } else {
                eprintln!("Project `{project}` had no retention of its own.");
            }
            Ok(())
        }
        RetentionCommand::List { db } => {
            let all = with_store(db, |s| s.project_retentions()).await?;
            if all.is_empty() {
                println!("No project has a retention of its own.");
            }
            for r in all {
                println!(
                    "{}\t{} days\tset {}",
                    r.project_id,
                    r.days,
                    iso8601(r.updated_at.0)
                );
            }
            Ok(())
        }
    }
}
