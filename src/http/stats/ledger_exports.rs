//! CSV exports of the money a conference gives away or owes (ANA-46, ANA-47):
//! vouchers and credit notes.

use axum::extract::State;
use axum::response::Response;
use rust_decimal::Decimal;
use tessera_aggregates::credit::{CreditSource, CreditStatus};
use tessera_aggregates::pricing::VoucherKind;
use tessera_projections::Projection;
use tessera_projections::credits::{Credits, CreditsRow, credits_prefix};
use tessera_projections::sales::{Sales, SalesRows, sales_key};
use tessera_replay::storage;

use super::exports::{Cell, csv, f, line, t};
use super::people::{People, orders_of};
use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, Path};
use crate::http::registration::ledger;

fn money(d: Decimal) -> Cell {
    f(format!("{:.2}", d.round_dp(2)))
}

fn iso(d: Option<chrono::DateTime<chrono::Utc>>) -> Cell {
    f(d.map(|d| d.to_rfc3339()).unwrap_or_default())
}

fn kind_label(k: VoucherKind) -> &'static str {
    match k {
        VoucherKind::Comp => "Comp",
        VoucherKind::Percentage => "Percentage",
        VoucherKind::FixedAmount => "Fixed Amount",
    }
}

/// ANA-27: times_used / max_uses × 100 with one decimal and "%", "N/A" when
/// max_uses is 0.
pub(crate) fn redemption_rate(uses: u32, max_uses: u32) -> String {
    if max_uses == 0 {
        return "N/A".into();
    }
    let rate = Decimal::from(uses) * Decimal::ONE_HUNDRED / Decimal::from(max_uses);
    format!(
        "{:.1}%",
        rate.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    )
}

/// ANA-46: Code, Type, Discount Value, Max Uses, Times Used, Redemption Rate
/// (ANA-27), Revenue Impact (ANA-26: Σ discount of the paid-set orders carrying
/// the code), Active, Valid From, Valid Until; by code. Vouchers live in the
/// conference's sales ledger, read once (as the voucher list does).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/vouchers.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn vouchers(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let now = app.bus.services().now();
    let vouchers = ledger(&app, &conf, |inv| inv.vouchers(now)).await?;
    let sales = match storage::live_row(&app.db, Sales::NAME, &sales_key(conf.id))
        .await?
        .map(|d| serde_json::from_str::<SalesRows>(&d))
        .transpose()?
    {
        Some(SalesRows::Sales(s)) => s.vouchers,
        _ => Default::default(),
    };
    let mut lines = vec![line(&[
        t("Code"),
        t("Type"),
        t("Discount Value"),
        t("Max Uses"),
        t("Times Used"),
        t("Redemption Rate"),
        t("Revenue Impact"),
        t("Active"),
        t("Valid From"),
        t("Valid Until"),
    ])];
    for v in vouchers {
        let v = v.voucher;
        let impact = sales.get(&v.code).map_or(Decimal::ZERO, |s| s.discount);
        lines.push(line(&[
            t(v.code.clone()),
            t(kind_label(v.kind)),
            money(v.value),
            f(v.max_uses),
            f(v.uses),
            f(redemption_rate(v.uses, v.max_uses)),
            money(impact),
            t(if v.is_active { "Yes" } else { "No" }),
            iso(v.window.from),
            iso(v.window.until),
        ]));
    }
    csv(&slug, "vouchers", lines)
}

fn credit_status(s: CreditStatus) -> &'static str {
    match s {
        CreditStatus::Available => "Available",
        CreditStatus::Applied => "Applied",
        CreditStatus::Expired => "Expired",
        CreditStatus::CreditNote => "Credit Note",
    }
}

/// ANA-47: User (full name, else the login e-mail), Email, Amount, Remaining,
/// Status, Source Order and Applied To Order (references), Note (a manual
/// credit's note), Created; store credits and credit notes, oldest first.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/credit-notes.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn credit_notes(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let orders = orders_of(&app, conf.id).await?;
    let mut rows = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, Credits::NAME, &credits_prefix(conf.id)).await?
    {
        if let CreditsRow::Credit(c) = serde_json::from_str(&doc)? {
            rows.push(c);
        }
    }
    rows.sort_by_key(|c| (c.issued_at, c.id));
    let reference = |id: Option<uuid::Uuid>| {
        id.and_then(|id| orders.get(&id))
            .map(|o| o.reference.clone())
            .unwrap_or_default()
    };
    let mut people = People::default();
    let mut lines = vec![line(&[
        t("User"),
        t("Email"),
        t("Amount"),
        t("Remaining"),
        t("Status"),
        t("Source Order"),
        t("Applied To Order"),
        t("Note"),
        t("Created"),
    ])];
    for c in rows {
        let (name, email) = people.of(&app, c.user).await?;
        let note = match &c.source {
            CreditSource::Manual { note } => note.clone(),
            CreditSource::Refund { .. } => String::new(),
        };
        lines.push(line(&[
            t(if name.is_empty() { email.clone() } else { name }),
            t(email),
            money(c.amount),
            money(c.remaining),
            t(credit_status(c.status)),
            t(reference(c.source_order)),
            t(reference(c.applied_to_order)),
            t(note),
            iso(Some(c.issued_at)),
        ]));
    }
    csv(&slug, "credit-notes", lines)
}
