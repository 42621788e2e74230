//! The orders of a conference: searched by reference, e-mail or name, filtered by
//! status, paged; and one order with its lines, payments, refunds, credit notes and
//! timeline. Read through the JSON handlers' own functions.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::Value;

use super::{Nav, PageResult, Row4, Session, render};
use crate::app::AppState;
use crate::http::audit::order_timeline;
use crate::http::error::ApiError;
use crate::http::page::{PageParams, Paging};
use crate::http::registration::order_list::{OrdersQuery, orders_page};
use crate::http::registration::orders::order_view;
use crate::http::request_error::RequestError;

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
                .map_err(|_| ApiError::from(RequestError::UnknownStatus))?,
        ),
    };
    // An order reference is upper-case letters and digits with a dash
    // (`ORD-9P1T35XD`); an e-mail has an @; anything else is a name.
    let reference = q.contains('-')
        && q.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    let by_name = !q.is_empty() && !q.contains('@') && !reference;
    // A name is found through the blind index of names (whole name or a word
    // of it, exact after normalization): names are sealed, so never scanned.
    let oq = OrdersQuery {
        status,
        mine: false,
        reference: reference.then(|| q.clone()),
        email: q.contains('@').then(|| q.clone()),
        name: by_name.then(|| q.clone()),
        placed_from: None,
        placed_to: None,
        ticket_type: None,
        voucher_code: None,
        sort: None,
    };
    let paging = Paging::parse(PageParams {
        limit: None,
        cursor: f.cursor.clone(),
    })?;
    let page = orders_page(&app, session.caller.clone(), &slug, oq, paging).await?;
    let items = page.items;
    let total = page
        .total
        .map(|t| format!("{t} orders"))
        .unwrap_or_default();
    let next = page.next_cursor;
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
