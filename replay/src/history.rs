//! A conference's history: its events in log order, a page at a time, filtered.
//!
//! An event belongs to a conference when its metadata names it
//! (`conference_id`, recorded by every command sent for a conference). Both
//! backends index that expression together with the position
//! (`events_conference`), so a page is an index range scan, never a pass over
//! the whole log.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;

use crate::Db;
use crate::log::RawEvent;

/// Which events of a conference, from where, how many.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    pub conference_id: String,
    /// Only events after this position.
    pub after: i64,
    /// At most this many; `None` for every one (exports).
    pub limit: Option<i64>,
    pub aggregate_type: Option<String>,
    pub aggregate_id: Option<String>,
    pub event_type: Option<String>,
    /// A user id, or "system".
    pub actor: Option<String>,
    /// Recorded at or after.
    pub since: Option<DateTime<Utc>>,
    /// Recorded before.
    pub until: Option<DateTime<Utc>>,
    /// At most this position (a state as of a moment).
    pub up_to: Option<i64>,
}

enum Bind {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

/// A statement under construction, with its placeholders numbered per backend.
struct Sql {
    pg: bool,
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    /// Appends `clause`, its `{}` replaced by the placeholder of `value`.
    fn push(&mut self, clause: &str, value: Bind) {
        self.binds.push(value);
        let p = match self.pg {
            true => format!("${}", self.binds.len()),
            false => "?".to_string(),
        };
        self.text.push_str(&clause.replace("{}", &p));
    }
}

/// The statement selecting the query's events, in position order.
fn statement(pg: bool, q: &HistoryQuery) -> Sql {
    let (conf_expr, actor_expr, columns) = if pg {
        (
            "(metadata->>'conference_id')",
            "coalesce(metadata->>'actor', 'system')",
            "position, aggregate_type, aggregate_id, sequence, event_type, payload::text, \
             metadata::text, recorded_at",
        )
    } else {
        (
            "json_extract(metadata, '$.conference_id')",
            "coalesce(json_extract(metadata, '$.actor'), 'system')",
            "position, aggregate_type, aggregate_id, sequence, event_type, payload, metadata, \
             recorded_at",
        )
    };
    let mut sql = Sql {
        pg,
        text: format!("SELECT {columns} FROM events WHERE "),
        binds: vec![],
    };
    if pg {
        // The range as row comparisons on `events_conference`'s two columns, and
        // the order as that index's: compared with `= AND position >`, PostgreSQL
        // would walk `events_position` and filter, which reads the rest of the
        // log when the conference's events are sparse past `after` (a past year's
        // in a later year's sales: 1 s a page on a million events, 1 ms this way).
        let conf = || Bind::Text(q.conference_id.clone());
        sql.push(&format!("({conf_expr}, position) > ({{}}"), conf());
        sql.push(", {})", Bind::Int(q.after));
        sql.push(&format!(" AND ({conf_expr}, position) <= ({{}}"), conf());
        sql.push(", {})", Bind::Int(q.up_to.unwrap_or(i64::MAX)));
    } else {
        sql.push(
            &format!("{conf_expr} = {{}}"),
            Bind::Text(q.conference_id.clone()),
        );
        sql.push(" AND position > {}", Bind::Int(q.after));
    }
    for (column, value) in [
        ("aggregate_type", &q.aggregate_type),
        ("aggregate_id", &q.aggregate_id),
        ("event_type", &q.event_type),
        (actor_expr, &q.actor),
    ] {
        if let Some(v) = value {
            sql.push(&format!(" AND {column} = {{}}"), Bind::Text(v.clone()));
        }
    }
    // SQLite keeps recorded_at as RFC 3339 text with milliseconds and a Z, so
    // text order is time order. A bound between two milliseconds is rounded up:
    // for whole-millisecond values `>= t` and `< t` then mean the same.
    let time = |t: DateTime<Utc>| match pg {
        true => Bind::Time(t),
        false => {
            let sub_ms = t.timestamp_subsec_nanos() % 1_000_000;
            let t = match sub_ms {
                0 => t,
                n => t + chrono::Duration::nanoseconds(i64::from(1_000_000 - n)),
            };
            Bind::Text(t.to_rfc3339_opts(SecondsFormat::Millis, true))
        }
    };
    if let Some(t) = q.since {
        sql.push(" AND recorded_at >= {}", time(t));
    }
    if let Some(t) = q.until {
        sql.push(" AND recorded_at < {}", time(t));
    }
    if let Some(up_to) = q.up_to.filter(|_| !pg) {
        sql.push(" AND position <= {}", Bind::Int(up_to));
    }
    if pg {
        sql.text
            .push_str(&format!(" ORDER BY {conf_expr}, position"));
    } else {
        sql.text.push_str(" ORDER BY position");
    }
    if let Some(limit) = q.limit {
        sql.push(" LIMIT {}", Bind::Int(limit));
    }
    sql
}

/// The events the query selects, in position order.
pub async fn page(db: &Db, q: &HistoryQuery) -> Result<Vec<RawEvent>, sqlx::Error> {
    let Sql {
        text: sql, binds, ..
    } = statement(matches!(db, Db::Postgres(_)), q);
    let rows = match db {
        Db::Postgres(pool) => {
            let mut query = sqlx::query(&sql);
            for b in binds {
                query = match b {
                    Bind::Text(v) => query.bind(v),
                    Bind::Int(v) => query.bind(v),
                    Bind::Time(v) => query.bind(v),
                };
            }
            query
                .fetch_all(pool)
                .await?
                .iter()
                .map(crate::log::raw_from_row)
                .collect::<Result<Vec<_>, _>>()?
        }
        Db::Sqlite(pool) => {
            let mut query = sqlx::query(&sql);
            for b in binds {
                query = match b {
                    Bind::Text(v) => query.bind(v),
                    Bind::Int(v) => query.bind(v),
                    Bind::Time(v) => query.bind(v),
                };
            }
            query
                .fetch_all(pool)
                .await?
                .iter()
                .map(crate::log::raw_from_row)
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    Ok(rows)
}

/// The highest position the query selects (its `limit` ignored); None when it
/// selects nothing.
pub async fn last_position(db: &Db, q: &HistoryQuery) -> Result<Option<i64>, sqlx::Error> {
    let q = HistoryQuery {
        limit: None,
        ..q.clone()
    };
    let Sql { text, binds, .. } = statement(matches!(db, Db::Postgres(_)), &q);
    // The same selection, its highest position.
    let from = text.find(" FROM events").unwrap_or(0);
    let end = text.rfind(" ORDER BY ").unwrap_or(text.len());
    let sql = format!("SELECT max(position){}", &text[from..end]);
    match db {
        Db::Postgres(pool) => {
            let mut query = sqlx::query_scalar::<_, Option<i64>>(&sql);
            for b in binds {
                query = match b {
                    Bind::Text(v) => query.bind(v),
                    Bind::Int(v) => query.bind(v),
                    Bind::Time(v) => query.bind(v),
                };
            }
            query.fetch_one(pool).await
        }
        Db::Sqlite(pool) => {
            let mut query = sqlx::query_scalar::<_, Option<i64>>(&sql);
            for b in binds {
                query = match b {
                    Bind::Text(v) => query.bind(v),
                    Bind::Int(v) => query.bind(v),
                    Bind::Time(v) => query.bind(v),
                };
            }
            query.fetch_one(pool).await
        }
    }
}

/// How the database runs the query (`EXPLAIN`), one line per plan step; on
/// PostgreSQL with sequential scans priced out, as on a log too large to scan.
pub async fn plan(db: &Db, q: &HistoryQuery) -> Result<Vec<String>, sqlx::Error> {
    let Sql {
        text: sql, binds, ..
    } = statement(matches!(db, Db::Postgres(_)), q);
    match db {
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await?;
            let explain = format!("EXPLAIN {sql}");
            let mut query = sqlx::query(&explain);
            for b in binds {
                query = match b {
                    Bind::Text(v) => query.bind(v),
                    Bind::Int(v) => query.bind(v),
                    Bind::Time(v) => query.bind(v),
                };
            }
            let rows = query.fetch_all(&mut *tx).await?;
            tx.rollback().await?;
            rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
        }
        Db::Sqlite(pool) => {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query = sqlx::query(&explain);
            for b in binds {
                query = match b {
                    Bind::Text(v) => query.bind(v),
                    Bind::Int(v) => query.bind(v),
                    Bind::Time(v) => query.bind(v),
                };
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(|r| r.try_get::<String, _>(3)).collect()
        }
    }
}
