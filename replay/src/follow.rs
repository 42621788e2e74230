//! How every instance, leader or standby, learns what the others did, through
//! PostgreSQL notifications (LISTEN/NOTIFY) rather than polling:
//! - `tessera_events`: an instance committed events. The leader's runner and
//!   process managers wake at once instead of at their next poll.
//! - `tessera_progress` (`job:position`): a job's leader moved its checkpoint, so a
//!   read waiting on this instance for its writes (`X-Tessera-After`) is answered
//!   whichever instance leads.
//!
//! A slow poll of the stored checkpoints covers a notification missed while the
//! listener reconnects. SQLite has one process: nothing to follow.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{Notify, watch};

use crate::Db;

pub const EVENTS_CHANNEL: &str = "tessera_events";
pub const PROGRESS_CHANNEL: &str = "tessera_progress";
/// The fallback poll of stored checkpoints.
const POLL: Duration = Duration::from_secs(1);

/// Moves a published position forward only (a checkpoint never moves backwards).
pub fn bump(published: &watch::Sender<i64>, position: i64) -> bool {
    published.send_if_modified(|p| {
        if position > *p {
            *p = position;
            true
        } else {
            false
        }
    })
}

/// Tells the other instances that `job` reached `position` (PostgreSQL only; a
/// lost notification is covered by their poll).
pub async fn notify_progress(db: &Db, job: &str, position: i64) {
    if let Db::Postgres(pool) = db {
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(PROGRESS_CHANNEL)
            .bind(format!("{job}:{position}"))
            .execute(pool)
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %e, "progress notification not sent");
        }
    }
}

/// Sends `tessera_events` after local commits: woken by `commits` (a bus waker),
/// at most one notification in flight, so a rush coalesces into few.
pub fn spawn_event_notifier(db: Db, commits: Arc<Notify>) {
    let Db::Postgres(pool) = db else {
        return;
    };
    tokio::spawn(async move {
        while !pool.is_closed() {
            commits.notified().await;
            let _ = sqlx::query("SELECT pg_notify($1, '')")
                .bind(EVENTS_CHANNEL)
                .execute(&pool)
                .await;
        }
    });
}

/// A job whose position this instance follows: its published position, and the
/// `projection_state` names whose lowest live checkpoint is that position.
pub struct Followed {
    pub job: String,
    pub names: Vec<String>,
    pub published: Arc<watch::Sender<i64>>,
}

/// The lowest live checkpoint of `names`.
pub async fn stored_position(db: &Db, names: &[String]) -> Result<Option<i64>, sqlx::Error> {
    match db {
        Db::Postgres(p) => sqlx::query_scalar(
            "SELECT MIN(position) FROM projection_state WHERE status = 'live' AND name = ANY($1)",
        )
        .bind(names)
        .fetch_one(p)
        .await,
        Db::Sqlite(p) => {
            let mut low: Option<i64> = None;
            for n in names {
                let pos: Option<i64> = sqlx::query_scalar(
                    "SELECT position FROM projection_state WHERE status = 'live' AND name = ?",
                )
                .bind(n)
                .fetch_optional(p)
                .await?;
                low = match (low, pos) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Ok(low)
        }
    }
}

/// Listens until the pool closes: wakes `wake` on others' commits and moves each
/// followed job's published position on its leader's progress.
pub fn spawn_follower(db: Db, followed: Vec<Followed>, wake: Vec<Arc<Notify>>) {
    let Db::Postgres(pool) = db.clone() else {
        return;
    };
    // The fallback poll runs beside the listener (never cancelling a read of it).
    let followed = Arc::new(followed);
    let (poll_db, poll_followed, poll_pool) = (db.clone(), followed.clone(), pool.clone());
    tokio::spawn(async move {
        while !poll_pool.is_closed() {
            tokio::time::sleep(POLL).await;
            poll(&poll_db, &poll_followed).await;
        }
    });
    tokio::spawn(async move {
        while !pool.is_closed() {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other instances; retrying");
                    tokio::time::sleep(POLL).await;
                    continue;
                }
            };
            if let Err(e) = listener
                .listen_all([EVENTS_CHANNEL, PROGRESS_CHANNEL])
                .await
            {
                tracing::warn!(error = %e, "cannot listen for other instances; retrying");
                tokio::time::sleep(POLL).await;
                continue;
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) if n.channel() == EVENTS_CHANNEL => {
                        wake.iter().for_each(|w| w.notify_one());
                    }
                    Ok(Some(n)) => {
                        if let Some((job, pos)) = n.payload().rsplit_once(':')
                            && let Ok(pos) = pos.parse::<i64>()
                            && let Some(f) = followed.iter().find(|f| f.job == job)
                        {
                            bump(&f.published, pos);
                        }
                    }
                    // The connection dropped: what was missed meanwhile is picked
                    // up by the poll; listen again.
                    Ok(None) | Err(_) => break,
                }
            }
            drop(listener);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

async fn poll(db: &Db, followed: &[Followed]) {
    for f in followed {
        if let Ok(Some(p)) = stored_position(db, &f.names).await {
            bump(&f.published, p);
        }
    }
}
