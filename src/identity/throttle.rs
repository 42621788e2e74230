//! Login throttling: at most `max` login failures per account and at most `max`
//! attempts per client address within a sliding window (both configurable).
//!
//! The server keeps the hits in the database (`login_throttle`: one row per hit),
//! so every instance on one database counts against the same limits: N instances
//! together never admit more than the limit. Each hit is counted atomically: on
//! PostgreSQL under a transaction-scoped advisory lock on the key, on SQLite by a
//! single conditional `INSERT` (SQLite runs writes one at a time). An attempt is
//! counted against the account *before* its password is checked (and forgiven on
//! success), so a burst of concurrent guesses cannot slip past the limit while
//! the slow argon2 checks run. Expired hits are deleted as keys are hit, and all
//! of a throttle's expired hits every [`PRUNE_EVERY`] hits. The in-memory
//! counter remains for a throttle without a database (unit tests).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use tessera_replay::Db;
/// At most `max` hits within `span`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub span: Duration,
}

/// A sliding-window counter per key.
#[derive(Debug)]
struct Window {
    limit: Limit,
    hits: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

/// Beyond this many keys, keys with no hit in their window are dropped on the
/// next hit.
const PRUNE_ABOVE: usize = 10_000;

impl Window {
    fn new(limit: Limit) -> Self {
        Self {
            limit,
            hits: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, VecDeque<DateTime<Utc>>>> {
        // A panic while holding the lock leaves counts that are still valid.
        self.hits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a hit for `key` at `now`, or refuses it with how long until the
    /// window has room again.
    fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), Duration> {
        let span = self.limit.span;
        let mut all = self.lock();
        if all.len() > PRUNE_ABOVE {
            all.retain(|_, q| q.back().is_some_and(|t| *t + span > now));
        }
        let q = all.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| *t + span <= now) {
            q.pop_front();
        }
        if q.len() >= self.limit.max as usize {
            let oldest = q.front().copied().unwrap_or(now);
            return Err(oldest + span - now);
        }
        q.push_back(now);
        Ok(())
    }

    fn forget(&self, key: &str) {
        self.lock().remove(key);
    }
}

/// Why a login attempt was refused before its password was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures for this account; try again after the duration.
    Account(Duration),
    /// Too many attempts from this address; try again after the duration.
    Address(Duration),
}

impl Refusal {
    /// Whole seconds to wait (at least 1), for `Retry-After`.
    pub fn retry_after_secs(&self) -> i64 {
        let (Refusal::Account(d) | Refusal::Address(d)) = self;
        let ms = d.num_milliseconds().max(0);
        ((ms + 999) / 1000).max(1)
    }
}

/// A throttled attempt as the caller is told it: 429 with `Retry-After`.
#[derive(Debug, thiserror::Error)]
pub enum Throttled {
    #[error("Too many failed log-ins for this account. Try again later.")]
    LoginsOfAccount(Refusal),
    #[error("Too many log-in attempts from this address. Try again later.")]
    LoginsFromAddress(Refusal),
    /// RESET-6: the same for every address.
    #[error("Too many password reset requests. Try again later.")]
    Resets(Refusal),
}

impl Throttled {
    pub fn login(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Account(_) => Self::LoginsOfAccount(refusal),
            Refusal::Address(_) => Self::LoginsFromAddress(refusal),
        }
    }

    pub fn reset(refusal: Refusal) -> Self {
        Self::Resets(refusal)
    }
}

impl Throttled {
    pub fn code(&self) -> &'static str {
        match self {
            Self::LoginsOfAccount(_) => "auth.too_many_failures",
            Self::LoginsFromAddress(_) => "auth.too_many_attempts",
            Self::Resets(_) => "auth.too_many_reset_requests",
        }
    }

    /// Whole seconds to wait before trying again.
    pub fn retry_after_secs(&self) -> u64 {
        let (Self::LoginsOfAccount(r) | Self::LoginsFromAddress(r) | Self::Resets(r)) = self;
        r.retry_after_secs().unsigned_abs()
    }
}

/// Where the hits are counted.
#[derive(Debug)]
enum Store {
    /// This process's memory (a throttle without a database).
    Memory {
        failures_per_account: Window,
        attempts_per_address: Window,
    },
    /// The `login_throttle` table, shared by every instance on the database.
    Shared { db: Db, hits: AtomicU64 },
}

/// Every this many hits of a throttle in a process, its expired hits are deleted.
pub const PRUNE_EVERY: u64 = 256;

/// The limits per account and per address, counted in memory or in the database.
#[derive(Debug)]
pub struct LoginThrottle {
    /// Names this throttle's keys in the shared table (`login`, `reset`).
    scope: &'static str,
    per_account: Limit,
    per_address: Limit,
    store: Store,
}

impl LoginThrottle {
    /// A throttle counting in this process's memory only.
    pub fn new(per_account: Limit, per_address: Limit) -> Self {
        Self {
            scope: "memory",
            per_account,
            per_address,
            store: Store::Memory {
                failures_per_account: Window::new(per_account),
                attempts_per_address: Window::new(per_address),
            },
        }
    }

    /// A throttle counting in `db`'s `login_throttle` table under `scope`, shared
    /// by every instance on that database.
    pub fn shared(db: Db, scope: &'static str, per_account: Limit, per_address: Limit) -> Self {
        Self {
            scope,
            per_account,
            per_address,
            store: Store::Shared {
                db,
                hits: AtomicU64::new(0),
            },
        }
    }

    /// Admits an attempt to log in to `account` from `address` (None when the
    /// address is unknown: only the account limit applies), counting it against
    /// both until [`Self::succeeded`] forgives the account's count.
    pub async fn admit(
        &self,
        account: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Result<(), Refusal>, sqlx::Error> {
        match &self.store {
            Store::Memory {
                failures_per_account,
                attempts_per_address,
            } => {
                if let Some(address) = address
                    && let Err(d) = attempts_per_address.hit(address, now)
                {
                    return Ok(Err(Refusal::Address(d)));
                }
                Ok(failures_per_account
                    .hit(account, now)
                    .map_err(Refusal::Account))
            }
            Store::Shared { db, hits } => {
                if hits.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
                    self.prune(db, now).await?;
                }
                if let Some(address) = address
                    && let Err(d) =
                        shared_hit(db, &self.key("address", address), self.per_address, now).await?
                {
                    return Ok(Err(Refusal::Address(d)));
                }
                let counted =
                    shared_hit(db, &self.key("account", account), self.per_account, now).await?;
                Ok(counted.map_err(Refusal::Account))
            }
        }
    }

    /// The password was right: the account's failures are forgotten.
    pub async fn succeeded(&self, account: &str) -> Result<(), sqlx::Error> {
        match &self.store {
            Store::Memory {
                failures_per_account,
                ..
            } => {
                failures_per_account.forget(account);
                Ok(())
            }
            Store::Shared { db, .. } => {
                let key = self.key("account", account);
                let sql = "DELETE FROM login_throttle WHERE key = $1";
                match db {
                    Db::Postgres(p) => sqlx::query(sql)
                        .bind(&key)
                        .execute(p)
                        .await?
                        .rows_affected(),
                    Db::Sqlite(p) => sqlx::query(sql)
                        .bind(&key)
                        .execute(p)
                        .await?
                        .rows_affected(),
                };
                Ok(())
            }
        }
    }

    fn key(&self, kind: &str, value: &str) -> String {
        format!("{}:{kind}:{value}", self.scope)
    }

    /// Deletes this throttle's hits that left their window.
    async fn prune(&self, db: &Db, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
        for (kind, limit) in [("account", self.per_account), ("address", self.per_address)] {
            let prefix = format!("{}:{kind}:%", self.scope);
            let before = (now - limit.span).timestamp_millis();
            let sql = "DELETE FROM login_throttle WHERE key LIKE $1 AND hit_ms <= $2";
            match db {
                Db::Postgres(p) => sqlx::query(sql)
                    .bind(&prefix)
                    .bind(before)
                    .execute(p)
                    .await?
                    .rows_affected(),
                Db::Sqlite(p) => sqlx::query(sql)
                    .bind(&prefix)
                    .bind(before)
                    .execute(p)
                    .await?
                    .rows_affected(),
            };
        }
        Ok(())
    }
}

/// Counts a hit for `key` at `now` in the shared table, or refuses it with how
/// long until the window has room again. Atomic across instances.
async fn shared_hit(
    db: &Db,
    key: &str,
    limit: Limit,
    now: DateTime<Utc>,
) -> Result<Result<(), Duration>, sqlx::Error> {
    let now_ms = now.timestamp_millis();
    let expired = (now - limit.span).timestamp_millis();
    let max = i64::from(limit.max);
    // Expired hits of the key go; the hit is inserted only while the window has
    // room; the oldest hit left tells when it will have room again.
    let delete = "DELETE FROM login_throttle WHERE key = $1 AND hit_ms <= $2";
    let insert = "INSERT INTO login_throttle (key, hit_ms) SELECT $1, $2 \
                  WHERE (SELECT count(*) FROM login_throttle WHERE key = $1) < $3";
    let oldest = "SELECT min(hit_ms) FROM login_throttle WHERE key = $1";
    let (inserted, first): (u64, Option<i64>) = match db {
        Db::Postgres(p) => {
            let mut tx = p.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            sqlx::query(delete)
                .bind(key)
                .bind(expired)
                .execute(&mut *tx)
                .await?;
            let inserted = sqlx::query(insert)
                .bind(key)
                .bind(now_ms)
                .bind(max)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let first = if inserted == 0 {
                sqlx::query_scalar(oldest)
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await?
            } else {
                None
            };
            tx.commit().await?;
            (inserted, first)
        }
        Db::Sqlite(p) => {
            sqlx::query(delete)
                .bind(key)
                .bind(expired)
                .execute(p)
                .await?;
            let inserted = sqlx::query(insert)
                .bind(key)
                .bind(now_ms)
                .bind(max)
                .execute(p)
                .await?
                .rows_affected();
            let first = if inserted == 0 {
                sqlx::query_scalar(oldest).bind(key).fetch_one(p).await?
            } else {
                None
            };
            (inserted, first)
        }
    };
    if inserted > 0 {
        return Ok(Ok(()));
    }
    let first = first.unwrap_or(now_ms);
    Ok(Err(Duration::milliseconds(first - now_ms) + limit.span))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|rt| rt.block_on(f))
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    }

    fn admit(
        th: &LoginThrottle,
        account: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        block_on(th.admit(account, address, now)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(
            Limit {
                max: 3,
                span: Duration::seconds(900),
            },
            Limit {
                max: 5,
                span: Duration::seconds(60),
            },
        )
    }

    #[test]
    fn an_account_is_refused_after_its_failures_until_the_window_moves_on() {
        let th = throttle();
        for i in 0..3 {
            assert_eq!(admit(&th, "ana", None, t(i)), Ok(()));
        }
        assert_eq!(
            admit(&th, "ana", None, t(10)),
            Err(Refusal::Account(Duration::seconds(890)))
        );
        assert_eq!(
            admit(&th, "bo", None, t(10)),
            Ok(()),
            "other accounts are not"
        );
        assert_eq!(
            admit(&th, "ana", None, t(900)),
            Ok(()),
            "the first hit expired"
        );
    }

    #[test]
    fn a_success_forgives_the_accounts_failures() {
        let th = throttle();
        for i in 0..3 {
            assert_eq!(admit(&th, "ana", None, t(i)), Ok(()));
        }
        block_on(th.succeeded("ana")).ok();
        assert_eq!(admit(&th, "ana", None, t(5)), Ok(()));
    }

    #[test]
    fn an_address_is_refused_after_its_attempts_whatever_the_account() {
        let th = throttle();
        for i in 0..5 {
            assert_eq!(admit(&th, &format!("u{i}"), Some("10.0.0.1"), t(i)), Ok(()));
        }
        let refused = admit(&th, "u9", Some("10.0.0.1"), t(6));
        assert_eq!(refused, Err(Refusal::Address(Duration::seconds(54))));
        assert_eq!(refused.err().map(|r| r.retry_after_secs()), Some(54));
        assert_eq!(admit(&th, "u9", Some("10.0.0.2"), t(6)), Ok(()));
        assert_eq!(admit(&th, "u9", Some("10.0.0.1"), t(60)), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_a_whole_second() {
        assert_eq!(
            Refusal::Account(Duration::milliseconds(1)).retry_after_secs(),
            1
        );
        assert_eq!(
            Refusal::Address(Duration::milliseconds(1500)).retry_after_secs(),
            2
        );
    }
}
