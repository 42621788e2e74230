//! The delivery tables (`webhook_deliveries`, `webhook_attempts`): what is owed
//! to which endpoint, and every attempt made. Times are Unix milliseconds.

use serde::Serialize;
use tessera_replay::Db;
use utoipa::ToSchema;

macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            Db::Postgres($pool) => $body,
            Db::Sqlite($pool) => $body,
        }
    };
}

/// One delivery: an event owed to an endpoint in a round (0 = live, else the
/// position of the replay request).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub endpoint_id: String,
    pub position: i64,
    pub round: i64,
}

pub struct NewDelivery<'a> {
    pub key: Key,
    pub conference_id: &'a str,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub body: &'a str,
    pub now: i64,
}

/// Records a delivery once: a second insert of the same key changes nothing.
pub async fn insert(db: &Db, d: &NewDelivery<'_>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO webhook_deliveries (endpoint_id, position, round, conference_id, event_id, \
               kind, body, status, attempts, next_attempt_at, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8) \
               ON CONFLICT (endpoint_id, position, round) DO NOTHING";
    on_db!(db, |p| sqlx::query(sql)
        .bind(&d.key.endpoint_id)
        .bind(d.key.position)
        .bind(d.key.round)
        .bind(d.conference_id)
        .bind(d.event_id)
        .bind(d.kind)
        .bind(d.body)
        .bind(d.now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub endpoint_id: String,
    pub position: i64,
    pub round: i64,
    pub conference_id: String,
    pub event_id: String,
    pub kind: String,
    pub body: String,
    pub attempts: i32,
    pub created_at: i64,
}

impl Due {
    pub fn key(&self) -> Key {
        Key {
            endpoint_id: self.endpoint_id.clone(),
            position: self.position,
            round: self.round,
        }
    }
}

/// Pending deliveries whose next attempt is due, oldest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    let sql = "SELECT endpoint_id, position, round, conference_id, event_id, kind, body, attempts, created_at \
               FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
               ORDER BY next_attempt_at, position LIMIT $2";
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Takes the next attempt of `d` (WH-10): moves its next attempt to `lease_until`
/// first (past the request's timeout), so another instance does not take the
/// same delivery while the request runs, and a crash during it retries later.
/// False when someone else took it.
pub async fn claim(db: &Db, d: &Due, lease_until: i64, now: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1, updated_at = $2 \
               WHERE endpoint_id = $3 AND position = $4 AND round = $5 AND attempts = $6 AND status = 'pending'";
    let n = on_db!(db, |p| sqlx::query(sql)
        .bind(lease_until)
        .bind(now)
        .bind(&d.endpoint_id)
        .bind(d.position)
        .bind(d.round)
        .bind(d.attempts)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub struct Attempt<'a> {
    pub number: i32,
    pub at: i64,
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
}

/// Logs an attempt and sets the delivery's status (`pending` keeps it retrying,
/// next at `next_attempt_at`).
pub async fn record(
    db: &Db,
    key: &Key,
    a: &Attempt<'_>,
    status: &str,
    next_attempt_at: i64,
) -> Result<(), sqlx::Error> {
    let log = "INSERT INTO webhook_attempts (endpoint_id, position, round, attempt, at, status_code, duration_ms, error) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
               ON CONFLICT (endpoint_id, position, round, attempt) DO NOTHING";
    let update = "UPDATE webhook_deliveries SET status = $1, last_status = $2, last_error = $3, updated_at = $4, \
                  next_attempt_at = $8 \
                  WHERE endpoint_id = $5 AND position = $6 AND round = $7 AND status = 'pending'";
    // One transaction: a reader never sees the attempt without its outcome.
    on_db!(db, |p| {
        let mut tx = p.begin().await?;
        sqlx::query(log)
            .bind(&key.endpoint_id)
            .bind(key.position)
            .bind(key.round)
            .bind(a.number)
            .bind(a.at)
            .bind(a.status_code)
            .bind(a.duration_ms)
            .bind(a.error)
            .execute(&mut *tx)
            .await?;
        sqlx::query(update)
            .bind(status)
            .bind(a.status_code)
            .bind(a.error)
            .bind(a.at)
            .bind(&key.endpoint_id)
            .bind(key.position)
            .bind(key.round)
            .bind(next_attempt_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?
    });
    Ok(())
}

/// Moves the next attempt of a pending delivery without counting an attempt.
pub async fn postpone(db: &Db, key: &Key, to: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE webhook_deliveries SET next_attempt_at = $1 \
               WHERE endpoint_id = $2 AND position = $3 AND round = $4 AND status = 'pending'";
    on_db!(db, |p| sqlx::query(sql)
        .bind(to)
        .bind(&key.endpoint_id)
        .bind(key.position)
        .bind(key.round)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deliveries to a deleted endpoint stop.
pub async fn cancel(db: &Db, key: &Key, now: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE webhook_deliveries SET status = 'cancelled', updated_at = $1 \
               WHERE endpoint_id = $2 AND position = $3 AND round = $4 AND status = 'pending'";
    on_db!(db, |p| sqlx::query(sql)
        .bind(now)
        .bind(&key.endpoint_id)
        .bind(key.position)
        .bind(key.round)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One delivery as the organizer sees it, with its attempts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub event_id: String,
    /// The event's log position.
    pub position: i64,
    /// 0 for live delivery, else the log position of the replay request.
    pub round: i64,
    pub kind: String,
    /// pending, delivered, failed or cancelled.
    pub status: String,
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt: i32,
    /// Unix milliseconds.
    pub at: i64,
    /// The receiver's HTTP status; none when no response came.
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<String>,
}

type DeliveryRow = (String, i64, i64, String, String);
type AttemptRow = (i64, i64, i32, i64, Option<i32>, i64, Option<String>);

/// How many deliveries an endpoint has.
pub async fn count(db: &Db, endpoint_id: &str) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1";
    on_db!(db, |p| sqlx::query_scalar(sql)
        .bind(endpoint_id)
        .fetch_one(p)
        .await)
}

/// Up to `limit` deliveries of an endpoint, newest first (by round, then log
/// position), strictly after `after` = `(round, position)` in that order (a
/// keyset page: the primary key's index serves it), with their attempts.
pub async fn list(
    db: &Db,
    endpoint_id: &str,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<DeliveryView>, sqlx::Error> {
    let sql = "SELECT event_id, position, round, kind, status FROM webhook_deliveries \
               WHERE endpoint_id = $1 AND (round < $2 OR (round = $2 AND position < $3)) \
               ORDER BY round DESC, position DESC LIMIT $4";
    let (round, position) = after.unwrap_or((i64::MAX, i64::MAX));
    let rows: Vec<DeliveryRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(endpoint_id)
        .bind(round)
        .bind(position)
        .bind(limit)
        .fetch_all(p)
        .await)?;
    let attempts_sql = "SELECT position, round, attempt, at, status_code, duration_ms, error \
                        FROM webhook_attempts WHERE endpoint_id = $1 AND position >= $2 \
                        AND position <= $3 ORDER BY position, round, attempt";
    let oldest = rows.iter().map(|r| r.1).min().unwrap_or(0);
    let newest = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let attempts: Vec<AttemptRow> = on_db!(db, |p| sqlx::query_as(attempts_sql)
        .bind(endpoint_id)
        .bind(oldest)
        .bind(newest)
        .fetch_all(p)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(event_id, position, round, kind, status)| DeliveryView {
            attempts: attempts
                .iter()
                .filter(|a| a.0 == position && a.1 == round)
                .map(|a| AttemptView {
                    attempt: a.2,
                    at: a.3,
                    status_code: a.4,
                    duration_ms: a.5,
                    error: a.6.clone(),
                })
                .collect(),
            event_id,
            position,
            round,
            kind,
            status,
        })
        .collect())
}
