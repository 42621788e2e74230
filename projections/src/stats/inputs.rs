//! Typed access to the rows the sections read, with the reads that fetch them.

use serde::Deserialize;
use tessera_aggregates::cart::CartStatus;
use uuid::Uuid;

use super::{Ctx, Read};
use crate::Projection;
use crate::activity_roster::{ActivityRoster, ActivityRow, RosterRow};
use crate::attendees::{
    AttendeeRow, AttendeeSummary, Attendees, AttendeesRow, attendees_prefix, summary_key,
};
use crate::carts_funnel::{CartsFunnel, carts_prefix};
use crate::conference_catalog::{CatalogRow, ConferenceCatalog, ConferenceRow, conference_key};
use crate::credits::{CreditSummary, Credits, CreditsRow};
use crate::orders::{OrderRecord, Orders, OrdersRow, orders_prefix};
use crate::sales::{Sales, SalesRow, SalesRows, sales_key};

type R<T> = Result<T, serde_json::Error>;

pub fn sales_read(c: Uuid) -> Read {
    Read::new(Sales::NAME, sales_key(c))
}

pub fn sales(ctx: &Ctx) -> R<SalesRow> {
    let rows: Vec<SalesRows> = ctx
        .sources
        .rows(Sales::NAME, &sales_key(ctx.conference_id))?;
    Ok(rows
        .into_iter()
        .find_map(|r| match r {
            SalesRows::Sales(s) => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| SalesRow {
            conference_id: ctx.conference_id,
            ..Default::default()
        }))
}

pub fn catalog_read(c: Uuid) -> Read {
    Read::new(ConferenceCatalog::NAME, conference_key(c))
}

pub fn conference(ctx: &Ctx) -> R<Option<ConferenceRow>> {
    let rows: Vec<CatalogRow> = ctx
        .sources
        .rows(ConferenceCatalog::NAME, &conference_key(ctx.conference_id))?;
    Ok(rows.into_iter().find_map(|r| match r {
        CatalogRow::Conference(c) => Some(c),
        _ => None,
    }))
}

pub fn attendees_reads(c: Uuid) -> Vec<Read> {
    vec![
        Read::new(Attendees::NAME, attendees_prefix(c)),
        Read::new(Attendees::NAME, summary_key(c)),
    ]
}

pub fn attendees(ctx: &Ctx) -> R<Vec<AttendeeRow>> {
    let rows: Vec<AttendeesRow> = ctx
        .sources
        .rows(Attendees::NAME, &attendees_prefix(ctx.conference_id))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r {
            AttendeesRow::Attendee(a) => Some(a),
            _ => None,
        })
        .collect())
}

pub fn attendee_summary(ctx: &Ctx) -> R<AttendeeSummary> {
    let rows: Vec<AttendeesRow> = ctx
        .sources
        .rows(Attendees::NAME, &summary_key(ctx.conference_id))?;
    Ok(rows
        .into_iter()
        .find_map(|r| match r {
            AttendeesRow::Summary(s) => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| AttendeeSummary {
            conference_id: ctx.conference_id,
            ..Default::default()
        }))
}

pub fn credits_read(c: Uuid) -> Read {
    Read::new(Credits::NAME, crate::credits::summary_key(c))
}

pub fn credit_summary(ctx: &Ctx) -> R<CreditSummary> {
    let rows: Vec<CreditsRow> = ctx.sources.rows(
        Credits::NAME,
        &crate::credits::summary_key(ctx.conference_id),
    )?;
    Ok(rows
        .into_iter()
        .find_map(|r| match r {
            CreditsRow::Summary(s) => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| CreditSummary {
            conference_id: ctx.conference_id,
            ..Default::default()
        }))
}

pub fn orders_read(c: Uuid) -> Read {
    Read::new(Orders::NAME, orders_prefix(c))
}

pub fn orders<'c>(ctx: &'c Ctx) -> R<&'c [OrderRecord]> {
    if let Some(orders) = ctx.orders.get() {
        return Ok(orders);
    }
    let rows: Vec<OrdersRow> = ctx
        .sources
        .rows(Orders::NAME, &orders_prefix(ctx.conference_id))?;
    let orders = rows
        .into_iter()
        .filter_map(|r| match r {
            OrdersRow::Order(o) => Some(o),
            _ => None,
        })
        .collect();
    Ok(ctx.orders.get_or_init(|| orders))
}

pub fn carts_read(c: Uuid) -> Read {
    Read::new(CartsFunnel::NAME, carts_prefix(c))
}

/// What the funnel reads of a cart row: its kind and status, decoded from the
/// stored document without the rest of the record (a conference holds tens of
/// thousands of carts, and the stats are recomputed while a rush goes on).
#[derive(Deserialize)]
struct CartStatusOnly {
    row: String,
    status: CartStatus,
}

/// The status of every cart of the conference.
pub fn cart_statuses(ctx: &Ctx) -> R<Vec<CartStatus>> {
    let rows: Vec<CartStatusOnly> = ctx
        .sources
        .rows(CartsFunnel::NAME, &carts_prefix(ctx.conference_id))?;
    Ok(rows
        .into_iter()
        .filter(|r| r.row == "cart")
        .map(|r| r.status)
        .collect())
}

/// Activities are keyed by their own id: every activity row is read and filtered.
pub fn activities_read(_: Uuid) -> Read {
    Read::new(ActivityRoster::NAME, "activity:")
}

pub fn activities(ctx: &Ctx) -> R<Vec<ActivityRow>> {
    let rows: Vec<RosterRow> = ctx.sources.rows(ActivityRoster::NAME, "activity:")?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r {
            RosterRow::Activity(a) if a.conference_id == ctx.conference_id => Some(a),
            _ => None,
        })
        .collect())
}
