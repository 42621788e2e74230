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
//!
//! - `tessera_presence` (an instance's name, every second): who else listens.
//!
//! The `tessera_events` payload names the instance that committed, so an instance
//! also knows when nobody else has written ([`OtherWriters`]): its cached
//! aggregates are then current without asking the store. And an instance that has
//! heard nobody for a while is alone: it stops announcing its commits and its jobs'
//! progress ([`peers_may_listen`]), one transaction each that nobody would read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use sqlx::postgres::PgListener;
use tokio::sync::{Notify, watch};

use crate::Db;

pub const EVENTS_CHANNEL: &str = "tessera_events";
pub const PROGRESS_CHANNEL: &str = "tessera_progress";
pub const PRESENCE_CHANNEL: &str = "tessera_presence";
/// How often a listening instance says it is there.
const PRESENCE_EVERY: Duration = Duration::from_secs(1);
/// How long an instance that said so counts as there; also how long a new
/// listener assumes others are (it cannot have heard them yet).
const PRESENCE_TTL: Duration = Duration::from_secs(3);
/// The least time between two `tessera_events` notifications of one instance.
const NOTIFY_PAUSE: Duration = Duration::from_millis(5);
/// The fallback poll of stored checkpoints.
const POLL: Duration = Duration::from_secs(1);
/// How long an idle tailer of the log waits for a wake-up before it reads anyway,
/// while this process listens (every commit, here or elsewhere, wakes it) …
const IDLE_POLL_LISTENING: Duration = Duration::from_secs(2);
/// … and while it does not (SQLite, whose other processes never announce; a
/// listener reconnecting).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// How soon a tailer waiting on a gap in the log reads again.
const GAP_PAUSE: Duration = Duration::from_millis(5);

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

/// Milliseconds since this process first asked, plus one (0 stands for never).
fn now_ms() -> u64 {
    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    START.elapsed().as_millis() as u64 + 1
}

/// When a listener of this process last heard another instance (0: never).
static PEER_HEARD_MS: AtomicU64 = AtomicU64::new(0);
/// Since when a listener of this process has listened without a break (0: none
/// listens, or one lost its connection).
static LISTENING_SINCE_MS: AtomicU64 = AtomicU64::new(0);

fn within(since: u64, window: Duration) -> bool {
    since != 0 && now_ms().saturating_sub(since) < window.as_millis() as u64
}

/// Whether another instance may be listening: one was heard within
/// `PRESENCE_TTL`, or this process has not listened that long (it cannot know).
/// Shared by the instances of one process: an instance that hears another makes
/// every one of them announce (more notifications than needed, never fewer).
pub fn peers_may_listen() -> bool {
    let since = LISTENING_SINCE_MS.load(Ordering::SeqCst);
    since == 0
        || within(since, PRESENCE_TTL)
        || within(PEER_HEARD_MS.load(Ordering::SeqCst), PRESENCE_TTL)
}

/// How long a tailer of the log (the projection runner, the process managers,
/// the notifications outbox) that found nothing to read waits for a wake-up
/// before it reads again: 5 ms behind a gap (a commit in flight below the head);
/// otherwise the read only finds what a lost notification did not announce.
pub fn idle_pause(waiting_on_gap: bool) -> Duration {
    if waiting_on_gap {
        GAP_PAUSE
    } else if LISTENING_SINCE_MS.load(Ordering::SeqCst) != 0 {
        IDLE_POLL_LISTENING
    } else {
        IDLE_POLL
    }
}

fn peer_heard() {
    PEER_HEARD_MS.store(now_ms(), Ordering::SeqCst);
}

/// Tells the other instances that `job` reached `position` (PostgreSQL only; a
/// lost notification is covered by their poll). Nothing when nobody listens.
pub async fn notify_progress(db: &Db, job: &str, position: i64) {
    if !peers_may_listen() {
        return;
    }
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

/// Whether another writer (another instance, or a command-line run) has committed
/// since some moment: an epoch that moves on each of their commits this instance
/// hears of, and on every reconnection of the listener (what was said while it
/// was away is unknown). While the listener is down there is no epoch at all.
///
/// Two reads of [`Self::epoch`] that agree mean no other writer's commit was
/// announced in between; a commit announced later than it happened (a notifier
/// pauses at most `NOTIFY_PAUSE`) is the only staleness left, so callers also
/// bound how long they trust it.
///
/// A writer that believes itself alone does not announce (see
/// [`peers_may_listen`]): it hears this instance's presence within moments of the
/// listener starting, so the epoch means nothing until the listener has been up
/// for two presence periods, nor once this instance's own presence has not gone
/// out for two periods (the others may have stopped announcing to it).
#[derive(Debug, Default)]
pub struct OtherWriters {
    heard: AtomicU64,
    /// Since when the listener has been up without a break (0: it is not).
    listening_since: AtomicU64,
    /// When this instance last said it is there (0: never).
    present_at: AtomicU64,
}

impl OtherWriters {
    /// The current epoch; None while nobody listens (SQLite, a dropped
    /// connection, a listener just started), when nothing may be assumed.
    pub fn epoch(&self) -> Option<u64> {
        // Going deaf clears `listening_since` before it moves the epoch, so an
        // epoch read while listening is left behind by a later drop.
        let since = self.listening_since.load(Ordering::SeqCst);
        let heard_of_me = within(self.present_at.load(Ordering::SeqCst), 2 * PRESENCE_EVERY);
        (since != 0 && !within(since, 2 * PRESENCE_EVERY) && heard_of_me)
            .then(|| self.heard.load(Ordering::SeqCst))
    }

    /// Another writer committed.
    fn heard(&self) {
        self.heard.fetch_add(1, Ordering::SeqCst);
    }

    fn listening(&self) {
        self.heard();
        let now = now_ms();
        self.listening_since.store(now, Ordering::SeqCst);
        let _ = LISTENING_SINCE_MS.compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
    }

    fn deaf(&self) {
        self.listening_since.store(0, Ordering::SeqCst);
        LISTENING_SINCE_MS.store(0, Ordering::SeqCst);
        self.heard();
    }
}

/// Sends `tessera_events` (payload: this instance's name) after local commits:
/// woken by `commits` (a bus waker), at most one notification per
/// `NOTIFY_PAUSE`, so a rush coalesces into few.
pub fn spawn_event_notifier(db: Db, commits: Arc<Notify>, instance: String) {
    let Db::Postgres(pool) = db else {
        return;
    };
    tokio::spawn(async move {
        while !pool.is_closed() {
            commits.notified().await;
            if !peers_may_listen() {
                continue;
            }
            let _ = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(EVENTS_CHANNEL)
                .bind(&instance)
                .execute(&pool)
                .await;
            // Commits during the pause leave one stored wake-up: a rush costs one
            // notification per pause, not one transaction per commit, and a lone
            // commit is announced at once.
            tokio::time::sleep(NOTIFY_PAUSE).await;
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

/// Listens until the pool closes: wakes `wake` on others' commits, tells `others`
/// of them (commits announced by `instance` itself are not others'), and moves
/// each followed job's published position on its leader's progress. The
/// fallback poll skips the jobs `leads_here` names: their own leader, here,
/// publishes their position.
pub fn spawn_follower(
    db: Db,
    followed: Vec<Followed>,
    wake: Vec<Arc<Notify>>,
    instance: String,
    leads_here: impl Fn(&str) -> bool + Send + Sync + 'static,
    others: Arc<OtherWriters>,
) {
    let Db::Postgres(pool) = db.clone() else {
        return;
    };
    // The fallback poll runs beside the listener (never cancelling a read of it).
    let followed = Arc::new(followed);
    let (poll_db, poll_followed, poll_pool) = (db.clone(), followed.clone(), pool.clone());
    tokio::spawn(async move {
        while !poll_pool.is_closed() {
            tokio::time::sleep(POLL).await;
            poll(&poll_db, &poll_followed, &leads_here).await;
        }
    });
    // Says this instance is there, so the others keep announcing to it.
    let (presence_pool, me, present) = (pool.clone(), instance.clone(), others.clone());
    tokio::spawn(async move {
        while !presence_pool.is_closed() {
            let said = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(PRESENCE_CHANNEL)
                .bind(&me)
                .execute(&presence_pool)
                .await;
            if said.is_ok() {
                present.present_at.store(now_ms(), Ordering::SeqCst);
            }
            tokio::time::sleep(PRESENCE_EVERY).await;
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
                .listen_all([EVENTS_CHANNEL, PROGRESS_CHANNEL, PRESENCE_CHANNEL])
                .await
            {
                tracing::warn!(error = %e, "cannot listen for other instances; retrying");
                tokio::time::sleep(POLL).await;
                continue;
            }
            others.listening();
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) if n.channel() == EVENTS_CHANNEL => {
                        // This instance's own commits woke its jobs already.
                        if n.payload() != instance {
                            others.heard();
                            peer_heard();
                            wake.iter().for_each(|w| w.notify_one());
                        }
                    }
                    Ok(Some(n)) if n.channel() == PRESENCE_CHANNEL => {
                        if n.payload() != instance {
                            peer_heard();
                        }
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
            others.deaf();
            drop(listener);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

async fn poll(db: &Db, followed: &[Followed], leads_here: &impl Fn(&str) -> bool) {
    for f in followed.iter().filter(|f| !leads_here(&f.job)) {
        if let Ok(Some(p)) = stored_position(db, &f.names).await {
            bump(&f.published, p);
        }
    }
}
