//! Where projection rows and checkpoints live: `projection_state` (one row per
//! generation of a projection) and `projection_rows`.

use sqlx::{Postgres, Sqlite, Transaction};

use crate::{Db, listed};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Building,
    Live,
    Retired,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Building => "building",
            Self::Live => "live",
            Self::Retired => "retired",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "live" => Self::Live,
            "building" => Self::Building,
            _ => Self::Retired,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub name: String,
    pub generation: i64,
    pub version: i64,
    pub position: i64,
    pub status: Status,
}

pub enum Tx {
    Postgres(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
}

impl Tx {
    pub async fn begin(db: &Db) -> Result<Self, sqlx::Error> {
        Ok(match db {
            Db::Postgres(p) => Self::Postgres(p.begin().await?),
            Db::Sqlite(p) => Self::Sqlite(p.begin().await?),
        })
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Postgres(tx) => tx.commit().await,
            Self::Sqlite(tx) => tx.commit().await,
        }
    }

    /// Writes a batch of row changes, of one or several generations, with as few
    /// statements as the backend allows (PostgreSQL: one upsert and one delete).
    /// On PostgreSQL a listed row carries its listed fields in `docb` too
    /// ([`listed::listed_fields`]).
    pub async fn write_rows(&mut self, changes: Vec<RowChange>) -> Result<(), sqlx::Error> {
        if changes.is_empty() {
            return Ok(());
        }
        match self {
            Self::Postgres(tx) => {
                let mut upserts = (vec![], vec![], vec![], vec![], vec![]);
                let mut deletes = (vec![], vec![], vec![]);
                for c in changes {
                    match c.doc {
                        Some(d) => {
                            upserts.4.push(listed::listed_fields(c.name, &c.key, &d));
                            upserts.0.push(c.name);
                            upserts.1.push(c.generation);
                            upserts.2.push(c.key);
                            upserts.3.push(d);
                        }
                        None => {
                            deletes.0.push(c.name);
                            deletes.1.push(c.generation);
                            deletes.2.push(c.key);
                        }
                    }
                }
                if !upserts.0.is_empty() {
                    sqlx::query(
                        "INSERT INTO projection_rows (name, generation, key, doc, docb) \
                         SELECT n, g, k, d, b::jsonb \
                         FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS t(n, g, k, d, b) \
                         ON CONFLICT (name, generation, key) DO UPDATE SET doc = EXCLUDED.doc, docb = EXCLUDED.docb",
                    )
                    .bind(&upserts.0)
                    .bind(&upserts.1)
                    .bind(&upserts.2)
                    .bind(&upserts.3)
                    .bind(&upserts.4)
                    .execute(&mut **tx)
                    .await?;
                }
                if !deletes.0.is_empty() {
                    sqlx::query(
                        "DELETE FROM projection_rows r USING UNNEST($1::text[], $2::bigint[], $3::text[]) AS t(n, g, k) \
                         WHERE r.name = t.n AND r.generation = t.g AND r.key = t.k",
                    )
                    .bind(&deletes.0)
                    .bind(&deletes.1)
                    .bind(&deletes.2)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            Self::Sqlite(tx) => {
                for c in changes {
                    match c.doc {
                        Some(d) => {
                            sqlx::query(
                                "INSERT INTO projection_rows (name, generation, key, doc) VALUES (?, ?, ?, ?) \
                                 ON CONFLICT (name, generation, key) DO UPDATE SET doc = excluded.doc",
                            )
                            .bind(c.name)
                            .bind(c.generation)
                            .bind(c.key)
                            .bind(d)
                            .execute(&mut **tx)
                            .await?;
                        }
                        None => {
                            sqlx::query(
                                "DELETE FROM projection_rows WHERE name = ? AND generation = ? AND key = ?",
                            )
                            .bind(c.name)
                            .bind(c.generation)
                            .bind(c.key)
                            .execute(&mut **tx)
                            .await?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves the checkpoints of `from` (name, generation, stored position) to `to`
    /// in one statement. False when any of them was moved by someone else or
    /// retired: the caller must drop the transaction and reload.
    pub async fn advance(&mut self, from: &[Checkpoint<'_>], to: i64) -> Result<bool, sqlx::Error> {
        Ok(match self {
            Self::Postgres(tx) => advance_postgres(&mut **tx, from, to).await?,
            Self::Sqlite(tx) => {
                let mut all = true;
                for c in from {
                    let affected = sqlx::query(ADVANCE_ONE)
                        .bind(to)
                        .bind(c.name)
                        .bind(c.generation)
                        .bind(c.position)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected();
                    all &= affected == 1;
                }
                all
            }
        })
    }
}

/// One change of one projection row: `doc` None deletes it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowChange {
    /// A view's name: static, so a rebuild's million rows allocate no copies.
    pub name: &'static str,
    pub generation: i64,
    pub key: String,
    pub doc: Option<String>,
}

/// A generation's stored checkpoint, as the guard of its next move.
#[derive(Debug, Clone, Copy)]
pub struct Checkpoint<'a> {
    pub name: &'a str,
    pub generation: i64,
    pub position: i64,
}

const ADVANCE_ONE: &str = "UPDATE projection_state SET position = $1, updated_at = CURRENT_TIMESTAMP \
     WHERE name = $2 AND generation = $3 AND position = $4 AND status <> 'retired'";

async fn advance_postgres<'c, E>(
    executor: E,
    from: &[Checkpoint<'_>],
    to: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let names: Vec<&str> = from.iter().map(|c| c.name).collect();
    let generations: Vec<i64> = from.iter().map(|c| c.generation).collect();
    let positions: Vec<i64> = from.iter().map(|c| c.position).collect();
    let affected = sqlx::query(
        "UPDATE projection_state p SET position = $1, updated_at = CURRENT_TIMESTAMP \
         FROM UNNEST($2::text[], $3::bigint[], $4::bigint[]) AS t(n, g, old) \
         WHERE p.name = t.n AND p.generation = t.g AND p.position = t.old AND p.status <> 'retired'",
    )
    .bind(to)
    .bind(&names)
    .bind(&generations)
    .bind(&positions)
    .execute(executor)
    .await?
    .rows_affected();
    Ok(affected == from.len() as u64)
}

/// Moves checkpoints that cover no row changes, without a transaction of its own
/// (one statement is atomic). False when any was moved by someone else.
pub async fn advance_checkpoints(
    db: &Db,
    from: &[Checkpoint<'_>],
    to: i64,
) -> Result<bool, sqlx::Error> {
    match db {
        Db::Postgres(p) => advance_postgres(p, from, to).await,
        Db::Sqlite(_) => {
            let mut tx = Tx::begin(db).await?;
            if !tx.advance(from, to).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        }
    }
}

macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            Db::Postgres($pool) => $body,
            Db::Sqlite($pool) => $body,
        }
    };
}

type StateRow = (String, i64, i64, i64, String);

fn to_generation(r: StateRow) -> Generation {
    Generation {
        name: r.0,
        generation: r.1,
        version: r.2,
        position: r.3,
        status: Status::parse(&r.4),
    }
}

/// The checkpoint of a log consumer whose steps are idempotent (the process
/// managers, the notifications outbox): stored at most every `every` while the
/// consumer is busy, and at once when it asks (the log went quiet). A crash
/// repeats at most `every` of no-ops; a rush costs a few commits a second.
#[derive(Debug)]
pub struct LazyCheckpoint {
    name: &'static str,
    version: u32,
    every: std::time::Duration,
    pub generation: i64,
    /// The stored position.
    pub stored: i64,
    stored_at: std::time::Instant,
}

/// What [`LazyCheckpoint::store`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// Nothing to store yet (not behind, or not due).
    NotDue,
    Stored,
    /// Another consumer had moved it: resume from this position.
    Moved(i64),
}

impl LazyCheckpoint {
    /// The live generation of `name` (created when missing).
    pub async fn load(
        db: &Db,
        name: &'static str,
        version: u32,
        every: std::time::Duration,
    ) -> Result<Self, sqlx::Error> {
        let (live, _) = ensure_generations(db, name, version).await?;
        Ok(Self {
            name,
            version,
            every,
            generation: live.generation,
            stored: live.position,
            stored_at: std::time::Instant::now(),
        })
    }

    /// Stores `position` when it is ahead and `every` has passed, or at once
    /// when `now`.
    pub async fn store(
        &mut self,
        db: &Db,
        position: i64,
        now: bool,
    ) -> Result<Stored, sqlx::Error> {
        if position <= self.stored || !(now || self.stored_at.elapsed() >= self.every) {
            return Ok(Stored::NotDue);
        }
        let from = Checkpoint {
            name: self.name,
            generation: self.generation,
            position: self.stored,
        };
        let moved = advance_checkpoints(db, &[from], position).await?;
        self.stored_at = std::time::Instant::now();
        if moved {
            self.stored = position;
            return Ok(Stored::Stored);
        }
        let (live, _) = ensure_generations(db, self.name, self.version).await?;
        self.generation = live.generation;
        self.stored = live.position;
        Ok(Stored::Moved(live.position))
    }
}

/// Every generation that is not retired, by name then generation.
pub async fn generations(db: &Db) -> Result<Vec<Generation>, sqlx::Error> {
    let sql = "SELECT name, generation, CAST(version AS BIGINT), position, status FROM projection_state \
               WHERE status <> 'retired' ORDER BY name, generation";
    let rows: Vec<StateRow> = on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await?);
    Ok(rows.into_iter().map(to_generation).collect())
}

/// Creates a generation of `name` at position 0.
pub async fn create_generation(
    db: &Db,
    name: &str,
    version: u32,
    status: Status,
) -> Result<Generation, sqlx::Error> {
    let sql = "INSERT INTO projection_state (name, generation, version, position, status) \
               SELECT $1, COALESCE(MAX(generation), 0) + 1, $2, 0, $3 FROM projection_state WHERE name = $1 \
               RETURNING name, generation, CAST(version AS BIGINT), position, status";
    let row: StateRow = on_db!(db, |p| sqlx::query_as(sql)
        .bind(name)
        .bind(version as i64)
        .bind(status.as_str())
        .fetch_one(p)
        .await?);
    Ok(to_generation(row))
}

/// The live generation of `name`, and a building one of `version` when the live
/// one is of another version. Creates what is missing.
pub async fn ensure_generations(
    db: &Db,
    name: &str,
    version: u32,
) -> Result<(Generation, Option<Generation>), sqlx::Error> {
    let existing: Vec<Generation> = generations(db)
        .await?
        .into_iter()
        .filter(|g| g.name == name)
        .collect();
    let live = match existing.iter().find(|g| g.status == Status::Live) {
        Some(live) => live.clone(),
        None => create_generation(db, name, version, Status::Live).await?,
    };
    if live.version == version as i64 {
        return Ok((live, None));
    }
    let building = match existing
        .iter()
        .find(|g| g.status == Status::Building && g.version == version as i64)
    {
        Some(b) => b.clone(),
        None => create_generation(db, name, version, Status::Building).await?,
    };
    Ok((live, Some(building)))
}

/// Makes `generation` the live one of `name` and drops the rows of the old one.
pub async fn switch_live(db: &Db, name: &str, generation: i64) -> Result<(), sqlx::Error> {
    promote(db, name, generation).await?;
    drop_retired_rows(db, name).await?;
    Ok(())
}

/// Makes `generation` the live one of `name`, retiring the old one, in one
/// transaction; the old rows stay until [`drop_retired_rows`].
pub async fn promote(db: &Db, name: &str, generation: i64) -> Result<(), sqlx::Error> {
    let retire =
        "UPDATE projection_state SET status = 'retired' WHERE name = $1 AND status = 'live'";
    let promote = "UPDATE projection_state SET status = 'live' WHERE name = $1 AND generation = $2";
    let mut tx = Tx::begin(db).await?;
    // The same statements on either backend's transaction.
    macro_rules! retire_then_promote {
        ($t:expr) => {{
            sqlx::query(retire).bind(name).execute(&mut **$t).await?;
            sqlx::query(promote)
                .bind(name)
                .bind(generation)
                .execute(&mut **$t)
                .await?;
        }};
    }
    match &mut tx {
        Tx::Postgres(t) => retire_then_promote!(t),
        Tx::Sqlite(t) => retire_then_promote!(t),
    }
    tx.commit().await
}

/// Deletes the rows of the retired generations of `name` (nobody reads them);
/// answers how many.
pub async fn drop_retired_rows(db: &Db, name: &str) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM projection_rows WHERE name = $1 AND generation IN \
               (SELECT generation FROM projection_state WHERE name = $1 AND status = 'retired')";
    Ok(on_db!(db, |p| sqlx::query(sql)
        .bind(name)
        .execute(p)
        .await?
        .rows_affected()))
}

/// Retires a building generation that will never be switched live (a failed
/// rebuild's) and drops its rows. A generation already switched is left alone.
pub async fn discard_generation(db: &Db, name: &str, generation: i64) -> Result<(), sqlx::Error> {
    let retire = "UPDATE projection_state SET status = 'retired' \
                  WHERE name = $1 AND generation = $2 AND status = 'building'";
    on_db!(db, |p| sqlx::query(retire)
        .bind(name)
        .bind(generation)
        .execute(p)
        .await?
        .rows_affected());
    drop_retired_rows(db, name).await?;
    Ok(())
}

/// Every row of one generation.
pub async fn load_rows(
    db: &Db,
    name: &str,
    generation: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql =
        "SELECT key, doc FROM projection_rows WHERE name = $1 AND generation = $2 ORDER BY key";
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(name)
        .bind(generation)
        .fetch_all(p)
        .await)
}

/// The live row of `name` under `key`.
pub async fn live_row(db: &Db, name: &str, key: &str) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT r.doc FROM projection_rows r JOIN projection_state s \
               ON s.name = r.name AND s.generation = r.generation AND s.status = 'live' \
               WHERE r.name = $1 AND r.key = $2";
    on_db!(db, |p| sqlx::query_scalar(sql)
        .bind(name)
        .bind(key)
        .fetch_optional(p)
        .await)
}

/// The live row of `name` under `key`, decoded as the projection's row type
/// (a row that does not decode is an error, like a failed read).
pub async fn live_row_of<R: serde::de::DeserializeOwned>(
    db: &Db,
    name: &str,
    key: &str,
) -> Result<Option<R>, sqlx::Error> {
    live_row(db, name, key)
        .await?
        .map(|doc| serde_json::from_str(&doc).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// The live rows of projection `$1` whose keys lie in `[$2, $3)`, in key order
/// (`$2` a prefix, `$3` its [`prefix_end`]).
pub const LIVE_ROWS_WITH_PREFIX: &str = "SELECT r.key, r.doc FROM projection_rows r \
    JOIN projection_state s ON s.name = r.name AND s.generation = r.generation \
    AND s.status = 'live' WHERE r.name = $1 AND r.key >= $2 AND r.key < $3 ORDER BY r.key";

/// The first key past every key starting with `prefix`. Keys are ASCII, so this
/// bound keeps the primary-key range scan.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{7f}")
}

/// The live rows of `name` whose key starts with `prefix`, in key order.
pub async fn live_rows_with_prefix(
    db: &Db,
    name: &str,
    prefix: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    on_db!(db, |p| sqlx::query_as(LIVE_ROWS_WITH_PREFIX)
        .bind(name)
        .bind(prefix)
        .bind(prefix_end(prefix))
        .fetch_all(p)
        .await)
}
