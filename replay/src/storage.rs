//! Where projection rows and checkpoints live: `projection_state` (one row per
//! generation of a projection) and `projection_rows`.

use sqlx::{Postgres, Sqlite, Transaction};

use crate::Db;

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

    /// Writes a batch of row changes of one generation.
    pub async fn write_rows(
        &mut self,
        name: &str,
        generation: i64,
        changes: Vec<(String, Option<String>)>,
    ) -> Result<(), sqlx::Error> {
        if changes.is_empty() {
            return Ok(());
        }
        match self {
            Self::Postgres(tx) => {
                let (mut upsert_keys, mut upsert_docs, mut deletes) = (vec![], vec![], vec![]);
                for (k, doc) in changes {
                    match doc {
                        Some(d) => {
                            upsert_keys.push(k);
                            upsert_docs.push(d);
                        }
                        None => deletes.push(k),
                    }
                }
                if !upsert_keys.is_empty() {
                    sqlx::query(
                        "INSERT INTO projection_rows (name, generation, key, doc) \
                         SELECT $1, $2, k, d FROM UNNEST($3::text[], $4::text[]) AS t(k, d) \
                         ON CONFLICT (name, generation, key) DO UPDATE SET doc = EXCLUDED.doc",
                    )
                    .bind(name)
                    .bind(generation)
                    .bind(&upsert_keys)
                    .bind(&upsert_docs)
                    .execute(&mut **tx)
                    .await?;
                }
                if !deletes.is_empty() {
                    sqlx::query(
                        "DELETE FROM projection_rows WHERE name = $1 AND generation = $2 AND key = ANY($3)",
                    )
                    .bind(name)
                    .bind(generation)
                    .bind(&deletes)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            Self::Sqlite(tx) => {
                for (k, doc) in changes {
                    match doc {
                        Some(d) => {
                            sqlx::query(
                                "INSERT INTO projection_rows (name, generation, key, doc) VALUES (?, ?, ?, ?) \
                                 ON CONFLICT (name, generation, key) DO UPDATE SET doc = excluded.doc",
                            )
                            .bind(name)
                            .bind(generation)
                            .bind(k)
                            .bind(d)
                            .execute(&mut **tx)
                            .await?;
                        }
                        None => {
                            sqlx::query(
                                "DELETE FROM projection_rows WHERE name = ? AND generation = ? AND key = ?",
                            )
                            .bind(name)
                            .bind(generation)
                            .bind(k)
                            .execute(&mut **tx)
                            .await?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves a generation's checkpoint from `from` to `to`. False when someone else
    /// moved it, or the generation was retired: the caller must reload.
    pub async fn advance(
        &mut self,
        name: &str,
        generation: i64,
        from: i64,
        to: i64,
    ) -> Result<bool, sqlx::Error> {
        let sql = "UPDATE projection_state SET position = $1, updated_at = CURRENT_TIMESTAMP \
                   WHERE name = $2 AND generation = $3 AND position = $4 AND status <> 'retired'";
        let affected = match self {
            Self::Postgres(tx) => sqlx::query(sql)
                .bind(to)
                .bind(name)
                .bind(generation)
                .bind(from)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Self::Sqlite(tx) => sqlx::query(sql)
                .bind(to)
                .bind(name)
                .bind(generation)
                .bind(from)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        };
        Ok(affected == 1)
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
    let retire =
        "UPDATE projection_state SET status = 'retired' WHERE name = $1 AND status = 'live'";
    let promote = "UPDATE projection_state SET status = 'live' WHERE name = $1 AND generation = $2";
    let drop_rows = "DELETE FROM projection_rows WHERE name = $1 AND generation IN \
                     (SELECT generation FROM projection_state WHERE name = $1 AND status = 'retired')";
    let mut tx = Tx::begin(db).await?;
    match &mut tx {
        Tx::Postgres(t) => {
            sqlx::query(retire).bind(name).execute(&mut **t).await?;
            sqlx::query(promote)
                .bind(name)
                .bind(generation)
                .execute(&mut **t)
                .await?;
            sqlx::query(drop_rows).bind(name).execute(&mut **t).await?;
        }
        Tx::Sqlite(t) => {
            sqlx::query(retire).bind(name).execute(&mut **t).await?;
            sqlx::query(promote)
                .bind(name)
                .bind(generation)
                .execute(&mut **t)
                .await?;
            sqlx::query(drop_rows).bind(name).execute(&mut **t).await?;
        }
    }
    tx.commit().await
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

/// The live rows of `name` whose key starts with `prefix`, in key order.
pub async fn live_rows_with_prefix(
    db: &Db,
    name: &str,
    prefix: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    // Keys are ASCII; `prefix || '\u{10FFFF}'`-style bounds keep the primary-key range scan.
    let upper = format!("{prefix}\u{7f}");
    let sql = "SELECT r.key, r.doc FROM projection_rows r JOIN projection_state s \
               ON s.name = r.name AND s.generation = r.generation AND s.status = 'live' \
               WHERE r.name = $1 AND r.key >= $2 AND r.key < $3 ORDER BY r.key";
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(name)
        .bind(prefix)
        .bind(&upper)
        .fetch_all(p)
        .await)
}
