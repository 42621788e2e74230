//! CSV exports (ANA-44…51): built from the read models, streamed line by line,
//! named "<conference slug>-<report>.csv" (ANA-50). Text cells that a spreadsheet
//! would run as a formula are defused (ANA-51).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::Value;
use tessera_aggregates::order::OrderStatus;
use tessera_aggregates::pricing::ProductKind;
use tessera_projections::Projection;
use tessera_projections::conference_catalog::{CatalogRow, ConferenceCatalog, conference_key};
use tessera_projections::keys::product_key;
use tessera_projections::orders::{Orders, OrdersRow, orders_prefix};
use tessera_projections::sales::{Sales, SalesRows, sales_key};
use tessera_replay::{stats as replay_stats, storage};

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, Path};

/// A cell of an export.
pub enum Cell {
    /// Free text: quoted as needed and defused (ANA-51).
    Text(String),
    /// A figure or a date we wrote: never defused.
    Figure(String),
}

/// ANA-51: a text cell whose first non-space character is `=`, `+`, `-` or `@` gets
/// a leading `'`.
pub fn defuse(text: &str) -> String {
    match text.trim_start().chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{text}"),
        _ => text.to_string(),
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One CSV line (CRLF-terminated, RFC 4180).
pub fn line(cells: &[Cell]) -> String {
    let mut out: Vec<String> = vec![];
    for c in cells {
        out.push(match c {
            Cell::Text(t) => quote(&defuse(t)),
            Cell::Figure(f) => quote(f),
        });
    }
    format!("{}\r\n", out.join(","))
}

pub(super) fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

pub(super) fn f(s: impl ToString) -> Cell {
    Cell::Figure(s.to_string())
}

fn v(v: &Value) -> Cell {
    match v {
        Value::String(s) => Cell::Figure(s.clone()),
        other => Cell::Figure(other.to_string()),
    }
}

/// The lines as a streamed `text/csv` attachment.
pub(super) fn csv(slug: &str, report: &str, lines: Vec<String>) -> ApiResult<Response> {
    let stream = futures::stream::iter(lines.into_iter().map(Ok::<_, std::convert::Infallible>));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}-{report}.csv\""),
        )
        .body(Body::from_stream(stream))
        .map_err(ApiError::internal)
}

async fn sections(app: &AppState, slug: &str) -> ApiResult<Value> {
    let conf = app.conference(slug).await?;
    let doc = replay_stats::live(&app.db, conf.id).await?;
    Ok(doc["sections"].clone())
}

fn rows(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// ANA-49, ANA-20: Date, Orders, Revenue — paid-set orders by creation date.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/sales-by-date.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn sales_by_date(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let s = sections(&app, &slug).await?;
    let mut lines = vec![line(&[t("Date"), t("Orders"), t("Revenue")])];
    for d in rows(&s["sales"]["by_day"]) {
        lines.push(line(&[v(&d["date"]), v(&d["orders"]), v(&d["revenue"])]));
    }
    csv(&slug, "sales-by-date", lines)
}

/// ANA-49, ANA-28: Date, Registrations, Cancellations, Net.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/registration-flow.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn registration_flow(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let s = sections(&app, &slug).await?;
    let mut lines = vec![line(&[
        t("Date"),
        t("Registrations"),
        t("Cancellations"),
        t("Net"),
    ])];
    for d in rows(&s["sales"]["registration_flow"]) {
        lines.push(line(&[
            v(&d["date"]),
            v(&d["registrations"]),
            v(&d["cancellations"]),
            v(&d["net"]),
        ]));
    }
    csv(&slug, "registration-flow", lines)
}

/// ANA-48: the summary rows, then one row per payment method and per order status
/// with count and amount.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/reconciliation.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn reconciliation(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let s = sections(&app, &slug).await?;
    let r = &s["money"]["reconciliation"];
    let mut lines = vec![line(&[t("Section"), t("Item"), t("Count"), t("Amount")])];
    for (label, key) in [
        ("Total Sales", "sales_total"),
        ("Total Payments", "payments_total"),
        ("Credits Issued (Refunds)", "refunds_total"),
        ("Credits Outstanding", "credits_outstanding"),
        ("Discrepancy", "discrepancy"),
    ] {
        lines.push(line(&[t("Summary"), t(label), f(""), v(&r[key])]));
    }
    for (section, key) in [
        ("Payment Method", "by_method"),
        ("Order Status", "by_status"),
    ] {
        if let Some(m) = r[key].as_object() {
            for (item, x) in m {
                lines.push(line(&[
                    t(section),
                    t(item),
                    v(&x["count"]),
                    v(&x["amount"]),
                ]));
            }
        }
    }
    csv(&slug, "reconciliation", lines)
}

/// ANA-45, ANA-31: Type, Name, Price, Total Quantity, Sold, Reserved, Remaining,
/// Active, Available From, Available Until. Reserved = pending orders' quantities
/// whose hold is live now.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/inventory.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn inventory(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let catalog = storage::live_row(&app.db, ConferenceCatalog::NAME, &conference_key(conf.id))
        .await?
        .map(|d| serde_json::from_str::<CatalogRow>(&d))
        .transpose()?;
    let Some(CatalogRow::Conference(c)) = catalog else {
        return Err(ApiError::not_found("Conference"));
    };
    let sales = match storage::live_row(&app.db, Sales::NAME, &sales_key(conf.id))
        .await?
        .map(|d| serde_json::from_str::<SalesRows>(&d))
        .transpose()?
    {
        Some(SalesRows::Sales(s)) => s.products,
        _ => Default::default(),
    };
    let now = app.bus.services().now();
    let mut reserved: std::collections::BTreeMap<String, u64> = Default::default();
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, Orders::NAME, &orders_prefix(conf.id)).await?
    {
        if let OrdersRow::Order(o) = serde_json::from_str(&doc)?
            && o.status == OrderStatus::Pending
            && o.hold_expires_at.is_some_and(|h| h > now)
        {
            for l in &o.lines {
                *reserved.entry(product_key(&l.product)).or_default() += u64::from(l.quantity);
            }
        }
    }
    let mut lines = vec![line(&[
        t("Type"),
        t("Name"),
        t("Price"),
        t("Total Quantity"),
        t("Sold"),
        t("Reserved"),
        t("Remaining"),
        t("Active"),
        t("Available From"),
        t("Available Until"),
    ])];
    type Item<'a> = (
        ProductKind,
        &'a str,
        &'a str,
        Decimal,
        u32,
        bool,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let items: Vec<Item> = c
        .ticket_types
        .iter()
        .map(|x| {
            let (s, n, p, q, a) = (&x.slug, &x.name, x.price, x.total_quantity, x.is_active);
            (
                ProductKind::Ticket,
                s.as_str(),
                n.as_str(),
                p,
                q,
                a,
                x.available_from,
                x.available_until,
            )
        })
        .chain(c.addons.iter().map(|x| {
            let (s, n, p, q, a) = (&x.slug, &x.name, x.price, x.total_quantity, x.is_active);
            (
                ProductKind::Addon,
                s.as_str(),
                n.as_str(),
                p,
                q,
                a,
                x.available_from,
                x.available_until,
            )
        }))
        .collect();
    let date =
        |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.to_rfc3339()).unwrap_or_default();
    for (kind, slug_, name, price, total, active, from, until) in items {
        let key = match kind {
            ProductKind::Ticket => format!("ticket:{slug_}"),
            ProductKind::Addon => format!("addon:{slug_}"),
        };
        let sold = sales.get(&key).map_or(0, |p| p.sold);
        let held = reserved.get(&key).copied().unwrap_or(0);
        let (total_cell, remaining) = if total == 0 {
            ("Unlimited".to_string(), "Unlimited".to_string())
        } else {
            (
                total.to_string(),
                u64::from(total).saturating_sub(sold + held).to_string(),
            )
        };
        lines.push(line(&[
            t(if kind == ProductKind::Ticket {
                "Ticket"
            } else {
                "Add-on"
            }),
            t(name),
            f(format!("{:.2}", price)),
            f(total_cell),
            f(sold),
            f(held),
            f(remaining),
            t(if active { "Yes" } else { "No" }),
            f(date(from)),
            f(date(until)),
        ]));
    }
    csv(&slug, "inventory", lines)
}
