//! Login throttling: at most `max` login failures per account and at most `max`
//! attempts per client address within a sliding window (both configurable).
//!
//! The counts live in this process's memory: each instance limits on its own, so
//! N instances behind a balancer allow up to N times the limits. An attempt is
//! counted against the account *before* its password is checked (and forgiven on
//! success), so a burst of concurrent guesses cannot slip past the limit while
//! the slow argon2 checks run.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

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

/// The limits of one process.
#[derive(Debug)]
pub struct LoginThrottle {
    failures_per_account: Window,
    attempts_per_address: Window,
}

impl LoginThrottle {
    pub fn new(per_account: Limit, per_address: Limit) -> Self {
        Self {
            failures_per_account: Window::new(per_account),
            attempts_per_address: Window::new(per_address),
        }
    }

    /// Admits an attempt to log in to `account` from `address` (None when the
    /// address is unknown: only the account limit applies), counting it against
    /// both until [`Self::succeeded`] forgives the account's count.
    pub fn admit(
        &self,
        account: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if let Some(address) = address {
            self.attempts_per_address
                .hit(address, now)
                .map_err(Refusal::Address)?;
        }
        self.failures_per_account
            .hit(account, now)
            .map_err(Refusal::Account)
    }

    /// The password was right: the account's failures are forgotten.
    pub fn succeeded(&self, account: &str) {
        self.failures_per_account.forget(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
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
            assert_eq!(th.admit("ana", None, t(i)), Ok(()));
        }
        assert_eq!(
            th.admit("ana", None, t(10)),
            Err(Refusal::Account(Duration::seconds(890)))
        );
        assert_eq!(
            th.admit("bo", None, t(10)),
            Ok(()),
            "other accounts are not"
        );
        assert_eq!(
            th.admit("ana", None, t(900)),
            Ok(()),
            "the first hit expired"
        );
    }

    #[test]
    fn a_success_forgives_the_accounts_failures() {
        let th = throttle();
        for i in 0..3 {
            assert_eq!(th.admit("ana", None, t(i)), Ok(()));
        }
        th.succeeded("ana");
        assert_eq!(th.admit("ana", None, t(5)), Ok(()));
    }

    #[test]
    fn an_address_is_refused_after_its_attempts_whatever_the_account() {
        let th = throttle();
        for i in 0..5 {
            assert_eq!(th.admit(&format!("u{i}"), Some("10.0.0.1"), t(i)), Ok(()));
        }
        let refused = th.admit("u9", Some("10.0.0.1"), t(6));
        assert_eq!(refused, Err(Refusal::Address(Duration::seconds(54))));
        assert_eq!(refused.err().map(|r| r.retry_after_secs()), Some(54));
        assert_eq!(th.admit("u9", Some("10.0.0.2"), t(6)), Ok(()));
        assert_eq!(th.admit("u9", Some("10.0.0.1"), t(60)), Ok(()));
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
