//! Where badge files and bulk jobs live: the database (ATT-36), so every
//! instance behind a load balancer sees the same files, and a backup holds them.
//! Badges are derived from the log (template + attendee), so they are not
//! events: losing this table loses nothing that cannot be generated again.

use chrono::{DateTime, Utc};
use tessera_replay::Db;
use uuid::Uuid;

/// One stored badge file (ATT-36).
#[derive(Debug, Clone)]
pub struct BadgeFile {
    pub file_name: String,
    pub content: Vec<u8>,
    pub generated_at: DateTime<Utc>,
}

type FileRow = (String, Vec<u8>, String);

fn file(row: FileRow) -> BadgeFile {
    BadgeFile {
        file_name: row.0,
        content: row.1,
        generated_at: DateTime::parse_from_rfc3339(&row.2)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
    }
}

/// The stored badge of (attendee, template, format), if any.
pub async fn find(
    db: &Db,
    attendee: Uuid,
    template: &str,
    format: &str,
) -> Result<Option<BadgeFile>, sqlx::Error> {
    let select = "SELECT file_name, content, generated_at FROM badge_files \
                  WHERE attendee_id = $1 AND template_slug = $2 AND format = $3";
    let row: Option<FileRow> = match db {
        Db::Postgres(p) => {
            sqlx::query_as(select)
                .bind(attendee.to_string())
                .bind(template)
                .bind(format)
                .fetch_optional(p)
                .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_as(select)
                .bind(attendee.to_string())
                .bind(template)
                .bind(format)
                .fetch_optional(p)
                .await?
        }
    };
    Ok(row.map(file))
}

/// Stores `badge` unless one exists for the key (two concurrent generations
/// keep the first); answers the stored one.
pub async fn keep(
    db: &Db,
    conference: Uuid,
    attendee: Uuid,
    template: &str,
    format: &str,
    badge: BadgeFile,
) -> Result<BadgeFile, sqlx::Error> {
    let insert = "INSERT INTO badge_files \
                  (attendee_id, template_slug, format, conference_id, file_name, content, generated_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7) \
                  ON CONFLICT (attendee_id, template_slug, format) DO NOTHING";
    let at = badge.generated_at.to_rfc3339();
    match db {
        Db::Postgres(p) => {
            sqlx::query(insert)
                .bind(attendee.to_string())
                .bind(template)
                .bind(format)
                .bind(conference.to_string())
                .bind(&badge.file_name)
                .bind(&badge.content)
                .bind(&at)
                .execute(p)
                .await?;
        }
        Db::Sqlite(p) => {
            sqlx::query(insert)
                .bind(attendee.to_string())
                .bind(template)
                .bind(format)
                .bind(conference.to_string())
                .bind(&badge.file_name)
                .bind(&badge.content)
                .bind(&at)
                .execute(p)
                .await?;
        }
    }
    Ok(find(db, attendee, template, format).await?.unwrap_or(badge))
}

/// A bulk generation (ATT-37) and how far it got.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub template_slug: String,
    pub format: String,
    pub ticket_type: Option<String>,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    /// running, finished.
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

type JobRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
);

pub async fn create_job(db: &Db, job: &Job) -> Result<(), sqlx::Error> {
    let insert = "INSERT INTO badge_jobs (id, conference_id, template_slug, format, ticket_type, \
                  total, done, failed, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $8)";
    macro_rules! run {
        ($p:expr) => {
            sqlx::query(insert)
                .bind(job.id.to_string())
                .bind(job.conference_id.to_string())
                .bind(&job.template_slug)
                .bind(&job.format)
                .bind(&job.ticket_type)
                .bind(job.total)
                .bind(&job.status)
                .bind(&job.created_at)
                .execute($p)
                .await
                .map(|_| ())?
        };
    }
    match db {
        Db::Postgres(p) => run!(p),
        Db::Sqlite(p) => run!(p),
    }
    Ok(())
}

/// Records one more badge done (or failed); the last one finishes the job.
pub async fn progress(db: &Db, id: Uuid, ok: bool, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let update = if ok {
        "UPDATE badge_jobs SET done = done + 1 WHERE id = $1"
    } else {
        "UPDATE badge_jobs SET failed = failed + 1 WHERE id = $1"
    };
    let finish = "UPDATE badge_jobs SET status = 'finished', finished_at = $2 \
                  WHERE id = $1 AND done + failed >= total AND status = 'running'";
    let at = now.to_rfc3339();
    match db {
        Db::Postgres(p) => {
            sqlx::query(update).bind(id.to_string()).execute(p).await?;
            sqlx::query(finish)
                .bind(id.to_string())
                .bind(&at)
                .execute(p)
                .await?;
        }
        Db::Sqlite(p) => {
            sqlx::query(update).bind(id.to_string()).execute(p).await?;
            sqlx::query(finish)
                .bind(id.to_string())
                .bind(&at)
                .execute(p)
                .await?;
        }
    }
    Ok(())
}

pub async fn job(db: &Db, conference: Uuid, id: Uuid) -> Result<Option<Job>, sqlx::Error> {
    let select = "SELECT id, conference_id, template_slug, format, ticket_type, total, done, \
                  failed, status, created_at, finished_at FROM badge_jobs \
                  WHERE id = $1 AND conference_id = $2";
    let row: Option<JobRow> = match db {
        Db::Postgres(p) => {
            sqlx::query_as(select)
                .bind(id.to_string())
                .bind(conference.to_string())
                .fetch_optional(p)
                .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_as(select)
                .bind(id.to_string())
                .bind(conference.to_string())
                .fetch_optional(p)
                .await?
        }
    };
    Ok(row.map(|r| Job {
        id: r.0.parse().unwrap_or_default(),
        conference_id: r.1.parse().unwrap_or_default(),
        template_slug: r.2,
        format: r.3,
        ticket_type: r.4,
        total: r.5,
        done: r.6,
        failed: r.7,
        status: r.8,
        created_at: r.9,
        finished_at: r.10,
    }))
}
