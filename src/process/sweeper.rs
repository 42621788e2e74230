//! The hold sweeper: records the expiry of stale pending orders (ORDER-20) in every
//! conference, on a timer, so an order whose hold ran out reads as cancelled
//! (expired) without waiting for the next checkout in its conference (ORDER-3).
//!
//! Availability never needed it (CAT-2 ignores expired holds at read time); what
//! the sweep adds is the recorded fact: the order's status, the voucher use and
//! applied credits given back (AMB-22) by the process managers that follow
//! `OrderCancelled`. Each conference is swept by [`expire_stale`], the same
//! idempotent flow a checkout starts with, so a sweep racing a checkout (or
//! another instance's sweep) only repeats no-ops. With several instances on one
//! PostgreSQL it runs on the one leading the [`JOB`] job (`tessera_replay::leader`).

use std::sync::Arc;
use std::time::Duration;

use tessera_projections::Projection;
use tessera_projections::conference_catalog::{CatalogRow, ConferenceCatalog, LEDGER_PREFIX};
use tessera_replay::storage;
use uuid::Uuid;

use super::expiry::expire_stale;
use crate::bus::CommandBus;
use crate::meta::CommandMeta;
use crate::refusal::Failure;

/// The sweeper's job name in `job_leaders`.
pub const JOB: &str = "hold_sweeper";

/// The conferences that can hold anything: those whose inventory was opened, read
/// from the catalog's ledger rows (one small row each). The catalog is a
/// projection, so an inventory opened a moment ago may be missed; it is picked up
/// by the next sweep, long before any of its holds can expire.
async fn conferences_with_inventory(bus: &CommandBus) -> anyhow::Result<Vec<Uuid>> {
    let rows =
        storage::live_rows_with_prefix(bus.db(), ConferenceCatalog::NAME, LEDGER_PREFIX).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (key, doc) in rows {
        match serde_json::from_str::<CatalogRow>(&doc) {
            Ok(CatalogRow::Ledger { conference_id }) => out.push(conference_id),
            Ok(_) => tracing::warn!(%key, "hold sweeper: not a ledger row; skipped"),
            Err(e) => {
                tracing::warn!(%key, error = %e, "hold sweeper: unreadable ledger row; skipped")
            }
        }
    }
    Ok(out)
}

/// Sweeps one conference: how many pending orders it expired. Nothing stale, no
/// command.
async fn sweep_conference(bus: &CommandBus, conference: Uuid) -> anyhow::Result<usize> {
    let meta = CommandMeta::system().for_conf(Some(conference));
    let expired = expire_stale(bus, conference, &meta)
        .await
        .map_err(|e| anyhow::anyhow!("{} ({:?}): {}", e.code(), e.kind(), e.detail()))?;
    Ok(expired.orders)
}

/// One sweep over every conference (ORDER-20): records the expiry of every stale
/// hold and expires its pending order; returns how many orders it expired. A
/// conference that fails does not stop the others; the failures are returned
/// together once every conference was tried.
pub async fn sweep_once(bus: &CommandBus) -> anyhow::Result<usize> {
    let mut expired = 0;
    let mut failures = Vec::new();
    for conference in conferences_with_inventory(bus).await? {
        match sweep_conference(bus, conference).await {
            Ok(n) => expired += n,
            Err(e) => failures.push(format!("conference {conference}: {e:#}")),
        }
    }
    if failures.is_empty() {
        Ok(expired)
    } else {
        anyhow::bail!(
            "{} conference(s) not swept ({expired} order(s) expired elsewhere): {}",
            failures.len(),
            failures.join("; ")
        )
    }
}

/// Runs [`sweep_once`] at each `every` (`hold_sweep_seconds`; the first at once, for what
/// expired while the service was down) until the process ends. A failed or even
/// panicking sweep is logged and the next one runs on time.
pub fn spawn(bus: Arc<CommandBus>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(bus, every))
}

/// The job of the hold sweeper's leader (see [`spawn`]).
pub async fn run(bus: Arc<CommandBus>, every: Duration) {
    {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // Its own task: a panic ends that sweep, not the sweeper.
            let bus = Arc::clone(&bus);
            match tokio::spawn(async move { sweep_once(&bus).await }).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(expired = n, "hold sweeper expired stale orders"),
                Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "hold sweep failed"),
                Err(e) => tracing::error!(error = %e, "hold sweep panicked"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tessera_projections::conference_catalog::ledger_key;

    use super::*;

    #[test]
    fn order_20_the_sweeper_lists_ledger_rows_by_their_key_prefix() {
        assert!(ledger_key(Uuid::nil()).starts_with(LEDGER_PREFIX));
    }
}
