//! A conference's lists: orders (searched, filtered, paged) and one order with
//! its timeline, attendees with their check-in, activity rosters, vouchers, the
//! CSV exports, and for admins the projections' status. Each reads through the
//! JSON handler's own function.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::Value;

use super::{Nav, PageError, PageResult, Session, render, text};
use crate::app::AppState;
use crate::http::audit::order_timeline;
use crate::http::error::ApiError;
use crate::http::page::{PageParams, Paging};
use crate::http::registration::attendee_list::{AttendeesQuery, attendees_page};
use crate::http::registration::order_list::{OrdersQuery, orders_page};
use crate::http::registration::orders::order_view;
use crate::http::stats::stats_of;

/// How many orders a name search reads at most: names are sealed personal data,
/// opened per page, so they are matched after reading, not in SQL.
const NAME_SCAN: usize = 5000;

#[derive(Deserialize, Default)]
pub(super) struct OrderSearch {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    cursor: Option<String>,
}

pub(crate) struct OrderItem {
    pub reference: String,
    pub name: String,
    pub status: String,
    pub total: String,
    pub placed_at: String,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct Orders {
    nav: Nav,
    conference: String,
    q: String,
    status: String,
    statuses: Vec<&'static str>,
    items: Vec<OrderItem>,
    total: String,
    next: Option<String>,
}

fn status_name(s: &impl serde::Serialize) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Orders by reference, e-mail (the account's) or name, and status; paged.
pub(super) async fn orders(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
    Query(f): Query<OrderSearch>,
) -> PageResult {
    let q = f.q.trim().to_string();
    let status = match f.status.as_str() {
        "" => None,
        s => Some(
            serde_json::from_value(Value::String(s.to_string()))
                .map_err(|_| ApiError::bad_request("list.invalid_status", "Unknown status."))?,
        ),
    };
    // An order reference is upper-case letters and digits with a dash
    // (`ORD-9P1T35XD`); an e-mail has an @; anything else is a name.
    let reference = q.contains('-')
        && q.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    let by_name = !q.is_empty() && !q.contains('@') && !reference;
    let query = |cursor: Option<String>,
                 limit: Option<String>|
     -> Result<(OrdersQuery, Paging), ApiError> {
        Ok((
            OrdersQuery {
                status,
                mine: false,
                reference: (!q.is_empty() && !q.contains('@') && !by_name).then(|| q.clone()),
                email: q.contains('@').then(|| q.clone()),
                placed_from: None,
                placed_to: None,
                ticket_type: None,
                voucher_code: None,
                sort: None,
            },
            Paging::parse(PageParams { limit, cursor })?,
        ))
    };
    let mut items = vec![];
    let (total, next) = if by_name {
        // Read pages until enough names match (or the scan bound).
        let needle = q.to_lowercase();
        let mut cursor = None;
        let mut read = 0;
        loop {
            let (oq, paging) = query(cursor, Some("500".into()))?;
            let page = orders_page(&app, session.caller.clone(), &slug, oq, paging).await?;
            read += page.items.len();
            items.extend(
                page.items
                    .into_iter()
                    .filter(|o| o.billing_name.to_lowercase().contains(&needle)),
            );
            cursor = page.next_cursor;
            if cursor.is_none() || read >= NAME_SCAN || items.len() >= 50 {
                break;
            }
        }
        items.truncate(50);
        (format!("{} found", items.len()), None)
    } else {
        let (oq, paging) = query(f.cursor.clone(), None)?;
        let page = orders_page(&app, session.caller.clone(), &slug, oq, paging).await?;
        items = page.items;
        (
            page.total
                .map(|t| format!("{t} orders"))
                .unwrap_or_default(),
            page.next_cursor,
        )
    };
    let next = next.map(|c| {
        format!(
            "?q={}&status={}&cursor={}",
            super::session::encode(&q),
            super::session::encode(&f.status),
            c
        )
    });
    render(&Orders {
        nav: Nav::of(&app, &session),
        conference: slug,
        q,
        status: f.status,
        statuses: vec![
            "pending",
            "paid",
            "partially_refunded",
            "refunded",
            "cancelled",
        ],
        items: items
            .into_iter()
            .map(|o| OrderItem {
                reference: o.reference,
                name: o.billing_name,
                status: status_name(&o.status),
                total: format!("{:.2}", o.total),
                placed_at: o.placed_at.format("%Y-%m-%d %H:%M").to_string(),
            })
            .collect(),
        total,
        next,
    })
}

pub(crate) struct Row4(pub String, pub String, pub String, pub String);

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    nav: Nav,
    conference: String,
    reference: String,
    status: String,
    name: String,
    email: String,
    total: String,
    paid: String,
    refunded: String,
    balance: String,
    lines: Vec<Row4>,
    payments: Vec<Row4>,
    refunds: Vec<Row4>,
    credit_notes: Vec<String>,
    timeline: Option<Vec<Row4>>,
}

/// One order: lines, payments, refunds and the credit notes they issued, and its
/// timeline from the log (auditors and admins, as the history route).
pub(super) async fn order(
    State(app): State<AppState>,
    session: Session,
    Path((slug, reference)): Path<(String, String)>,
) -> PageResult {
    let o = order_view(&app, session.caller.clone(), &slug, &reference).await?;
    let conf = app.conference(&slug).await?;
    let auditor = session.caller.is_admin
        || app
            .roles_in(conf.id, session.caller.id)
            .await?
            .contains(&tessera_aggregates::conference::Role::Auditor);
    let timeline = if auditor {
        let h = order_timeline(&app, &slug, &reference, 0, Some(1000)).await?;
        Some(
            h.events
                .into_iter()
                .map(|e| Row4(e.position.to_string(), e.recorded_at, e.event_type, e.actor))
                .collect(),
        )
    } else {
        None
    };
    render(&OrderPage {
        nav: Nav::of(&app, &session),
        conference: slug,
        reference: o.reference,
        status: status_name(&o.status),
        name: o.billing_name,
        email: o.billing_email,
        total: format!("{:.2}", o.total),
        paid: format!("{:.2}", o.paid),
        refunded: format!("{:.2}", o.refunded),
        balance: format!("{:.2}", o.balance),
        lines: o
            .lines
            .iter()
            .map(|l| {
                Row4(
                    l.description.clone(),
                    l.quantity.to_string(),
                    format!("{:.2}", l.unit_price),
                    format!("{:.2}", l.line_total),
                )
            })
            .collect(),
        payments: o
            .payments
            .iter()
            .map(|p| {
                Row4(
                    p.at.format("%Y-%m-%d %H:%M").to_string(),
                    status_name(&p.method),
                    status_name(&p.status),
                    format!("{:.2}", p.amount),
                )
            })
            .collect(),
        refunds: o
            .refunds
            .iter()
            .map(|r| {
                Row4(
                    r.at.format("%Y-%m-%d %H:%M").to_string(),
                    status_name(&r.to),
                    status_name(&r.reason),
                    format!("{:.2}", r.amount),
                )
            })
            .collect(),
        credit_notes: o
            .refunds
            .iter()
            .filter_map(|r| r.credit_id.map(|c| c.to_string()))
            .collect(),
        timeline,
    })
}

#[derive(Deserialize, Default)]
pub(super) struct AttendeeFilter {
    #[serde(default)]
    checked_in: String,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "attendees.html")]
struct AttendeesPage {
    nav: Nav,
    conference: String,
    filter: String,
    rows: Vec<Row4>,
    total: String,
    checked_in: String,
    attendees: String,
    next: Option<String>,
}

/// Attendees with their check-in status (live: refreshed on each check-in).
pub(super) async fn attendees(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
    Query(f): Query<AttendeeFilter>,
) -> PageResult {
    let checked = match f.checked_in.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let q = AttendeesQuery {
        checked_in: checked,
        ticket_type: None,
        email: None,
        sort: None,
    };
    let paging = Paging::parse(PageParams {
        limit: None,
        cursor: f.cursor.clone(),
    })?;
    let page = attendees_page(&app, &slug, q, paging).await?;
    let conf = app.conference(&slug).await?;
    let stats = stats_of(&app, conf.id, &slug, None, true).await?;
    let ci = &stats.stats["sections"]["checkins"];
    render(&AttendeesPage {
        nav: Nav::of(&app, &session),
        conference: slug,
        filter: f.checked_in.clone(),
        rows: page
            .items
            .into_iter()
            .map(|a| {
                Row4(
                    a.name,
                    a.attendee.ticket_type,
                    if a.attendee.checked_in {
                        "Checked in"
                    } else {
                        "Not yet"
                    }
                    .to_string(),
                    a.attendee
                        .checked_in_at
                        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        total: page.total.map(|t| t.to_string()).unwrap_or_default(),
        checked_in: text(&ci["checked_in"]),
        attendees: text(&ci["attendees"]),
        next: page.next_cursor.map(|c| {
            format!(
                "?checked_in={}&cursor={c}",
                super::session::encode(&f.checked_in)
            )
        }),
    })
}

#[derive(Template)]
#[template(path = "table.html")]
struct TablePage {
    nav: Nav,
    conference: String,
    title: String,
    caption: String,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

async fn section(app: &AppState, slug: &str, name: &str) -> Result<Value, PageError> {
    let conf = app.conference(slug).await?;
    let view = stats_of(app, conf.id, slug, None, true).await?;
    Ok(view.stats["sections"][name].clone())
}

/// Activity rosters: capacity, confirmed, waitlist, utilization.
pub(super) async fn activities(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    let s = section(&app, &slug, "activities").await?;
    let rows = s
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            [
                "name",
                "max_participants",
                "confirmed",
                "waitlisted",
                "cancelled",
                "utilization",
            ]
            .iter()
            .map(|k| text(&a[*k]))
            .collect()
        })
        .collect();
    render(&TablePage {
        nav: Nav::of(&app, &session),
        conference: slug,
        title: "Activities".into(),
        caption: "Activity rosters with their waitlists".into(),
        headers: vec![
            "Activity",
            "Capacity",
            "Confirmed",
            "Waitlist",
            "Cancelled",
            "Utilization %",
        ],
        rows,
    })
}

/// Vouchers with their use.
pub(super) async fn vouchers(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    let s = section(&app, &slug, "vouchers").await?;
    let rows = s["codes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| {
            ["code", "uses", "paid_orders", "revenue_impact", "revenue"]
                .iter()
                .map(|k| text(&v[*k]))
                .collect()
        })
        .collect();
    render(&TablePage {
        nav: Nav::of(&app, &session),
        conference: slug,
        title: "Vouchers".into(),
        caption: format!("Vouchers and their use ({} uses held)", text(&s["used"])),
        headers: vec!["Code", "Uses", "Paid orders", "Discount given", "Revenue"],
        rows,
    })
}

#[derive(Template)]
#[template(path = "exports.html")]
struct Exports {
    nav: Nav,
    conference: String,
    reports: Vec<(&'static str, &'static str)>,
}

/// Links to the CSV exports (the API's streamed files).
pub(super) async fn exports(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    app.conference(&slug).await?;
    render(&Exports {
        nav: Nav::of(&app, &session),
        conference: slug,
        reports: vec![
            ("inventory", "Inventory"),
            ("sales-by-date", "Sales by date"),
            ("registration-flow", "Registration flow"),
            ("reconciliation", "Reconciliation"),
        ],
    })
}

pub(crate) struct OpsRow {
    pub name: String,
    pub version: i64,
    pub generation: i64,
    pub status: String,
    pub checkpoint: i64,
    pub lag: i64,
    pub progress: String,
}

#[derive(Template)]
#[template(path = "ops.html")]
struct Ops {
    nav: Nav,
    head: i64,
    runner: i64,
    rows: Vec<OpsRow>,
}

/// Admins: each projection generation, its lag, a rebuild's progress.
pub(super) async fn ops(State(app): State<AppState>, session: Session) -> PageResult {
    let status = tessera_replay::admin::status(&app.db)
        .await
        .map_err(ApiError::internal)?;
    let head = status.first().map_or(0, |s| s.head);
    render(&Ops {
        nav: Nav::of(&app, &session),
        head,
        runner: app.runner.position(),
        rows: status
            .into_iter()
            .map(|s| OpsRow {
                progress: if s.head > 0 {
                    format!("{:.1} %", 100.0 * s.checkpoint as f64 / s.head as f64)
                } else {
                    "100.0 %".into()
                },
                name: s.name,
                version: s.version,
                generation: s.generation,
                status: s.status,
                checkpoint: s.checkpoint,
                lag: s.lag,
            })
            .collect(),
    })
}
