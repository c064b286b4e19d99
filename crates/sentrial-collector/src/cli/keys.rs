//! `sentrial key new|list|revoke|rotate` and `sentrial dashboard link|sign-out-all`, run against
//! the database directly: a running collector sees a revoked key refused within
//! [`crate::auth::KEY_CACHE_TTL`], and a new key at once.

use crate::auth::signin::mint_link;
use crate::banner::signin_link;
use crate::error::CollectorError;
use crate::keyring;
use crate::scope::Scopes;
use crate::store::{Store, StoredKey};

use super::args::{DashboardCommand, KeyCommand};

/// Runs a `key` command.
pub(super) async fn run(command: KeyCommand) -> Result<(), CollectorError> {
    match command {
        KeyCommand::New {
            db,
            project,
            scopes,
        } => {
            let scopes = Scopes::parse(&scopes).map_err(CollectorError::Usage)?;
            let store = crate::store::open(&db.location()).await?;
            let minted = keyring::mint(&*store, &project, scopes).await;
            store.close().await;
            let (key, stored) = minted?;
            eprintln!(
                "New API key {} for project `{project}` with scopes {scopes} (shown once, stored \
                 hashed):",
                stored.id
            );
            println!("{key}");
            Ok(())
        }
        KeyCommand::List { db, project } => {
            let store = crate::store::open(&db.location()).await?;
            let keys = store.list_keys(project).await;
            store.close().await;
            print!("{}", listing(&keys?));
            Ok(())
        }
        KeyCommand::Revoke { id, db } => {
            let store = crate::store::open(&db.location()).await?;
            let done = revoke(&*store, &id).await;
            store.close().await;
            let key = done?;
            eprintln!(
                "Revoked key {} of project `{}`: collectors refuse it within {} s, and its \
                 dashboard sign-ins are over.",
                key.id,
                key.project,
                crate::auth::KEY_CACHE_TTL.as_secs()
            );
            Ok(())
        }
        KeyCommand::Rotate { id, db } => {
            let store = crate::store::open(&db.location()).await?;
            let done = rotate(&*store, &id).await;
            store.close().await;
            let (key, new, old) = done?;
            eprintln!(
                "New API key {} for project `{}` with scopes {} (shown once, stored hashed); key \
                 {} is revoked:",
                new.id,
                new.project,
                new.scopes_label(),
                old.id
            );
            println!("{key}");
            Ok(())
        }
    }
}

/// Runs a `dashboard` command.
pub(super) async fn run_dashboard(command: DashboardCommand) -> Result<(), CollectorError> {
    match command {
        DashboardCommand::Link { db, project, url } => {
            let store = crate::store::open(&db.location()).await?;
            let token = mint_link(&*store, &project).await;
            store.close().await;
            eprintln!("Sign-in link for project `{project}` (works once, for 15 minutes):");
            println!("{}", signin_link(url.trim_end_matches('/'), &token?));
            Ok(())
        }
        DashboardCommand::SignOutAll { db } => {
            let store = crate::store::open(&db.location()).await?;
            let ended = store.sign_out_all().await;
            store.close().await;
            eprintln!(
                "Signed out {} dashboard session(s); every sign-in link is void.",
                ended?
            );
            Ok(())
        }
    }
}

/// The live key `id`, or a usage error saying why not.
async fn live(store: &dyn Store, id: &str) -> Result<StoredKey, CollectorError> {
    match keyring::find(store, id, None).await? {
        Some(key) if key.revoked_at.is_none() => Ok(key),
        Some(_) => Err(CollectorError::Usage(format!(
            "key {id} is already revoked"
        ))),
        None => Err(CollectorError::Usage(format!(
            "no key {id}; `sentrial key list` shows the ids"
        ))),
    }
}

async fn revoke(store: &dyn Store, id: &str) -> Result<StoredKey, CollectorError> {
    let key = live(store, id).await?;
    store.revoke_key(key.key_hash.clone()).await?;
    Ok(key)
}

async fn rotate(
    store: &dyn Store,
    id: &str,
) -> Result<(String, StoredKey, StoredKey), CollectorError> {
    let old = live(store, id).await?;
    let (key, new) = keyring::successor(store, &old).await?;
    store.revoke_key(old.key_hash.clone()).await?;
    Ok((key, new, old))
}

/// The listing: a header and a line a key.
fn listing(keys: &[StoredKey]) -> String {
    let mut out = format!(
        "{:<12}  {:<16}  {:<26}  {:<24}  {}\n",
        "ID", "PROJECT", "SCOPES", "CREATED", "REVOKED"
    );
    for k in keys {
        let revoked = k
            .revoked_at
            .map_or_else(|| "-".into(), |t| crate::time::iso8601(t.0));
        out.push_str(&format!(
            "{:<12}  {:<16}  {:<26}  {:<24}  {revoked}\n",
            k.id,
            k.project,
            k.scopes_label(),
            crate::time::iso8601(k.created_at.0)
        ));
    }
    out
}
