//! Leadership of background jobs when several instances share one PostgreSQL:
//! each job (the projection runner, the process managers, the hold sweeper, …)
//! runs on exactly one instance; the others stand by and take over when it dies.
//!
//! The lock is a PostgreSQL session advisory lock held by a dedicated connection
//! per job: when the leader's process dies its connection closes and PostgreSQL
//! frees the lock at once; a standby tries every [`TRY_EVERY`]. The leader
//! heartbeats through that same connection (a `job_leaders` row, which is what
//! operators read), so a leader that lost its connection stops its job within a
//! heartbeat or two. A job always starts from its stored checkpoint, and the
//! checkpoints are guarded (`storage::advance_checkpoints`), so even a leader that
//! has not yet noticed its loss cannot move one backwards.
//!
//! SQLite is one process: its jobs always lead (the row is still written).
//!
//! Any background job adopts it with [`Leadership::run`]:
//! `leadership.run("email_outbox", None, move || Box::pin(outbox.clone().run()))`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use sqlx::{Connection, PgConnection};
use tokio::sync::watch;

use crate::Db;

mod handover;
mod table;

pub use handover::LeaderError;
pub use table::{JobLeader, leaders};

/// The projection runner's job.
pub const PROJECTIONS: &str = "projections";
/// How often a leader heartbeats (and checks its connection).
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How often a standby tries to take a job.
pub const TRY_EVERY: Duration = Duration::from_millis(500);
/// How long a heartbeat may take before the leader counts its connection as lost.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(3);
/// A hand-over request (`wanted_by`) counts while refreshed within this.
const WANT_FRESH_MS: i64 = 10_000;
/// The first key of every Tessera advisory lock (the second is the job's hash).
const LOCK_CLASS: i32 = 0x7e55;

/// What a job's leader runs: started afresh (from the stored checkpoint) each time
/// this instance takes the job.
pub type JobFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Standby,
    Leader,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

static INSTANCE_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names this process in `job_leaders` (`serve --instance-id`); the first call wins.
pub fn name_this_instance(id: &str) {
    let id = id.trim();
    if !id.is_empty() {
        let _ = INSTANCE_ID.set(id.to_string());
    }
}

/// This instance's name in `job_leaders`: the one given by [`name_this_instance`],
/// else host:pid.
pub fn default_instance_id() -> String {
    if let Some(id) = INSTANCE_ID.get() {
        return id.clone();
    }
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{host}:{}", std::process::id())
}

/// A held job: on PostgreSQL, the connection that holds its advisory lock.
pub struct Lease {
    job: String,
    instance: String,
    conn: Option<PgConnection>,
}

/// A job's task, aborted when its leadership loop ends or is itself aborted.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl AbortOnDrop {
    async fn stop(mut self) {
        self.0.abort();
        let _ = (&mut self.0).await;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Why a leader stopped leading.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Lost,
    Yielded,
    Finished,
    Stopped,
}

impl Lease {
    /// Records a heartbeat; Err when the lock's connection is gone, Ok(true) when
    /// another holder asked for the job (a CLI rebuild) and it should be yielded.
    async fn heartbeat(&mut self, db: &Db) -> Result<bool, String> {
        if db.is_closed() {
            return Err("the instance's pool is closed".into());
        }
        let sql = "UPDATE job_leaders SET heartbeat_ms = $1, \
                   wanted_ms = CASE WHEN wanted_by = $3 THEN $1 ELSE wanted_ms END \
                   WHERE job = $2 AND instance = $3 RETURNING wanted_by, wanted_ms";
        let now = now_ms();
        let row: Option<(Option<String>, Option<i64>)> = match (&mut self.conn, db) {
            (Some(conn), _) => tokio::time::timeout(
                HEARTBEAT_TIMEOUT,
                sqlx::query_as(sql)
                    .bind(now)
                    .bind(&self.job)
                    .bind(&self.instance)
                    .fetch_optional(&mut *conn),
            )
            .await
            .map_err(|_| "heartbeat timed out".to_string())?
            .map_err(|e| e.to_string())?,
            (None, Db::Sqlite(p)) => sqlx::query_as(sql)
                .bind(now)
                .bind(&self.job)
                .bind(&self.instance)
                .fetch_optional(p)
                .await
                .map_err(|e| e.to_string())?,
            (None, Db::Postgres(_)) => return Err("no lock connection".into()),
        };
        let Some((wanted_by, wanted_ms)) = row else {
            return Err("the job's leader row names another instance".into());
        };
        Ok(wanted(&wanted_by, wanted_ms, &self.instance, now))
    }

    /// Frees the lock: unlocks and closes its connection (a broken one is dropped).
    async fn release(self) {
        if let Some(mut conn) = self.conn {
            let unlock = sqlx::query("SELECT pg_advisory_unlock($1, hashtext($2))")
                .bind(LOCK_CLASS)
                .bind(&self.job)
                .execute(&mut conn);
            let _ = tokio::time::timeout(HEARTBEAT_TIMEOUT, unlock).await;
            let _ = tokio::time::timeout(HEARTBEAT_TIMEOUT, conn.close()).await;
        }
    }
}

/// Whether someone other than `me` asked for the job recently.
fn wanted(by: &Option<String>, at: Option<i64>, me: &str, now: i64) -> bool {
    by.as_deref().is_some_and(|b| b != me) && at.is_some_and(|at| now - at < WANT_FRESH_MS)
}

/// This instance's side of leadership: which jobs it leads, and the loops that
/// take them.
#[derive(Clone)]
pub struct Leadership {
    db: Db,
    instance: Arc<str>,
    roles: Arc<Mutex<BTreeMap<String, Role>>>,
    stop: Arc<watch::Sender<bool>>,
}

impl Leadership {
    pub fn new(db: Db, instance: impl Into<String>) -> Self {
        Self {
            db,
            instance: Arc::from(instance.into()),
            roles: Default::default(),
            stop: Arc::new(watch::channel(false).0),
        }
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Each job this instance runs a leadership loop for, with its role now.
    pub fn roles(&self) -> Vec<(String, Role)> {
        let roles = self.roles.lock().unwrap_or_else(|p| p.into_inner());
        roles.iter().map(|(j, r)| (j.clone(), *r)).collect()
    }

    pub fn leads(&self, job: &str) -> bool {
        let roles = self.roles.lock().unwrap_or_else(|p| p.into_inner());
        roles.get(job) == Some(&Role::Leader)
    }

    fn set_role(&self, job: &str, role: Role) {
        let mut roles = self.roles.lock().unwrap_or_else(|p| p.into_inner());
        roles.insert(job.to_string(), role);
    }

    /// Stops every loop and frees every lock (a shutdown, or a test's simulated
    /// crash): returns once no job is led here any more (at most a few seconds).
    pub async fn stop(&self) {
        self.stop.send_replace(true);
        for _ in 0..100 {
            if !self.roles().iter().any(|(_, r)| *r == Role::Leader) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Tries once to take `job`: Some when this instance now leads it.
    pub async fn try_acquire(&self, job: &str) -> Result<Option<Lease>, sqlx::Error> {
        let mut conn = None;
        let lease = self.try_lock(job, &mut conn).await?;
        if lease.is_none()
            && let Some(c) = conn
        {
            let _ = c.close().await;
        }
        Ok(lease)
    }

    /// Tries to take `job` on `conn` (opened when None, kept for the next try).
    async fn try_lock(
        &self,
        job: &str,
        conn: &mut Option<PgConnection>,
    ) -> Result<Option<Lease>, sqlx::Error> {
        let now = now_ms();
        let pool = match &self.db {
            Db::Sqlite(_) => {
                self.claim(job, None, now).await?;
                self.set_role(job, Role::Leader);
                return Ok(Some(self.lease(job, None)));
            }
            Db::Postgres(pool) => pool,
        };
        // A CLI rebuild asked for the job: leave it alone while it is fresh.
        let want: Option<(Option<String>, Option<i64>)> =
            sqlx::query_as("SELECT wanted_by, wanted_ms FROM job_leaders WHERE job = $1")
                .bind(job)
                .fetch_optional(pool)
                .await?;
        if let Some((by, at)) = want
            && wanted(&by, at, &self.instance, now)
        {
            return Ok(None);
        }
        let mut c = match conn.take() {
            Some(c) => c,
            None => pool.acquire().await?.detach(),
        };
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, hashtext($2))")
            .bind(LOCK_CLASS)
            .bind(job)
            .fetch_one(&mut c)
            .await?;
        if !locked {
            *conn = Some(c);
            return Ok(None);
        }
        // The row's heartbeats are what operators read, not what decides who
        // leads (the lock does): their commits need not wait for the disk.
        sqlx::query("SET synchronous_commit = off")
            .execute(&mut c)
            .await?;
        self.claim(job, Some(&mut c), now).await?;
        self.set_role(job, Role::Leader);
        Ok(Some(self.lease(job, Some(c))))
    }

    fn lease(&self, job: &str, conn: Option<PgConnection>) -> Lease {
        Lease {
            job: job.to_string(),
            instance: self.instance.to_string(),
            conn,
        }
    }

    /// Writes this instance into the job's row (a stale hand-over request is
    /// cleared; this instance's own is kept).
    async fn claim(
        &self,
        job: &str,
        conn: Option<&mut PgConnection>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let sql = "INSERT INTO job_leaders (job, instance, since_ms, heartbeat_ms) VALUES ($1, $2, $3, $3) \
                   ON CONFLICT (job) DO UPDATE SET instance = excluded.instance, \
                   since_ms = excluded.since_ms, heartbeat_ms = excluded.heartbeat_ms, \
                   wanted_by = CASE WHEN job_leaders.wanted_by = excluded.instance \
                   THEN job_leaders.wanted_by ELSE NULL END";
        let q = sqlx::query(sql)
            .bind(job)
            .bind(self.instance.as_ref())
            .bind(now);
        match (conn, &self.db) {
            (Some(c), _) => {
                q.execute(c).await?;
            }
            (None, Db::Postgres(p)) => {
                q.execute(p).await?;
            }
            (None, Db::Sqlite(p)) => {
                sqlx::query(sql)
                    .bind(job)
                    .bind(self.instance.as_ref())
                    .bind(now)
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }

    /// Runs `start()`'s job whenever this instance leads `job`, forever: takes the
    /// job (beginning with `first` when already held), runs it, heartbeats, and
    /// when the lock is lost, yielded or the job ends, stops it and stands by.
    pub fn run<F>(
        &self,
        job: &'static str,
        first: Option<Lease>,
        mut start: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: FnMut() -> JobFuture + Send + 'static,
    {
        let me = self.clone();
        if first.is_none() {
            me.set_role(job, Role::Standby);
        }
        tokio::spawn(async move {
            let mut stop = me.stop.subscribe();
            let mut first = first;
            let mut standby_conn: Option<PgConnection> = None;
            loop {
                let mut lease = match first.take() {
                    Some(l) => l,
                    None => {
                        me.set_role(job, Role::Standby);
                        match me.wait_for_lock(job, &mut standby_conn, &mut stop).await {
                            Some(l) => l,
                            None => return,
                        }
                    }
                };
                tracing::info!(job, instance = %me.instance, "leading background job");
                let task = AbortOnDrop(tokio::spawn(start()));
                let ended = me.hold(&mut lease, &task.0, &mut stop).await;
                task.stop().await;
                lease.release().await;
                me.set_role(job, Role::Standby);
                tracing::warn!(job, instance = %me.instance, ?ended, "no longer leading background job");
                match ended {
                    Ended::Stopped => return,
                    // Give the one that asked (or another instance) the first go.
                    Ended::Yielded | Ended::Finished => tokio::time::sleep(HEARTBEAT).await,
                    Ended::Lost => {}
                }
            }
        })
    }

    async fn wait_for_lock(
        &self,
        job: &str,
        conn: &mut Option<PgConnection>,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Lease> {
        loop {
            if *stop.borrow() || self.db.is_closed() {
                return None;
            }
            match self.try_lock(job, conn).await {
                Ok(Some(lease)) => return Some(lease),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(job, error = %e, "standby could not try the job's lock");
                    *conn = None;
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(TRY_EVERY) => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn hold(
        &self,
        lease: &mut Lease,
        task: &tokio::task::JoinHandle<()>,
        stop: &mut watch::Receiver<bool>,
    ) -> Ended {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(HEARTBEAT) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return Ended::Stopped;
            }
            if task.is_finished() {
                return Ended::Finished;
            }
            match lease.heartbeat(&self.db).await {
                Ok(false) => {}
                Ok(true) => return Ended::Yielded,
                Err(e) => {
                    tracing::error!(job = %lease.job, error = %e, "lost the job's lock");
                    return Ended::Lost;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_over_request_counts_only_from_another_and_while_fresh() {
        let now = 100_000;
        assert!(wanted(&Some("cli".into()), Some(now - 1_000), "a", now));
        assert!(!wanted(&Some("a".into()), Some(now - 1_000), "a", now));
        assert!(!wanted(&Some("cli".into()), Some(now - 60_000), "a", now));
        assert!(!wanted(&None, None, "a", now));
    }
}
