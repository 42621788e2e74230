//! Pages of a projection's live rows, filtered and sorted in SQL on fields of the
//! stored JSON documents, with keyset pagination on `(sort value, key)`: a page
//! starts strictly after the last `(sort value, key)` of the previous one, so rows
//! inserted meanwhile never shift a page (nothing skipped or repeated).
//!
//! The fields used to scope, filter and sort the big lists have expression indexes
//! (migrations `*_list_indexes.sql`); the SQL below writes each expression exactly
//! as the index does, with the projection's name as a literal so the partial
//! indexes apply. On PostgreSQL the rows lists page carry, in the `jsonb` column
//! `docb`, the few fields lists read, copied from the document by the writer
//! ([`crate::listed`]); the indexes and these queries read them there (migration
//! `*_listed_fields_written.sql`), so no row's whole document is parsed or stored
//! twice. Each index holds the rows that have its leading field, a condition the
//! queries' comparisons of that field imply.

use crate::Db;
use crate::listed::{LISTED_FIELDS, listed};

/// Whether lists may read `field` (see [`LISTED_FIELDS`]).
fn check_field(field: &str) -> bool {
    LISTED_FIELDS.contains(&field)
}

/// A condition on a top-level field of the row document.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// The field equals the value, which the key prefix already implies (the
    /// conference of a row): it lets the scoped indexes serve the page, and a
    /// count with no other condition leaves it out and counts keys only.
    Scope(&'static str, String),
    /// The text (or UUID, or enum) field equals the value.
    Eq(&'static str, String),
    /// The boolean field is the value.
    Bool(&'static str, bool),
    /// The text field starts with the value.
    Prefix(&'static str, String),
    /// The text field is ≥ the value (timestamps are RFC 3339 UTC text).
    Ge(&'static str, String),
    /// The text field is < the value.
    Lt(&'static str, String),
    /// The boolean expression `field` over a numeric field: `field > 0` when true.
    Positive(&'static str, bool),
    /// The sort value (see [`ListSpec::sort`]) is ≥ the value: a range on the
    /// leading sort field that the sort index serves.
    SortFrom(String),
    /// The sort value is < the value.
    SortBefore(String),
    /// The (person id) field is a person the blind index of names finds by
    /// this token (`person_name_tokens`).
    NameToken(&'static str, String),
}

/// What to list.
#[derive(Debug, Clone)]
pub struct ListSpec {
    /// The projection (a `Projection::NAME`: static, safe to inline).
    pub view: &'static str,
    /// Only keys with this prefix (the row kind and its scope).
    pub prefix: String,
    pub conds: Vec<Cond>,
    /// The text fields to sort on, joined by a space into one sort value (so a
    /// timestamp can be tied by a reference); None sorts by key.
    pub sort: Option<&'static [&'static str]>,
    pub descending: bool,
    /// Start strictly after this `(sort value, key)`.
    pub after: Option<(String, String)>,
    pub limit: i64,
    /// Count every match too (first pages).
    pub count: bool,
    /// Where the fold keeps the count of these matches: the key of a tally row
    /// of `view` (`{"counts": {facet: n}}`) and the facet. With `count`, the
    /// total is read from it instead of counted; a view without the row (an
    /// older version still serving) is counted.
    pub tally: Option<(String, String)>,
}

/// One listed row: its key, its sort value and its document.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub key: String,
    pub sort: String,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub rows: Vec<Listed>,
    /// Every match, when asked for.
    pub total: Option<i64>,
}

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Postgres,
    Sqlite,
}

fn check_ident(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The text of a top-level field, written as the indexes write it.
fn field(b: Backend, name: &str) -> String {
    match b {
        Backend::Postgres => format!("(docb ->> '{name}')"),
        Backend::Sqlite => format!("json_extract(doc, '$.{name}')"),
    }
}

/// The sort value of `fields`, written as the indexes write it.
fn sort_expr(b: Backend, fields: &[&str]) -> String {
    match fields {
        [one] => field(b, one),
        _ => format!(
            "({})",
            fields
                .iter()
                .map(|f| field(b, f))
                .collect::<Vec<_>>()
                .join(" || ' ' || ")
        ),
    }
}

struct Sql {
    backend: Backend,
    text: String,
    binds: Vec<String>,
}

impl Sql {
    fn bind(&mut self, v: String) -> String {
        self.binds.push(v);
        format!("${}", self.binds.len())
    }
}

/// The key as the prefix bounds compare it. A scoped list (a conference's orders
/// or attendees) has indexes on its scope, filter and sort, and PostgreSQL
/// estimates the prefix range of the primary key at one row: it then reads every
/// row of the conference through the primary key and sorts them (2 s for 14,000
/// orders). Compared as an expression, the range is only a filter and the scoped
/// index serves the page (3 ms). A count of keys alone still reads the key range.
fn key_bound(spec: &ListSpec, b: Backend, keys_only: bool) -> &'static str {
    let scoped = spec.conds.iter().any(|c| matches!(c, Cond::Scope(..)));
    match b {
        Backend::Postgres if scoped && !keys_only => "(key || '')",
        _ => "key",
    }
}

/// The WHERE clause (without the cursor) of `spec`; `keys_only` keeps just the
/// projection, generation and key prefix (a count with no condition of its own).
fn where_clause(spec: &ListSpec, sql: &mut Sql, keys_only: bool) -> Result<String, sqlx::Error> {
    let b = sql.backend;
    let bad = |what: &str| sqlx::Error::Protocol(format!("bad list identifier {what}"));
    if !check_ident(spec.view) || !listed(spec.view, &spec.prefix) {
        return Err(bad(spec.view));
    }
    let view = spec.view;
    let lo = sql.bind(spec.prefix.clone());
    let hi = sql.bind(format!("{}\u{7f}", spec.prefix));
    let mut parts = vec![
        format!("name = '{view}'"),
        format!(
            "generation = (SELECT generation FROM projection_state WHERE name = '{view}' AND status = 'live')"
        ),
        format!(
            "{k} >= {lo} AND {k} < {hi}",
            k = key_bound(spec, b, keys_only)
        ),
    ];
    if keys_only {
        return Ok(parts.join(" AND "));
    }
    if let Some(fields) = spec.sort {
        if fields.is_empty() || !fields.iter().all(|f| check_field(f)) {
            return Err(bad("sort"));
        }
        parts.push(format!("{} IS NOT NULL", sort_expr(b, fields)));
    }
    for c in &spec.conds {
        let part = match c {
            Cond::Scope(f, v) | Cond::Eq(f, v) | Cond::Ge(f, v) | Cond::Lt(f, v) => {
                if !check_field(f) {
                    return Err(bad(f));
                }
                let op = match c {
                    Cond::Scope(..) | Cond::Eq(..) => "=",
                    Cond::Ge(..) => ">=",
                    _ => "<",
                };
                let p = sql.bind(v.clone());
                format!("{} {op} {p}", field(b, f))
            }
            Cond::Prefix(f, v) => {
                if !check_field(f) {
                    return Err(bad(f));
                }
                let lo = sql.bind(v.clone());
                let hi = sql.bind(format!("{v}\u{10ffff}"));
                let e = field(b, f);
                format!("{e} >= {lo} AND {e} < {hi}")
            }
            Cond::NameToken(f, token) => {
                if !check_field(f) {
                    return Err(bad(f));
                }
                let p = sql.bind(token.clone());
                let people = format!("SELECT person_id FROM person_name_tokens WHERE token = {p}");
                match b {
                    // An array computed once: the planner then probes the index on
                    // the field with the few people found (an `IN (subquery)` is
                    // checked row by row along the sort index: 39 ms for 3,851
                    // orders against 0.25 ms).
                    Backend::Postgres => format!("{} = ANY(ARRAY({people}))", field(b, f)),
                    Backend::Sqlite => format!("{} IN ({people})", field(b, f)),
                }
            }
            Cond::Bool(f, v) => {
                if !check_field(f) {
                    return Err(bad(f));
                }
                match b {
                    Backend::Postgres => format!("{} = '{v}'", field(b, f)),
                    Backend::Sqlite => format!("{} = {}", field(b, f), i32::from(*v)),
                }
            }
            Cond::Positive(f, v) => {
                if !check_field(f) {
                    return Err(bad(f));
                }
                let e = match b {
                    Backend::Postgres => format!("CAST({} AS numeric)", field(b, f)),
                    Backend::Sqlite => format!("CAST({} AS REAL)", field(b, f)),
                };
                if *v {
                    format!("{e} > 0")
                } else {
                    format!("{e} <= 0")
                }
            }
            Cond::SortFrom(v) | Cond::SortBefore(v) => {
                let Some(fields) = spec.sort else {
                    return Err(bad("sort range without a sort"));
                };
                let op = if matches!(c, Cond::SortFrom(_)) {
                    ">="
                } else {
                    "<"
                };
                let p = sql.bind(v.clone());
                format!("{} {op} {p}", sort_expr(b, fields))
            }
        };
        parts.push(part);
    }
    Ok(parts.join(" AND "))
}

fn build(spec: &ListSpec, backend: Backend) -> Result<(Sql, Option<Sql>), sqlx::Error> {
    let mut page = Sql {
        backend,
        text: String::new(),
        binds: vec![],
    };
    let mut filter = where_clause(spec, &mut page, false)?;
    let count = if spec.count {
        let keys_only = spec.conds.iter().all(|c| matches!(c, Cond::Scope(..)));
        let mut c = Sql {
            backend,
            text: String::new(),
            binds: vec![],
        };
        let filter = where_clause(spec, &mut c, keys_only)?;
        c.text = format!("SELECT COUNT(*) FROM projection_rows WHERE {filter}");
        Some(c)
    } else {
        None
    };
    let sort = match spec.sort {
        Some(fields) => sort_expr(backend, fields),
        None => "key".to_string(),
    };
    let (cmp, dir) = if spec.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some((value, key)) = &spec.after {
        let v = page.bind(value.clone());
        let k = page.bind(key.clone());
        filter.push_str(&format!(" AND ({sort}, key) {cmp} ({v}, {k})"));
    }
    let limit = spec.limit.clamp(0, 10_000);
    page.text = format!(
        "SELECT key, {sort} AS sort_value, doc FROM projection_rows WHERE {filter} \
         ORDER BY {sort} {dir}, key {dir} LIMIT {limit}"
    );
    Ok((page, count))
}

// Not prepared once and reused (`persistent(false)`): PostgreSQL plans an
// unnamed statement with its parameters' values, while a reused one falls back
// after five runs to a generic plan that knows neither the conference nor the
// live generation. On an analyzed table that generic plan read the attendees
// list's first page in 1.1–1.8 s instead of 0.5 ms.
macro_rules! run {
    ($pool:expr, $page:expr, $count:expr) => {{
        let mut q =
            sqlx::query_as::<_, (String, Option<String>, String)>(&$page.text).persistent(false);
        for v in &$page.binds {
            q = q.bind(v);
        }
        let rows = q.fetch_all($pool).await?;
        let total = match &$count {
            Some(c) => {
                let mut q = sqlx::query_scalar::<_, i64>(&c.text).persistent(false);
                for v in &c.binds {
                    q = q.bind(v);
                }
                Some(q.fetch_one($pool).await?)
            }
            None => None,
        };
        (rows, total)
    }};
}

/// The count of `facet` in the tally row `key` of `view`, if the row exists.
async fn tallied(
    db: &Db,
    view: &'static str,
    key: &str,
    facet: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let Some(doc) = crate::storage::live_row(db, view, key).await? else {
        return Ok(None);
    };
    let doc: serde_json::Value =
        serde_json::from_str(&doc).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(Some(doc["counts"][facet].as_i64().unwrap_or(0)))
}

/// One page of `spec`.
pub async fn live_page(db: &Db, spec: &ListSpec) -> Result<Listing, sqlx::Error> {
    let tallied_total = match (&spec.tally, spec.count) {
        (Some((key, facet)), true) => tallied(db, spec.view, key, facet).await?,
        _ => None,
    };
    let counted;
    let spec = if tallied_total.is_some() {
        counted = ListSpec {
            count: false,
            ..spec.clone()
        };
        &counted
    } else {
        spec
    };
    let (rows, total) = match db {
        Db::Postgres(p) => {
            let (page, count) = build(spec, Backend::Postgres)?;
            run!(p, page, count)
        }
        Db::Sqlite(p) => {
            let (page, count) = build(spec, Backend::Sqlite)?;
            run!(p, page, count)
        }
    };
    Ok(Listing {
        rows: rows
            .into_iter()
            .map(|(key, sort, doc)| Listed {
                sort: sort.unwrap_or_else(|| key.clone()),
                key,
                doc,
            })
            .collect(),
        total: tallied_total.or(total),
    })
}

/// The live documents of `keys` in `view` (a page's rows read through a narrow
/// index row, by primary key), as `(key, doc)` in no particular order.
pub async fn live_docs(
    db: &Db,
    view: &'static str,
    keys: &[String],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    if !check_ident(view) {
        return Err(sqlx::Error::Protocol(format!("bad list identifier {view}")));
    }
    let live = format!(
        "name = '{view}' AND generation = (SELECT generation FROM projection_state \
         WHERE name = '{view}' AND status = 'live')"
    );
    match db {
        Db::Postgres(p) => {
            let sql =
                format!("SELECT key, doc FROM projection_rows WHERE {live} AND key = ANY($1)");
            sqlx::query_as(&sql).bind(keys).fetch_all(p).await
        }
        Db::Sqlite(p) => {
            let mut out = Vec::with_capacity(keys.len());
            for chunk in keys.chunks(200) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let sql = format!(
                    "SELECT key, doc FROM projection_rows WHERE {live} AND key IN ({marks})"
                );
                let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                for k in chunk {
                    q = q.bind(k);
                }
                out.extend(q.fetch_all(p).await?);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ListSpec {
        ListSpec {
            view: "orders",
            prefix: "order:c:".into(),
            conds: vec![Cond::Eq("status", "paid".into())],
            sort: Some(&["placed_at", "reference"]),
            descending: true,
            after: Some(("2026".into(), "order:c:x".into())),
            limit: 50,
            count: true,
            tally: None,
        }
    }

    #[test]
    fn values_are_bound_and_identifiers_checked() {
        let (page, count) = build(&spec(), Backend::Postgres).unwrap();
        assert!(page.text.contains("name = 'orders'"));
        assert!(page.text.contains(
            "ORDER BY ((docb ->> 'placed_at') || ' ' || (docb ->> 'reference')) DESC, key DESC"
        ));
        assert_eq!(page.binds.len(), 5);
        assert!(!count.unwrap().text.contains("ORDER BY"));
        let mut bad = spec();
        bad.conds = vec![Cond::Eq("x'; DROP TABLE events; --", "1".into())];
        assert!(build(&bad, Backend::Sqlite).is_err());
    }

    #[test]
    fn only_the_listed_rows_and_fields_can_be_listed() {
        let mut other = spec();
        other.view = "carts";
        assert!(build(&other, Backend::Postgres).is_err());
        assert!(build(&other, Backend::Sqlite).is_err());
        // A pointer row of a listed read model carries no listed fields either.
        let mut pointers = spec();
        pointers.prefix = "ref:".into();
        assert!(build(&pointers, Backend::Postgres).is_err());
        // Nor may a list read a field the writer does not copy.
        let mut unlisted = spec();
        unlisted.conds = vec![Cond::Eq("total", "1.00".into())];
        assert!(build(&unlisted, Backend::Postgres).is_err());
        assert!(build(&unlisted, Backend::Sqlite).is_err());
        let mut sorted = spec();
        sorted.sort = Some(&["paid_at"]);
        assert!(build(&sorted, Backend::Postgres).is_err());
    }
}
