//! A CLI rebuild asks the leader of a job to hand it over (`job_leaders.wanted_by`).

use std::future::Future;
use std::time::Duration;

use sqlx::PgConnection;

use super::{HEARTBEAT, Leadership, Role, now_ms};
use crate::Db;

impl Leadership {
    /// Runs `work` while holding `job` exclusively, asking its leader to hand it
    /// over (a CLI rebuild): the leader yields at its next heartbeat and standbys
    /// hold off while the request is fresh. Err when the job was not handed over
    /// within `wait`. On SQLite (one process) `work` simply runs.
    pub async fn exclusively<T>(
        &self,
        job: &str,
        wait: Duration,
        work: impl Future<Output = T>,
    ) -> Result<T, LeaderError> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(work.await);
        };
        let deadline = tokio::time::Instant::now() + wait;
        let mut conn: Option<PgConnection> = None;
        let mut lease = loop {
            sqlx::query(
                "INSERT INTO job_leaders (job, instance, since_ms, heartbeat_ms, wanted_by, wanted_ms) \
                 VALUES ($1, $2, 0, 0, $2, $3) ON CONFLICT (job) DO UPDATE SET wanted_by = $2, wanted_ms = $3",
            )
            .bind(job)
            .bind(self.instance.as_ref())
            .bind(now_ms())
            .execute(pool)
            .await?;
            if let Some(l) = self.try_lock(job, &mut conn).await? {
                break l;
            }
            if tokio::time::Instant::now() > deadline {
                self.clear_want(job).await?;
                return Err(LeaderError::NotHandedOver(job.to_string()));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        // Heartbeat (and keep the request fresh) while the work runs.
        let out = {
            tokio::pin!(work);
            loop {
                tokio::select! {
                    out = &mut work => break out,
                    _ = tokio::time::sleep(HEARTBEAT) => {
                        if let Err(e) = lease.heartbeat(&self.db).await {
                            tracing::warn!(job, error = %e, "heartbeat failed during exclusive work");
                        }
                    }
                }
            }
        };
        self.clear_want(job).await?;
        lease.release().await;
        self.set_role(job, Role::Standby);
        Ok(out)
    }

    async fn clear_want(&self, job: &str) -> Result<(), sqlx::Error> {
        let sql = "UPDATE job_leaders SET wanted_by = NULL, wanted_ms = NULL WHERE job = $1 AND wanted_by = $2";
        match &self.db {
            Db::Postgres(p) => {
                sqlx::query(sql)
                    .bind(job)
                    .bind(self.instance.as_ref())
                    .execute(p)
                    .await?;
            }
            Db::Sqlite(p) => {
                sqlx::query(sql)
                    .bind(job)
                    .bind(self.instance.as_ref())
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LeaderError {
    #[error("the leader of job '{0}' did not hand it over in time")]
    NotHandedOver(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}
