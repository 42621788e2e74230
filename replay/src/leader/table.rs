//! The `job_leaders` table as operators read it.

use serde::Serialize;

use super::now_ms;
use crate::Db;

/// One job's row in `job_leaders`, as `replay status` and `/metrics` show it.
#[derive(Debug, Clone, Serialize)]
pub struct JobLeader {
    pub job: String,
    pub instance: String,
    pub since_ms: i64,
    pub heartbeat_ms: i64,
    /// Milliseconds since the last heartbeat, by this process's clock.
    pub heartbeat_age_ms: i64,
    /// A CLI rebuild waiting to be handed the job.
    pub wanted_by: Option<String>,
}

/// Every job's recorded leader.
pub async fn leaders(db: &Db) -> Result<Vec<JobLeader>, sqlx::Error> {
    let sql =
        "SELECT job, instance, since_ms, heartbeat_ms, wanted_by FROM job_leaders ORDER BY job";
    type Row = (String, String, i64, i64, Option<String>);
    let rows: Vec<Row> = match db {
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await?,
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await?,
    };
    let now = now_ms();
    Ok(rows
        .into_iter()
        .map(
            |(job, instance, since_ms, heartbeat_ms, wanted_by)| JobLeader {
                job,
                instance,
                since_ms,
                heartbeat_ms,
                heartbeat_age_ms: (now - heartbeat_ms).max(0),
                wanted_by,
            },
        )
        .collect())
}
