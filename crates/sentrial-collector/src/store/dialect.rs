//! The two SQL dialects the stores speak, and the one place their differences are written.
//!
//! Every statement is written once ([`Sql`]), in SQL both engines read, with these marks where
//! they differ; [`Dialect::render`] turns a statement into each engine's text, once per process:
//! - `?1`, `?2`, ...: a numbered parameter; PostgreSQL spells it `$1`.
//! - `{greatest:A, B}`: the greater of two values: SQLite's scalar `MAX(A, B)`, PostgreSQL's
//!   `GREATEST(A, B)`; `{least:A, B}`: the lesser, `MIN(A, B)` or `LEAST(A, B)`.
//! - `{indexed_by:NAME}`: after a table, the index SQLite must use (its planner has no statistics
//!   here); nothing on PostgreSQL, whose planner has them.
//! - `{capped_sum:X}`: the sum of an integer column, capped at `i64::MAX` rather than failing:
//!   SQLite's `SUM` fails the whole query with "integer overflow", so the sum is taken as a float
//!   (`TOTAL`) and cast back, which saturates; PostgreSQL sums into `numeric`, which cannot
//!   overflow, and caps it.
//!
//! - `{json_text:COL, ?N}`: the value of top-level key `?N` of the JSON object in text column
//!   `COL`, as text: SQLite's `json_extract` cast to text, PostgreSQL's `->>` (a boolean reads
//!   `1` on SQLite and `true` on PostgreSQL; the callers compare strings and numbers).
//!
//! - `{json_object_agg:K, V}`: the JSON object text of key column `K` and number column `V` over
//!   a group: SQLite's `json_group_object`, PostgreSQL's `json_object_agg` as text.
//!
//! - `{json_texts:?N}`: a table of the strings of the JSON array in text parameter `?N`, one row
//!   each in column `j.value` (a list of ids in one parameter: `id IN (SELECT j.value FROM
//!   {json_texts:?2})`): SQLite's `json_each`, PostgreSQL's `jsonb_array_elements_text`.
//! - `{json_rows:?N}` and `{json_at:K}`: a table of the elements of the JSON array of arrays in
//!   text parameter `?N`, and element `K` (from 0) of the row's array, as SQL (text on PostgreSQL:
//!   cast it), so that many rows are written by one statement (`INSERT ... SELECT
//!   CAST({json_at:0} AS BIGINT), ... FROM {json_rows:?2} WHERE true ON CONFLICT ...`; SQLite needs
//!   the `WHERE` to read `ON CONFLICT` as the upsert's).
//!
//! Everything else is the same text on both: an upsert names the stored row `o` (`INSERT INTO t
//! AS o ... ON CONFLICT ... DO UPDATE SET c = excluded.c WHERE ... o.c`), text is aggregated
//! with `string_agg(x, sep ORDER BY y)` (SQLite has it since 3.44; the bundled one is newer),
//! conditional counts are `COUNT(*) FILTER (WHERE ...)`, and booleans are bound from Rust
//! `bool` (SQLite stores 0 or 1). What the engines do differently beyond a statement (text
//! search, the raw event log's insert, migrations) is in `store/search.rs` and in each store.

use std::sync::OnceLock;

/// Which SQL a database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// The embedded store (`SqliteStore`).
    Sqlite,
    /// The shared store (`PgStore`).
    Postgres,
}

impl Dialect {
    /// Parameter number `n` (from 1).
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// The statement that opens a transaction that will write. SQLite takes the write lock at
    /// once (`IMMEDIATE`): a transaction that read first could not take it later if another
    /// connection wrote meanwhile, and would fail rather than wait.
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// What gives the space of deleted rows back, after a deleting transaction: SQLite frees up
    /// to 2,000 pages of an incremental-vacuum file (a no-op for others); PostgreSQL's autovacuum
    /// does it on its own.
    pub fn after_delete(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => Some("PRAGMA incremental_vacuum(2000)"),
            Dialect::Postgres => None,
        }
    }

    /// `template` (see the module doc) as this dialect writes it.
    ///
    /// Panics on a mark it does not know: every statement is rendered in both dialects by the
    /// tests of `store/queries.rs` and `store/writes.rs`.
    pub fn render(self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(i) = rest.find(['{', '?']) {
            out.push_str(&rest[..i]);
            if rest[i..].starts_with('?') {
                out.push(match self {
                    Dialect::Sqlite => '?',
                    Dialect::Postgres => '$',
                });
                rest = &rest[i + 1..];
                continue;
            }
            let end = rest[i..]
                .find('}')
                .unwrap_or_else(|| panic!("unclosed mark in {template}"));
            let mark = &rest[i + 1..i + end];
            let (name, arg) = mark.split_once(':').unwrap_or((mark, ""));
            out.push_str(&self.mark(name, arg.trim()));
            rest = &rest[i + end + 1..];
        }
        out.push_str(rest);
        out
    }

    fn mark(self, name: &str, arg: &str) -> String {
        match (name, self) {
            ("greatest", Dialect::Sqlite) => format!("MAX({arg})"),
            ("greatest", Dialect::Postgres) => format!("GREATEST({arg})"),
            ("indexed_by", Dialect::Sqlite) => format!("INDEXED BY {arg}"),
            ("indexed_by", Dialect::Postgres) => String::new(),
            ("least", Dialect::Sqlite) => format!("MIN({arg})"),
            ("least", Dialect::Postgres) => format!("LEAST({arg})"),
            ("capped_sum", Dialect::Sqlite) => format!("CAST(TOTAL({arg}) AS INTEGER)"),
            ("capped_sum", Dialect::Postgres) => {
                format!("LEAST(COALESCE(SUM({arg}), 0), 9223372036854775807)::bigint")
            }
            ("json_object_agg", Dialect::Sqlite) => format!("json_group_object({arg})"),
            ("json_object_agg", Dialect::Postgres) => {
                format!("CAST(json_object_agg({arg}) AS TEXT)")
            }
            ("json_texts", Dialect::Sqlite) => format!("json_each({arg}) AS j"),
            ("json_texts", Dialect::Postgres) => format!(
                "jsonb_array_elements_text(CAST(CAST({} AS TEXT) AS jsonb)) AS j(value)",
                arg.replace('?', "$")
            ),
            ("json_rows", Dialect::Sqlite) => format!("json_each({arg}) AS j"),
            ("json_rows", Dialect::Postgres) => format!(
                "jsonb_array_elements(CAST(CAST({} AS TEXT) AS jsonb)) AS j(value)",
                arg.replace('?', "$")
            ),
            ("json_at", Dialect::Sqlite) => format!("json_extract(j.value, '$[{arg}]')"),
            ("json_at", Dialect::Postgres) => format!("(j.value ->> {arg})"),
            ("json_text", _) => {
                let (column, param) = arg
                    .split_once(',')
                    .unwrap_or_else(|| panic!("json_text takes a column and a parameter: {arg}"));
                let param = param.trim();
                match self {
                    Dialect::Sqlite => {
                        format!("CAST(json_extract({column}, '$.\"' || {param} || '\"') AS TEXT)")
                    }
                    Dialect::Postgres => {
                        format!("(({column})::jsonb ->> {})", param.replace('?', "$"))
                    }
                }
            }
            _ => panic!("unknown SQL mark {{{name}}}"),
        }
    }
}

/// A statement written once for both stores; [`Sql::text`] is its text for one dialect, rendered
/// on first use and kept (statements are prepared and cached by their text).
pub(crate) struct Sql {
    template: &'static str,
    rendered: [OnceLock<String>; 2],
}

impl Sql {
    /// The statement `template` (see the module doc).
    pub const fn new(template: &'static str) -> Sql {
        Sql {
            template,
            rendered: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The statement as `dialect` writes it.
    pub fn text(&self, dialect: Dialect) -> &str {
        self.rendered[dialect as usize].get_or_init(|| dialect.render(self.template))
    }

    /// The statement as written, marks and all.
    #[cfg(test)]
    pub fn template(&self) -> &'static str {
        self.template
    }
}

/// Checks `statements` render in both dialects, and that a `?` is only ever a numbered
/// parameter (PostgreSQL's rendering turns every one into `$`).
#[cfg(test)]
pub(crate) fn assert_renders(statements: &[&Sql]) {
    for sql in statements {
        let template = sql.template();
        let bytes = template.as_bytes();
        for (i, _) in template.match_indices('?') {
            assert!(
                bytes.get(i + 1).is_some_and(u8::is_ascii_digit),
                "{template}"
            );
        }
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let text = sql.text(dialect);
            assert!(!text.contains(['{', '}']), "{text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_render_per_dialect() {
        let t = "SELECT {capped_sum:n}, {greatest:o.k, excluded.k} FROM t WHERE a = ?1 AND b = ?12";
        assert_eq!(
            Dialect::Sqlite.render(t),
            "SELECT CAST(TOTAL(n) AS INTEGER), MAX(o.k, excluded.k) FROM t WHERE a = ?1 AND b = ?12"
        );
        assert_eq!(
            Dialect::Postgres.render(t),
            "SELECT LEAST(COALESCE(SUM(n), 0), 9223372036854775807)::bigint, \
             GREATEST(o.k, excluded.k) FROM t WHERE a = $1 AND b = $12"
        );
        assert_eq!(Dialect::Postgres.placeholder(3), "$3");
        assert_eq!(Dialect::Sqlite.placeholder(3), "?3");
    }

    #[test]
    fn json_parameters_render_per_dialect() {
        let t = "SELECT CAST({json_at:1} AS BIGINT) FROM {json_rows:?2} WHERE k IN \
                 (SELECT j.value FROM {json_texts:?3})";
        assert_eq!(
            Dialect::Sqlite.render(t),
            "SELECT CAST(json_extract(j.value, '$[1]') AS BIGINT) FROM json_each(?2) AS j \
             WHERE k IN (SELECT j.value FROM json_each(?3) AS j)"
        );
        assert_eq!(
            Dialect::Postgres.render(t),
            "SELECT CAST((j.value ->> 1) AS BIGINT) FROM \
             jsonb_array_elements(CAST(CAST($2 AS TEXT) AS jsonb)) AS j(value) WHERE k IN \
             (SELECT j.value FROM jsonb_array_elements_text(CAST(CAST($3 AS TEXT) AS jsonb)) \
             AS j(value))"
        );
    }

    #[test]
    #[should_panic(expected = "unknown SQL mark")]
    fn an_unknown_mark_is_refused() {
        Dialect::Sqlite.render("SELECT {smallest:a, b}");
    }
}
