//! The statements of keys, dashboard sessions and sign-in links, written once for both stores
//! (see `dialect.rs`). A key's public id is the first 12 hex digits of its digest: enough to
//! name it in a listing, nothing to sign in with.

use crate::store::dialect::Sql;

/// Key digest `?1` for project `?2`, made at `?3`, with scopes `?4` (a stored digest keeps its
/// project and scopes).
pub static ADD_KEY: Sql = Sql::new(
    "INSERT INTO api_keys (key_hash, project_id, created_at, scopes) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (key_hash) DO NOTHING",
);

/// The project and scopes of live key digest `?1`.
pub static LIVE_KEY: Sql = Sql::new(
    "SELECT key_hash, project_id, scopes, created_at, revoked_at FROM api_keys
     WHERE key_hash = ?1 AND revoked_at IS NULL",
);

/// How many live keys are stored.
pub static KEY_COUNT: Sql = Sql::new("SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL");

/// Every key of project `?1` (`''`: of every project), oldest first.
pub static LIST_KEYS: Sql = Sql::new(
    "SELECT key_hash, project_id, scopes, created_at, revoked_at FROM api_keys
     WHERE ?1 = '' OR project_id = ?1
     ORDER BY created_at, key_hash",
);

/// The keys whose id is `?1`, in project `?2` (`''`: any).
pub static KEY_BY_ID: Sql = Sql::new(
    "SELECT key_hash, project_id, scopes, created_at, revoked_at FROM api_keys
     WHERE substr(key_hash, 1, 12) = ?1 AND (?2 = '' OR project_id = ?2)",
);

/// Revokes live key digest `?1` at `?2`.
pub static REVOKE_KEY: Sql =
    Sql::new("UPDATE api_keys SET revoked_at = ?2 WHERE key_hash = ?1 AND revoked_at IS NULL");

/// A dashboard session: id digest `?1`, project `?2`, key digest `?3` (NULL: a link), made at
/// `?4`, ending at `?5`.
pub static OPEN_SESSION: Sql = Sql::new(
    "INSERT INTO dashboard_sessions (id_hash, project_id, key_hash, created_at, expires_at)
     VALUES (?1, ?2, ?3, ?4, ?5)",
);

/// The dashboard session with id digest `?1`, if it is live at `?2` and was not made to last
/// longer than `?3` ms (a row claiming centuries is refused, whoever wrote it).
pub static SESSION: Sql = Sql::new(
    "SELECT project_id, key_hash FROM dashboard_sessions
     WHERE id_hash = ?1 AND created_at <= ?2 AND expires_at > ?2 AND expires_at - created_at <= ?3",
);

/// Ends dashboard session `?1`.
pub static CLOSE_SESSION: Sql = Sql::new("DELETE FROM dashboard_sessions WHERE id_hash = ?1");

/// Ends the dashboard sessions signed in with key digest `?1`.
pub static CLOSE_KEY_SESSIONS: Sql = Sql::new("DELETE FROM dashboard_sessions WHERE key_hash = ?1");

/// Forgets sessions and links that ended before `?1`.
pub static PURGE_SESSIONS: Sql = Sql::new("DELETE FROM dashboard_sessions WHERE expires_at <= ?1");

/// See [`PURGE_SESSIONS`].
pub static PURGE_LINKS: Sql = Sql::new("DELETE FROM signin_links WHERE expires_at <= ?1");

/// Ends every dashboard session.
pub static CLOSE_ALL_SESSIONS: Sql = Sql::new("DELETE FROM dashboard_sessions");

/// Voids every sign-in link.
pub static VOID_ALL_LINKS: Sql = Sql::new("DELETE FROM signin_links");

/// A sign-in link: token digest `?1`, project `?2`, made at `?3`, ending at `?4`.
pub static ADD_LINK: Sql = Sql::new(
    "INSERT INTO signin_links (token_hash, project_id, created_at, expires_at)
     VALUES (?1, ?2, ?3, ?4)",
);

/// Takes the link with token digest `?1`: deleted whatever its state, so it works once.
pub static TAKE_LINK: Sql = Sql::new(
    "DELETE FROM signin_links WHERE token_hash = ?1
     RETURNING project_id, created_at, expires_at",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_renders_in_both_dialects() {
        crate::store::dialect::assert_renders(&[
            &ADD_KEY,
            &LIVE_KEY,
            &KEY_COUNT,
            &LIST_KEYS,
            &KEY_BY_ID,
            &REVOKE_KEY,
            &OPEN_SESSION,
            &SESSION,
            &CLOSE_SESSION,
            &CLOSE_KEY_SESSIONS,
            &PURGE_SESSIONS,
            &PURGE_LINKS,
            &CLOSE_ALL_SESSIONS,
            &VOID_ALL_LINKS,
            &ADD_LINK,
            &TAKE_LINK,
        ]);
    }
}
