//! The PostgreSQL connections the event appends keep between them.
//!
//! sqlx tests every connection given back to its pool with a round trip (the
//! `ping` of `PoolConnection::return_to_pool`, unconditional in sqlx 0.8), so an
//! append that borrows a pool connection costs two round trips: its INSERT and
//! that test, each waking PostgreSQL. Appends are the service's most frequent
//! statement (several per checkout), so a few connections are taken out of the
//! pool for them and handed from one append to the next without the test.
//!
//! Taken out, not borrowed: a kept connection no longer counts in the pool (which
//! may open another in its place, so PostgreSQL sees at most `keep` connections
//! more than `database_max_connections`), and closing the pool does not wait for
//! it. At most `keep` are out at once, idle or lent: an append that finds none
//! idle borrows from the pool, and that connection is kept only while fewer than
//! `keep` are, else it goes back (no connection is opened and closed per append).
//!
//! A connection whose append did not run to its end (cancelled midway, or failed
//! on the way to or from the server) is never kept: a pool connection goes back
//! through the pool's test, a kept one is closed. A constraint violation (a taken
//! sequence) leaves the connection in a known state: sqlx waits for the server's
//! "ready" before the next statement on it.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use tessera_replay::Db;

/// The append connections: at most `keep` taken out of the pool, idle or lent.
pub struct AppendConnections {
    kept: Mutex<Kept>,
    keep: usize,
}

#[derive(Default)]
struct Kept {
    idle: Vec<PgConnection>,
    /// Kept connections lent to an append now.
    lent: usize,
}

impl AppendConnections {
    /// The append connections of `db`: none on SQLite (a file has no round trip
    /// to spare).
    pub fn for_db(db: &Db) -> Option<Arc<Self>> {
        match db {
            Db::Postgres(p) => Some(Arc::new(Self::for_pool(p))),
            Db::Sqlite(_) => None,
        }
    }

    /// Keeps at most a quarter of `pool`'s size (at least one) for the appends.
    pub fn for_pool(pool: &PgPool) -> Self {
        let max = pool.options().get_max_connections() as usize;
        Self::keeping((max / 4).max(1))
    }

    pub fn keeping(keep: usize) -> Self {
        Self {
            kept: Mutex::new(Kept::default()),
            keep,
        }
    }

    /// An idle kept connection, else one borrowed from `pool`.
    pub async fn take(&self, pool: &PgPool) -> Result<Taken<'_>, sqlx::Error> {
        let idle = {
            let mut kept = self.lock();
            let idle = kept.idle.pop();
            if idle.is_some() {
                kept.lent += 1;
            }
            idle
        };
        let conn = match idle {
            Some(conn) => Conn::Kept(conn, Lent(self)),
            None => Conn::Pooled(pool.acquire().await?),
        };
        Ok(Taken { conn, home: self })
    }

    /// How many connections are kept idle now.
    pub fn idle(&self) -> usize {
        self.lock().idle.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A kept connection is kept again; a pool connection is taken out of the
    /// pool if fewer than `keep` are, else it goes back to the pool.
    fn give_back(&self, conn: Conn<'_>) {
        match conn {
            Conn::Kept(conn, lent) => {
                self.lock().idle.push(conn);
                drop(lent);
            }
            Conn::Pooled(conn) => {
                let mut kept = self.lock();
                if kept.idle.len() + kept.lent < self.keep {
                    kept.idle.push(conn.detach());
                }
            }
        }
    }
}

/// A kept connection out on loan: the count goes down when it comes back or,
/// dropped with its append, is closed.
struct Lent<'a>(&'a AppendConnections);

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let mut kept = self.0.lock();
        kept.lent = kept.lent.saturating_sub(1);
    }
}

enum Conn<'a> {
    Pooled(PoolConnection<Postgres>),
    Kept(PgConnection, Lent<'a>),
}

/// A connection taken for one append. [`Self::finish`] keeps it for the next
/// when its statement ran to its end; dropped otherwise, a pool connection goes
/// back through the pool's test and a kept one is closed.
pub struct Taken<'a> {
    conn: Conn<'a>,
    home: &'a AppendConnections,
}

impl Taken<'_> {
    /// Keeps the connection if the statement ran to its end: answered, or
    /// refused as a constraint violation (SQLSTATE class 23: a taken sequence).
    /// Any other failure, even one the server reported (it says "terminating
    /// connection" before it hangs up), closes it.
    pub fn finish<T>(self, result: &Result<T, sqlx::Error>) {
        let settled = match result {
            Ok(_) => true,
            Err(sqlx::Error::Database(e)) => e.code().is_some_and(|c| c.starts_with("23")),
            Err(_) => false,
        };
        if settled {
            self.home.give_back(self.conn);
        }
    }
}

impl Deref for Taken<'_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match &self.conn {
            Conn::Pooled(c) => c,
            Conn::Kept(c, _) => c,
        }
    }
}

impl DerefMut for Taken<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match &mut self.conn {
            Conn::Pooled(c) => c,
            Conn::Kept(c, _) => c,
        }
    }
}
