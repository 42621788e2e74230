//! Purchase orders: corporate invoicing by finance staff (SPEC PO-*). Lines and
//! totals are fixed at creation; payments and credit notes are appended; the status
//! follows the balance (PO-8).

use crate::http::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::pricing::{ProductKind, ProductRef};
use tessera_aggregates::purchase_order::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoLineInput, PoPayment, PoPaymentMethod,
    PoStatus, PurchaseOrder, PurchaseOrderCommand, PurchaseOrderError, SealedPoContact,
};
use tessera_projections::Projection;
use tessera_projections::purchase_orders::{
    PurchaseOrderRecord, PurchaseOrders, PurchaseOrdersRow, po_key, pos_prefix,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{FINANCE, MANAGE, ledger};
use crate::app::{AppState, ConferenceRef};
use crate::bus::BusError;
use crate::http::access::{FINANCE_READ, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta};
use crate::http::page::{Page, PageParams, Paging, stored_name};
use tessera_replay::listing::{Cond, live_page};
use tessera_replay::storage;

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            FINANCE,
            OpenApiRouter::new()
                .routes(routes!(create_po))
                .routes(routes!(send_po))
                .routes(routes!(record_payment))
                .routes(routes!(issue_credit_note))
                .routes(routes!(cancel_po))
                .routes(routes!(erase_contact)),
        ),
        (
            FINANCE_READ,
            OpenApiRouter::new()
                .routes(routes!(list_pos))
                .routes(routes!(get_po)),
        ),
    ]
}

/// PO-2: "PO-" + 6 random characters of A–Z0–9.
fn random_reference() -> String {
    crate::codes::random_code("PO-", 6)
}

/// PO-2: reference attempts before giving up.
const REFERENCE_ATTEMPTS: usize = 10;

#[derive(Debug, Serialize, ToSchema)]
pub struct PoView {
    pub id: Uuid,
    pub reference: String,
    /// draft, sent, partially_paid, paid, overpaid or cancelled (PO-1).
    #[schema(value_type = String, example = "draft")]
    pub status: PoStatus,
    pub organization_name: String,
    pub contact_email: String,
    pub contact_name: String,
    pub billing_address: String,
    pub notes: String,
    /// `{description, quantity, unit_price, line_total, product}` (PO-3).
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<PoLine>,
    #[schema(value_type = String)]
    pub subtotal: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
    /// PO-5.
    #[schema(value_type = String)]
    pub total_paid: Decimal,
    #[schema(value_type = String)]
    pub total_credited: Decimal,
    /// total − paid − credited; negative when overpaid.
    #[schema(value_type = String)]
    pub balance_due: Decimal,
    #[schema(value_type = Vec<Object>)]
    pub payments: Vec<PoPayment>,
    #[schema(value_type = Vec<Object>)]
    pub credit_notes: Vec<PoCreditNote>,
    #[schema(value_type = Option<Object>)]
    pub stripe_invoice: Option<ExternalInvoice>,
    #[schema(value_type = Option<Object>)]
    pub qbo_invoice: Option<ExternalInvoice>,
    pub created_by: Option<Uuid>,
    pub created_at: Option<DateTime<Utc>>,
    /// The contact's sealed personal fields, opened by [`PoView::opened`].
    #[serde(skip)]
    #[schema(ignore)]
    sealed: Option<SealedPoContact>,
}

impl PoView {
    /// The view with the contact's personal fields opened under the PO's key
    /// (each reads "erased" once the contact was erased).
    async fn opened(mut self, app: &AppState) -> ApiResult<Self> {
        let mut contact = PoContact {
            organization_name: std::mem::take(&mut self.organization_name),
            contact_email: std::mem::take(&mut self.contact_email),
            contact_name: std::mem::take(&mut self.contact_name),
            billing_address: std::mem::take(&mut self.billing_address),
            notes: std::mem::take(&mut self.notes),
        };
        app.personal
            .open_po_contact(self.id, &mut contact, self.sealed.take().as_ref())
            .await?;
        self.organization_name = contact.organization_name;
        self.contact_email = contact.contact_email;
        self.contact_name = contact.contact_name;
        self.billing_address = contact.billing_address;
        self.notes = contact.notes;
        Ok(self)
    }
}

impl From<PurchaseOrderRecord> for PoView {
    fn from(po: PurchaseOrderRecord) -> Self {
        Self {
            id: po.id,
            reference: po.reference,
            status: po.status,
            organization_name: po.contact.organization_name,
            contact_email: po.contact.contact_email,
            contact_name: po.contact.contact_name,
            billing_address: po.contact.billing_address,
            notes: po.contact.notes,
            lines: po.lines,
            subtotal: po.subtotal,
            total: po.total,
            total_paid: po.total_paid,
            total_credited: po.total_credited,
            balance_due: po.balance_due,
            payments: po.payments,
            credit_notes: po.credit_notes,
            stripe_invoice: po.stripe_invoice,
            qbo_invoice: po.qbo_invoice,
            created_by: po.created_by,
            created_at: Some(po.created_at),
            sealed: po.sealed_contact,
        }
    }
}

/// A PO after a command, with the log position of the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoChanged {
    #[serde(flatten)]
    pub purchase_order: PoView,
    /// Null when nothing changed (a repeated command).
    pub position: Option<i64>,
}

/// The PO `reference` of conference `conf` as the PurchaseOrder holds it: what a
/// command on it is decided on (404 for another conference's PO).
async fn record(
    app: &AppState,
    conf: &ConferenceRef,
    reference: &str,
) -> ApiResult<PurchaseOrderRecord> {
    let id = tessera_aggregates::purchase_order::stream_id(reference);
    app.bus
        .inspect(&PurchaseOrder::stream(id), |po| {
            (po.exists() && po.conference_id == conf.id).then(|| po.record().clone())
        })
        .await?
        .ok_or_else(|| ApiError::not_found("Purchase order"))
}

/// The PO `reference` of conference `conf` as the purchase-orders read model
/// holds it, its contact opened (404 for another conference's PO).
async fn load(app: &AppState, conf: &ConferenceRef, reference: &str) -> ApiResult<PoView> {
    let id = tessera_aggregates::purchase_order::stream_id(reference);
    match storage::live_row_of(&app.db, PurchaseOrders::NAME, &po_key(conf.id, id)).await? {
        Some(PurchaseOrdersRow::Po(po)) => PoView::from(po).opened(app).await,
        _ => Err(ApiError::not_found("Purchase order")),
    }
}

/// Sends `command` to the PO `reference` of `conf` and answers the PO as the
/// command left it (its events folded into the record it was decided on).
async fn change(
    app: &AppState,
    conf: &ConferenceRef,
    meta: &CommandMeta,
    reference: &str,
    command: PurchaseOrderCommand,
) -> ApiResult<Json<PoChanged>> {
    let mut po = record(app, conf, reference).await?;
    let sent = app
        .bus
        .send_decided(
            &PurchaseOrder::stream(po.id),
            command,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    for event in &sent.events {
        po.evolve(event);
    }
    Ok(Json(PoChanged {
        purchase_order: PoView::from(po).opened(app).await?,
        position: sent.position,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePoBody {
    #[schema(max_length = 200)]
    pub organization_name: String,
    /// Checked by the domain, which answers its own code for a bad address.
    #[schema(max_length = 320)]
    pub contact_email: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub contact_name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub billing_address: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub notes: String,
    /// At least one line with a description (PO-4); blank rows are skipped.
    pub lines: Vec<PoLineBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PoLineBody {
    #[schema(max_length = 200)]
    pub description: String,
    /// ≥ 1, default 1.
    pub quantity: Option<u32>,
    /// ≥ 0, at most 2 decimal places.
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub unit_price: Decimal,
    /// A ticket type or add-on of this conference the line stands for (a snapshot).
    #[schema(value_type = Option<super::pricing_bodies::ProductRefSchema>)]
    pub product: Option<ProductRef>,
}

/// Creates a draft PO (PO-2…4) with a fresh reference "PO-" + 6 characters.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/purchase-orders", tag = "registration",
    params(("slug" = String, Path)), request_body = CreatePoBody,
    responses((status = 201, body = PoChanged), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_po(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CreatePoBody>,
) -> ApiResult<(StatusCode, Json<PoChanged>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    check_products(&app, &conf, &body.lines).await?;
    let contact = PoContact {
        organization_name: body.organization_name,
        contact_email: body.contact_email,
        contact_name: body.contact_name,
        billing_address: body.billing_address,
        notes: body.notes,
    };
    let lines: Vec<PoLineInput> = body
        .lines
        .into_iter()
        .map(|l| PoLineInput {
            description: l.description,
            quantity: l.quantity.unwrap_or(1),
            unit_price: l.unit_price,
            product: l.product,
        })
        .collect();
    for _ in 0..REFERENCE_ATTEMPTS {
        let reference = random_reference();
        let id = tessera_aggregates::purchase_order::stream_id(&reference);
        // Personal data enters the log only sealed, under the PO's own key.
        let sealed = app.personal.seal_po_contact(id, &contact).await?;
        let sent = app
            .bus
            .send_decided(
                &PurchaseOrder::stream(id),
                PurchaseOrderCommand::Create {
                    conference_id: conf.id,
                    reference: reference.clone(),
                    contact: contact.clone(),
                    lines: lines.clone(),
                    created_by: Some(caller.id),
                    sealed_contact: Some(Box::new(sealed)),
                },
                &meta.for_conf(Some(conf.id)),
            )
            .await;
        match sent {
            Err(BusError::Refused(PurchaseOrderError::AlreadyExists)) => continue,
            other => {
                let sent = other?;
                let mut po = PurchaseOrderRecord::default();
                for event in &sent.events {
                    po.evolve(event);
                }
                return Ok((
                    StatusCode::CREATED,
                    Json(PoChanged {
                        purchase_order: PoView::from(po).opened(&app).await?,
                        position: sent.position,
                    }),
                ));
            }
        }
    }
    Err(ApiError::internal(format!(
        "no free PO reference after {REFERENCE_ATTEMPTS} attempts"
    )))
}

/// PO-3: a line's product must be a ticket type or add-on of this conference.
async fn check_products(
    app: &AppState,
    conf: &ConferenceRef,
    lines: &[PoLineBody],
) -> ApiResult<()> {
    let products: Vec<ProductRef> = lines
        .iter()
        .filter(|l| !l.description.trim().is_empty()) // skipped rows (PO-4)
        .filter_map(|l| l.product.clone())
        .collect();
    if products.is_empty() {
        return Ok(());
    }
    let unknown = ledger(app, conf, |inv| {
        products.into_iter().find(|p| match p.kind {
            ProductKind::Ticket => inv.ticket_type(&p.slug).is_none(),
            ProductKind::Addon => inv.addon(&p.slug).is_none(),
        })
    })
    .await?;
    match unknown {
        None => Ok(()),
        Some(p) => Err(PurchaseOrderError::UnknownProduct(p.slug).into()),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only POs with this status (PO-17).
    #[param(value_type = Option<String>)]
    pub status: Option<PoStatus>,
}

/// The conference's POs, newest first, optionally by status (PO-17), paged
/// (`limit`, `cursor`), from the purchase-orders read model (send
/// `X-Tessera-After` to include a change).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/purchase-orders", tag = "registration",
    params(("slug" = String, Path), ListQuery, PageParams),
    responses((status = 200, body = Page<PoView>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn list_pos(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<PoView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let mut conds = vec![];
    if let Some(s) = q.status {
        conds.push(Cond::Eq("status", stored_name(&s)?));
    }
    let spec = paging.spec(
        PurchaseOrders::NAME,
        pos_prefix(conf.id),
        conds,
        Some(&["created_at", "reference"]),
        true,
    )?;
    let listing = live_page(&app.db, &spec).await?;
    let mut page = paging.page(&spec, listing, |doc| match serde_json::from_str(doc)? {
        PurchaseOrdersRow::Po(po) => Ok(Some(PoView::from(po))),
        _ => Ok(None),
    })?;
    let mut opened = Vec::with_capacity(page.items.len());
    for view in std::mem::take(&mut page.items) {
        opened.push(view.opened(&app).await?);
    }
    page.items = opened;
    Ok(Json(page))
}

/// One PO with its lines, payments, credit notes and balance (PO-5). Read from
/// the purchase-orders read model: send `X-Tessera-After` with a command's
/// `position` to read that command's effect.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/purchase-orders/{reference}", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)),
    responses((status = 200, body = PoView), (status = 404, body = Problem)))]
async fn get_po(
    State(app): State<AppState>,
    _after: After,
    Path((slug, reference)): Path<(String, String)>,
) -> ApiResult<Json<PoView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    Ok(Json(load(&app, &conf, &reference).await?))
}

/// Marks a draft PO as sent (PO-10: only draft POs).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/purchase-orders/{reference}/send", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)),
    responses((status = 200, body = PoChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn send_po(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
) -> ApiResult<Json<PoChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    change(&app, &conf, &meta, &reference, PurchaseOrderCommand::Send).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = PoPaymentBody)]
pub struct PaymentBody {
    /// > 0, at most 2 decimal places.
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub amount: Decimal,
    /// wire (default), ach, check, stripe or other (PO-6).
    #[schema(value_type = Option<String>, max_length = 32, example = "wire")]
    pub method: Option<PoPaymentMethod>,
    /// The bank or cheque reference.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reference: String,
    pub payment_date: Option<NaiveDate>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub note: String,
}

/// Records a payment; the status follows the balance (PO-6, PO-8).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/purchase-orders/{reference}/payments", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)), request_body = PaymentBody,
    responses((status = 201, body = PoChanged), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn record_payment(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
    ApiJson(body): ApiJson<PaymentBody>,
) -> ApiResult<(StatusCode, Json<PoChanged>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let payment_date = body
        .payment_date
        .ok_or(PurchaseOrderError::PaymentDateRequired)?;
    let command = PurchaseOrderCommand::RecordPayment {
        payment_id: meta.scoped_id("po_payment", &reference),
        amount: body.amount,
        method: body.method.unwrap_or_default(),
        reference: body.reference,
        payment_date,
        note: body.note,
        recorded_by: Some(caller.id),
    };
    let changed = change(&app, &conf, &meta, &reference, command).await?;
    Ok((StatusCode::CREATED, changed))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreditNoteBody {
    /// > 0, at most 2 decimal places.
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub amount: Decimal,
    #[schema(max_length = 5000)]
    pub reason: String,
}

/// Issues a credit note; the status follows the balance (PO-7…9).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/purchase-orders/{reference}/credit-notes", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)), request_body = CreditNoteBody,
    responses((status = 201, body = PoChanged), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn issue_credit_note(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
    ApiJson(body): ApiJson<CreditNoteBody>,
) -> ApiResult<(StatusCode, Json<PoChanged>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let command = PurchaseOrderCommand::IssueCreditNote {
        credit_note_id: meta.scoped_id("po_credit_note", &reference),
        amount: body.amount,
        reason: body.reason,
        issued_by: Some(caller.id),
    };
    let changed = change(&app, &conf, &meta, &reference, command).await?;
    Ok((StatusCode::CREATED, changed))
}

/// Cancels a PO; payments and credit notes are kept (PO-11: a paid PO cannot be
/// cancelled; cancelling a cancelled PO changes nothing).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/purchase-orders/{reference}/cancel", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)),
    responses((status = 200, body = PoChanged), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn cancel_po(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
) -> ApiResult<Json<PoChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let command = PurchaseOrderCommand::Cancel {
        by: Some(caller.id),
    };
    change(&app, &conf, &meta, &reference, command).await
}

/// Erases the PO contact's personal data (crypto-shredding): the PO's key is
/// forgotten, so its contact e-mail, name, billing address and notes read
/// "erased" everywhere, for good. The organization, lines, payments and credit
/// notes stay: the books still balance. Erasing twice changes nothing.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/purchase-orders/{reference}/erase-contact", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)),
    responses((status = 200, body = PoView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn erase_contact(
    State(app): State<AppState>,
    Path((slug, reference)): Path<(String, String)>,
) -> ApiResult<Json<PoView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let po = record(&app, &conf, &reference).await?;
    app.personal.erase(po.id).await?;
    Ok(Json(PoView::from(po).opened(&app).await?))
}
