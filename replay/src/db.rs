//! The database behind the event store and the read models: PostgreSQL
//! (production) or SQLite (the embedded default), chosen by URL.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

#[derive(Clone, Debug)]
pub enum Db {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL '{0}': use postgres://… or sqlite://…")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Connects to `url` (`postgres://…` or `sqlite://…`; a SQLite file is created
    /// when missing).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut options = PgConnectOptions::from_str(url)?;
            // TLS over loopback protects nothing (only root can read it) and costs
            // both ends CPU on every statement; a URL that asks for a mode keeps it.
            let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(&options.get_host())
                || options.get_host().starts_with('/');
            if loopback && !url.contains("sslmode=") {
                options = options.ssl_mode(PgSslMode::Disable);
            }
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                // No ping before every checkout (a round trip per statement): a
                // connection that died is found by its next statement and dropped.
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Self::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.min(8))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else {
            Err(DbError::UnsupportedUrl(url.to_string()))
        }
    }

    /// Applies the migrations of this backend (`migrations/postgres` or `migrations/sqlite`).
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Self::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
            Self::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// Whether this pool was closed (the process is shutting down, or a test's
    /// simulated crash): background jobs stop leading.
    pub fn is_closed(&self) -> bool {
        match self {
            Self::Postgres(pool) => pool.is_closed(),
            Self::Sqlite(pool) => pool.is_closed(),
        }
    }

    /// Whether the database answers (`/readyz`).
    pub async fn ping(&self) -> bool {
        match self {
            Self::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
            Self::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
        }
    }

    /// The position of the newest event (0 for an empty log).
    pub async fn head(&self) -> Result<i64, sqlx::Error> {
        let sql = "SELECT COALESCE(MAX(position), 0) FROM events";
        match self {
            Self::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Self::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        }
    }
}
