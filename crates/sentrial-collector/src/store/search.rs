//! Text search of the sessions list, where the engines differ: the one place that says how each
//! finds a text in a session's input (or streamed turns) and output.
//!
//! - SQLite: `session_text`, an FTS5 table with the trigram tokenizer kept by triggers (see its
//!   schema, version 2): a quoted phrase matches that substring anywhere, case-insensitively,
//!   once it has three characters; shorter text falls back to LIKE over the same table.
//! - PostgreSQL: `ILIKE` over the input and output (a trigram index serves it when `pg_trgm` is
//!   there), and over the streamed turns of sessions without an input; each is its own query,
//!   so the planner can pick, per pattern, between a trigram index (a rare text) and walking the
//!   newest-first index (a common one). The page is the union of the two.

use crate::store::dialect::Dialect;

/// One query's text filter: a fragment of the `WHERE` clause whose `?` is bound to `value`.
pub(crate) struct Arm {
    /// `AND ...` with one `?`.
    pub fragment: &'static str,
    /// What it is bound to.
    pub value: String,
}

/// The queries whose union is the page of sessions matching `text`: one arm each.
pub(crate) fn arms(dialect: Dialect, text: &str) -> Vec<Arm> {
    match dialect {
        Dialect::Sqlite if text.chars().count() >= 3 => vec![Arm {
            fragment: " AND s.rowid IN (SELECT rowid FROM session_text WHERE session_text MATCH ?)",
            value: format!("\"{}\"", text.replace('"', "\"\"")),
        }],
        Dialect::Sqlite => vec![Arm {
            fragment:
                " AND s.rowid IN (SELECT rowid FROM session_text WHERE text LIKE ? ESCAPE '\\')",
            value: format!("%{}%", escape_like(text)),
        }],
        Dialect::Postgres => {
            let pattern = format!("%{}%", escape_like(text));
            vec![
                // The session's input and output (the trigram index's expression).
                Arm {
                    fragment:
                        " AND (COALESCE(s.input, '') || E'\\n' || COALESCE(s.output, '')) ILIKE ?",
                    value: pattern.clone(),
                },
                // The streamed turns of a session that has no input (a partial index holds
                // those).
                Arm {
                    fragment: " AND s.input IS NULL AND EXISTS (
                     SELECT 1 FROM session_inputs i
                     WHERE i.project_id = s.project_id AND i.session_id = s.id
                       AND i.text ILIKE ?)",
                    value: pattern,
                },
            ]
        }
    }
}

/// `text` with LIKE's wildcards (and the escape character) escaped by a backslash, the escape
/// both stores' LIKE clauses use.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
