//! `Idempotency-Key` on POST: the same key and body get the same response; the same
//! key with another body gets 422; a request still in flight gets 409. A response
//! that failed on our side (5xx) is forgotten so a retry runs again.
//!
//! What is kept holds no secret and not for long:
//! - requests that carry a password (sign-up, log-in) bypass this layer: not even a
//!   hash of their body is stored, and a retry runs again;
//! - a response marked [`NotStored`] (one that carries a token) is not stored;
//!   its claim is dropped so a retry runs again;
//! - records expire after `idempotency_ttl_hours`: an expired record is deleted
//!   when its key comes back, and [`spawn_cleanup`] deletes the rest under `serve`.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tessera_replay::Db;

use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::request_error::RequestError;

/// Routes whose requests carry a password: never fingerprinted, never stored.
const BYPASS: &[&str] = &["/api/v1/auth/signup", "/api/v1/auth/login"];

/// A response extension a handler sets when its body holds a secret (a token):
/// the response is never stored for replay.
#[derive(Debug, Clone, Copy)]
pub struct NotStored;

/// How often `serve` deletes expired records.
const CLEANUP_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// SQLite keeps times as RFC 3339 text with milliseconds (see the migration).
fn sqlite_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    content_type: Option<String>,
    body: String,
}

enum Claim {
    Mine,
    Taken {
        request: String,
        status: Option<i32>,
        response: Option<String>,
    },
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// request, status, response
type StoredRow = (String, Option<i32>, Option<String>);

/// How long a claim may stay in flight before it is taken for abandoned (its
/// request died with its process): a retry then runs again. Commands that move
/// money derive their ids from the key, so running again records nothing twice.
const LEASE_SECONDS: i64 = 60;

async fn claim(
    db: &Db,
    ttl: chrono::Duration,
    actor: &str,
    key: &str,
    request: &str,
) -> Result<Claim, sqlx::Error> {
    // An abandoned claim, or any record past its time to live, is gone before the
    // key is looked at: it is neither replayed nor a conflict.
    let stale = "DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2 \
                 AND ((status IS NULL AND created_at < $3) OR created_at < $4)";
    let now = chrono::Utc::now();
    let lease_cutoff = now - chrono::Duration::seconds(LEASE_SECONDS);
    let expired_cutoff = now - ttl;
    match db {
        Db::Postgres(p) => {
            sqlx::query(stale)
                .bind(actor)
                .bind(key)
                .bind(lease_cutoff)
                .bind(expired_cutoff)
                .execute(p)
                .await?;
        }
        Db::Sqlite(p) => {
            sqlx::query(stale)
                .bind(actor)
                .bind(key)
                .bind(sqlite_time(lease_cutoff))
                .bind(sqlite_time(expired_cutoff))
                .execute(p)
                .await?;
        }
    }
    let insert = "INSERT INTO idempotency_keys (actor, key, request) VALUES ($1, $2, $3) \
                  ON CONFLICT (actor, key) DO NOTHING";
    let select =
        "SELECT request, status, response FROM idempotency_keys WHERE actor = $1 AND key = $2";
    let (inserted, existing): (u64, Option<StoredRow>) = match db {
        Db::Postgres(p) => {
            let n = sqlx::query(insert)
                .bind(actor)
                .bind(key)
                .bind(request)
                .execute(p)
                .await?;
            let row = if n.rows_affected() == 0 {
                sqlx::query_as(select)
                    .bind(actor)
                    .bind(key)
                    .fetch_optional(p)
                    .await?
            } else {
                None
            };
            (n.rows_affected(), row)
        }
        Db::Sqlite(p) => {
            let n = sqlx::query(insert)
                .bind(actor)
                .bind(key)
                .bind(request)
                .execute(p)
                .await?;
            let row = if n.rows_affected() == 0 {
                sqlx::query_as(select)
                    .bind(actor)
                    .bind(key)
                    .fetch_optional(p)
                    .await?
            } else {
                None
            };
            (n.rows_affected(), row)
        }
    };
    Ok(match (inserted, existing) {
        (1, _) | (_, None) => Claim::Mine,
        (_, Some((request, status, response))) => Claim::Taken {
            request,
            status,
            response,
        },
    })
}

async fn finish(
    db: &Db,
    actor: &str,
    key: &str,
    outcome: Option<(i32, String)>,
) -> Result<(), sqlx::Error> {
    match (db, outcome) {
        (Db::Postgres(p), Some((status, body))) => {
            sqlx::query("UPDATE idempotency_keys SET status = $1, response = $2 WHERE actor = $3 AND key = $4")
                .bind(status)
                .bind(body)
                .bind(actor)
                .bind(key)
                .execute(p)
                .await?;
        }
        (Db::Sqlite(p), Some((status, body))) => {
            sqlx::query("UPDATE idempotency_keys SET status = $1, response = $2 WHERE actor = $3 AND key = $4")
                .bind(status)
                .bind(body)
                .bind(actor)
                .bind(key)
                .execute(p)
                .await?;
        }
        (Db::Postgres(p), None) => {
            sqlx::query("DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2")
                .bind(actor)
                .bind(key)
                .execute(p)
                .await?;
        }
        (Db::Sqlite(p), None) => {
            sqlx::query("DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2")
                .bind(actor)
                .bind(key)
                .execute(p)
                .await?;
        }
    }
    Ok(())
}

/// Deletes every record older than `ttl`; answers how many.
pub async fn delete_expired(db: &Db, ttl: chrono::Duration) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM idempotency_keys WHERE created_at < $1";
    let cutoff = chrono::Utc::now() - ttl;
    Ok(match db {
        Db::Postgres(p) => sqlx::query(sql)
            .bind(cutoff)
            .execute(p)
            .await?
            .rows_affected(),
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(sqlite_time(cutoff))
            .execute(p)
            .await?
            .rows_affected(),
    })
}

/// Deletes expired records now and then every [`CLEANUP_EVERY`] (`serve` only).
pub fn spawn_cleanup(app: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run_cleanup(app))
}

/// The idempotency cleanup's job name in `job_leaders`.
pub const CLEANUP_JOB: &str = "idempotency_cleanup";

/// The job of the cleanup's leader (see [`spawn_cleanup`]).
pub async fn run_cleanup(app: AppState) {
    {
        let mut ticks = tokio::time::interval(CLEANUP_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match delete_expired(&app.db, app.config.idempotency_ttl()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "expired idempotency records deleted"),
                Err(e) => tracing::error!(error = %e, "idempotency cleanup failed"),
            }
        }
    }
}

pub async fn idempotency(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || BYPASS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string))
    else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k,
        _ => {
            return ApiError::from(RequestError::InvalidIdempotencyKey).into_response();
        }
    };
    // Keys are scoped to whoever sent them (the credential, hashed).
    let credential = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let actor = hex(&Sha256::digest(&credential)[..16]);
    let (parts, body) = req.into_parts();
    let limit = crate::http::edge::body_limit(parts.uri.path());
    let Ok(bytes) = to_bytes(body, limit).await else {
        return ApiError::from(RequestError::TooLarge(limit)).into_response();
    };
    let fingerprint = format!(
        "{} {} {}",
        parts.method,
        parts.uri,
        hex(&Sha256::digest(&bytes))
    );
    match claim(
        &app.db,
        app.config.idempotency_ttl(),
        &actor,
        &key,
        &fingerprint,
    )
    .await
    {
        Err(e) => ApiError::internal(e).into_response(),
        Ok(Claim::Taken { request, .. }) if request != fingerprint => {
            ApiError::from(RequestError::IdempotencyKeyReused).into_response()
        }
        Ok(Claim::Taken { status: None, .. }) | Ok(Claim::Taken { response: None, .. }) => {
            ApiError::from(RequestError::IdempotencyInFlight).into_response()
        }
        Ok(Claim::Taken {
            status: Some(status),
            response: Some(stored),
            ..
        }) => replay(status, &stored),
        Ok(Claim::Mine) => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (rparts, rbody) = response.into_parts();
            let Ok(rbytes) = to_bytes(rbody, usize::MAX).await else {
                let _ = finish(&app.db, &actor, &key, None).await;
                return ApiError::internal("response body unreadable").into_response();
            };
            let keep =
                !rparts.status.is_server_error() && rparts.extensions.get::<NotStored>().is_none();
            let outcome = keep.then(|| {
                let stored = Stored {
                    content_type: rparts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                    body: String::from_utf8_lossy(&rbytes).into_owned(),
                };
                (
                    i32::from(rparts.status.as_u16()),
                    serde_json::to_string(&stored).unwrap_or_default(),
                )
            });
            if let Err(e) = finish(&app.db, &actor, &key, outcome).await {
                tracing::error!(error = %e, "could not record idempotent response");
            }
            Response::from_parts(rparts, Body::from(rbytes))
        }
    }
}

fn replay(status: i32, stored: &str) -> Response {
    let Ok(stored) = serde_json::from_str::<Stored>(stored) else {
        return ApiError::internal("stored idempotent response unreadable").into_response();
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    if let Some(ct) = stored
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
