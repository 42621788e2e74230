//! Check-in, door checks and product redemption at the venue, the staff attendee
//! list and the attendee's own record (SPEC ATT-*). Not feature-gated (CONF-30).

use std::time::Duration;

use crate::http::extract::Path;
use crate::personal::ERASED;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::attendee::AttendeeError;
use tessera_aggregates::attendee::{
    Attendee, AttendeeCommand, AttendeeEvent, ProductBalance, attendee_id, is_valid_access_code,
};
use tessera_aggregates::conference::Role;
use tessera_aggregates::order::{Order, OrderStatus};
use tessera_aggregates::pricing::{ProductKind, ProductRef};
use tessera_aggregates::user::User;
use tessera_projections::Projection;
use tessera_projections::attendees::{
    AttendeeRow, Attendees, AttendeesRow, HeldProduct, attendee_key, code_key,
};
use tessera_projections::user_directory::{UserDirectory, UserRow, user_key};

use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{PUBLIC, ledger};
use crate::app::{AppState, ConferenceRef};
use crate::http::access::{Access, CHECKIN_READ, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta};

/// ATT-10: check-in staff and organizers (and global admins).
pub const CHECKIN: Access = Access::Staff(&[Role::Checkin, Role::Organizer]);

/// How long a lookup that missed waits for the process managers and projections
/// to catch up (a scan right after payment still finds the attendee).
const CATCH_UP: Duration = Duration::from_secs(5);

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            CHECKIN,
            OpenApiRouter::new()
                .routes(routes!(check_in))
                .routes(routes!(door_check))
                .routes(routes!(redeem)),
        ),
        (
            CHECKIN_READ,
            OpenApiRouter::new()
                .routes(routes!(super::attendee_list::list_attendees))
                .routes(routes!(lookup)),
        ),
        (
            Access::Authenticated,
            OpenApiRouter::new().routes(routes!(my_attendee)),
        ),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Badge {
    /// ATT-15: the user's name, else their e-mail.
    pub name: String,
    /// ATT-15: the first ticket line's name, else "General Admission".
    pub ticket_type: String,
}

impl Badge {
    /// ATT-15: the name, else the e-mail.
    fn of(name: &str, email: &str, ticket_type: String) -> Self {
        let name = if name.is_empty() { email } else { name };
        Self {
            name: name.to_string(),
            ticket_type,
        }
    }
}

/// An attendee as staff and the attendee see it (ATT-18, ATT-19).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub access_code: String,
    pub name: String,
    pub email: String,
    pub checked_in: bool,
    /// ATT-13: the first check-in only.
    pub checked_in_at: Option<DateTime<Utc>>,
    pub check_in_count: usize,
    pub completed_registration: bool,
    pub badge: Badge,
    /// The current order: the latest paid one not fully refunded (ATT-3).
    pub order_id: Option<Uuid>,
    pub order_reference: Option<String>,
    #[schema(value_type = Option<String>, example = "paid")]
    pub order_status: Option<OrderStatus>,
    /// Every product held, with redeemed and remaining counts (ATT-19, ATT-22).
    #[schema(value_type = Vec<Object>)]
    pub products: Vec<ProductBalance>,
}

/// What the attendee stream holds, read in one go.
struct Snapshot {
    id: Uuid,
    user: Uuid,
    access_code: String,
    checked_in_at: Option<DateTime<Utc>>,
    check_in_count: usize,
    completed_registration: bool,
    ticket_type: String,
    current_order: Option<Uuid>,
    products: Vec<ProductBalance>,
}

/// The attendee stream `id`, if it holds an attendee.
async fn snapshot(app: &AppState, id: Uuid) -> ApiResult<Option<Snapshot>> {
    Ok(app
        .bus
        .inspect(&Attendee::stream(id), |a| {
            a.exists().then(|| Snapshot {
                id,
                user: a.user(),
                access_code: a.access_code().to_string(),
                checked_in_at: a.checked_in_at(),
                check_in_count: a.check_ins().len(),
                completed_registration: a.completed_registration(),
                ticket_type: a.ticket_type_label(),
                current_order: a.current_order(),
                products: a.products(),
            })
        })
        .await?)
}

/// The full view of an attendee: name and e-mail from the user, status from the
/// current order.
async fn view(app: &AppState, s: Snapshot) -> ApiResult<AttendeeView> {
    let (name, email, sealed) = app
        .bus
        .inspect(&User::stream(s.user), |u| {
            (
                u.name().to_string(),
                u.email().to_string(),
                u.sealed().cloned(),
            )
        })
        .await?;
    let identity = app
        .personal
        .open_user(s.user, &email, &name, sealed.as_ref())
        .await?;
    let order = match s.current_order {
        None => None,
        Some(order) => {
            app.bus
                .inspect(&Order::stream(order), |o| {
                    o.exists().then(|| (o.reference.to_string(), o.status))
                })
                .await?
        }
    };
    Ok(assemble(s, identity, order))
}

/// An attendee as staff and the attendee see it, from its facts, its user's
/// (e-mail, name) opened (None once erased) and its current order's reference
/// and status.
fn assemble(
    s: Snapshot,
    identity: Option<(String, String)>,
    order: Option<(String, OrderStatus)>,
) -> AttendeeView {
    let (email, name) = identity
        .map(|(email, name)| (email, name.trim().to_string()))
        .unwrap_or_else(|| (ERASED.to_string(), ERASED.to_string()));
    let (order_reference, order_status) = order.unzip();
    let badge = Badge::of(&name, &email, s.ticket_type);
    AttendeeView {
        id: s.id,
        user_id: s.user,
        access_code: s.access_code,
        name,
        email,
        checked_in: s.checked_in_at.is_some(),
        checked_in_at: s.checked_in_at,
        check_in_count: s.check_in_count,
        completed_registration: s.completed_registration,
        badge,
        order_id: s.current_order,
        order_reference,
        order_status,
        products: s.products,
    }
}

/// Lets the process managers (order paid → attendee) and then the projections reach
/// the current head of the log.
async fn catch_up(app: &AppState) -> ApiResult<()> {
    let head = app.db.head().await?;
    app.reactor.wait_for(head, CATCH_UP).await;
    let head = app.db.head().await?;
    app.runner.wait_for(head, CATCH_UP).await;
    Ok(())
}

/// The user whose attendee of `conf` has access code `code`, from the read
/// model's `code:` pointer rows.
async fn find_code(app: &AppState, conf: &ConferenceRef, code: &str) -> ApiResult<Option<Uuid>> {
    let pointer = storage::live_row_of(&app.db, Attendees::NAME, &code_key(code)).await?;
    Ok(match pointer {
        Some(AttendeesRow::Ref(r)) if r.conference_id == conf.id && r.access_code == code => {
            Some(r.user)
        }
        _ => None,
    })
}

/// ATT-11: the user whose attendee of `conf` has this exact (trimmed) access code.
/// A well-formed code not found yet is waited for (paid a moment ago: the
/// attendee is on its way through the process managers and the read models).
async fn holder_of_code(
    app: &AppState,
    conf: &ConferenceRef,
    code: &str,
) -> ApiResult<Option<Uuid>> {
    if code.is_empty() {
        return Err(AttendeeError::AccessCodeRequired.into());
    }
    Ok(match find_code(app, conf, code).await? {
        Some(user) => Some(user),
        None if !is_valid_access_code(code) => None,
        None => {
            catch_up(app).await?;
            find_code(app, conf, code).await?
        }
    })
}

/// ATT-11: the attendee of the conference with this exact (trimmed) access code,
/// else 404 "Attendee not found". The stream confirms what the read model found:
/// what a command on the attendee is about to be decided on.
async fn by_code(app: &AppState, conf: &ConferenceRef, code: &str) -> ApiResult<Snapshot> {
    let code = code.trim();
    let snapshot = match holder_of_code(app, conf, code).await? {
        Some(user) => snapshot(app, attendee_id(conf.id, user)).await?,
        None => None,
    };
    snapshot
        .filter(|s| s.access_code == code)
        .ok_or_else(attendee_not_found)
}

/// PAY-30/34: the attendee of `conf` with this access code, as staff see it (404
/// "Attendee not found"), from the read models: a request that sends
/// `X-Tessera-After` sees that command's effect.
pub(super) async fn attendee_by_code(
    app: &AppState,
    conf: &ConferenceRef,
    code: &str,
) -> ApiResult<AttendeeView> {
    let code = code.trim();
    let row = match holder_of_code(app, conf, code).await? {
        Some(user) => attendee_row(app, conf.id, user).await?,
        None => None,
    };
    let row = row
        .filter(|a| a.access_code == code)
        .ok_or_else(attendee_not_found)?;
    row_view(app, row).await
}

/// The attendee of `user` in `conference` as the attendees read model holds it.
async fn attendee_row(
    app: &AppState,
    conference: Uuid,
    user: Uuid,
) -> ApiResult<Option<AttendeeRow>> {
    let row =
        storage::live_row_of(&app.db, Attendees::NAME, &attendee_key(conference, user)).await?;
    Ok(match row {
        Some(AttendeesRow::Attendee(a)) => Some(a),
        _ => None,
    })
}

/// An attendee row as staff and the attendee see it: name and e-mail from the
/// user directory, the current order's reference and status from the orders read
/// model (all folded by the same runner, so they agree with each other).
async fn row_view(app: &AppState, a: AttendeeRow) -> ApiResult<AttendeeView> {
    let user: Option<UserRow> =
        storage::live_row_of(&app.db, UserDirectory::NAME, &user_key(a.user)).await?;
    let identity = match &user {
        Some(u) => app.personal.open_listed_user(u).await?,
        None => None,
    };
    let order = match a.current_order {
        None => None,
        Some(order) => super::orders::order_record(app, a.conference_id, order)
            .await?
            .map(|o| (o.reference.to_string(), o.status)),
    };
    let facts = Snapshot {
        id: a.id,
        user: a.user,
        access_code: a.access_code,
        checked_in_at: a.checked_in_at,
        check_in_count: a.check_in_count as usize,
        completed_registration: a.completed_registration,
        ticket_type: a.ticket_type,
        current_order: a.current_order,
        products: a.products.into_iter().map(balance).collect(),
    };
    Ok(assemble(facts, identity, order))
}

/// A held product as the attendee view shows it.
fn balance(p: HeldProduct) -> ProductBalance {
    ProductBalance {
        product: p.product,
        name: p.name,
        quantity: p.held,
        redeemed: p.redeemed,
        remaining: p.remaining,
    }
}

fn attendee_not_found() -> ApiError {
    AttendeeError::NotFound.into()
}

/// ATT-16: exactly one of `product`, `ticket_type`, `addon`.
fn chosen(
    product: Option<ProductRef>,
    ticket_type: Option<String>,
    addon: Option<String>,
) -> ApiResult<ProductRef> {
    match (product, ticket_type, addon) {
        (Some(p), None, None) => Ok(p),
        (None, Some(t), None) => Ok(ProductRef::ticket(t)),
        (None, None, Some(a)) => Ok(ProductRef {
            kind: ProductKind::Addon,
            slug: a,
        }),
        _ => Err(AttendeeError::ProductRequired.into()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckInBody {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub access_code: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub station: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInView {
    pub number: u32,
    pub station: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedIn {
    /// Always "checked_in" (ATT-18).
    pub status: String,
    pub attendee: AttendeeView,
    pub check_in: CheckInView,
    pub check_in_count: usize,
    pub position: Option<i64>,
}

/// Scans an attendee in (ATT-11…13, ATT-18): a paid order is required (409
/// otherwise); re-entry is allowed and each scan is recorded.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/checkins", tag = "check-in",
    params(("slug" = String, Path)), request_body = CheckInBody,
    responses((status = 201, body = CheckedIn), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn check_in(
    State(app): State<AppState>,
    AuthUser(staff): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CheckInBody>,
) -> ApiResult<(StatusCode, Json<CheckedIn>)> {
    let conf = app.conference(&slug).await?;
    let mut now = by_code(&app, &conf, &body.access_code).await?;
    let decided = app
        .bus
        .send_decided(
            &Attendee::stream(now.id),
            AttendeeCommand::CheckIn {
                station: body.station,
                by: staff.id,
                note: body.note,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    // The check-in the command decided, folded into what was read to find the
    // attendee: nothing is read back.
    let last = decided
        .events
        .into_iter()
        .find_map(AttendeeEvent::into_check_in)
        .ok_or_else(|| ApiError::internal("check-in decided no check-in"))?;
    // The number was decided under the stream's concurrency check: it is the
    // count even if another station scanned the attendee since the read, and
    // number 1 is the first check-in (ATT-13).
    if last.number == 1 || now.checked_in_at.is_none() {
        now.checked_in_at = Some(last.at);
    }
    now.check_in_count = last.number as usize;
    let attendee = view(&app, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(CheckedIn {
            status: "checked_in".to_string(),
            check_in_count: attendee.check_in_count,
            attendee,
            check_in: CheckInView {
                number: last.number,
                station: last.station,
                at: last.at,
            },
            position: decided.position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DoorCheckBody {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub access_code: String,
    /// `{kind: ticket|addon, slug}`; or give `ticket_type` or `addon` (a slug).
    #[schema(value_type = Option<super::pricing_bodies::ProductRefSchema>)]
    pub product: Option<ProductRef>,
    #[schema(max_length = 100)]
    pub ticket_type: Option<String>,
    #[schema(max_length = 100)]
    pub addon: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub station: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DoorChecked {
    /// Whether the attendee holds the product (a denial is recorded too).
    pub admitted: bool,
    #[schema(value_type = Object)]
    pub product: ProductRef,
    pub attendee: AttendeeView,
    pub position: Option<i64>,
}

/// Records a door check for one ticket type or add-on of this conference (ATT-16).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/checkins/door", tag = "check-in",
    params(("slug" = String, Path)), request_body = DoorCheckBody,
    responses((status = 201, body = DoorChecked), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn door_check(
    State(app): State<AppState>,
    AuthUser(staff): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<DoorCheckBody>,
) -> ApiResult<(StatusCode, Json<DoorChecked>)> {
    let conf = app.conference(&slug).await?;
    let product = chosen(body.product, body.ticket_type, body.addon)?;
    let known = ledger(&app, &conf, |inv| match product.kind {
        ProductKind::Ticket => inv.ticket_type(&product.slug).is_some(),
        ProductKind::Addon => inv.addon(&product.slug).is_some(),
    })
    .await?;
    if !known {
        return Err(AttendeeError::UnknownProduct(product.slug).into());
    }
    let found = by_code(&app, &conf, &body.access_code).await?;
    let decided = app
        .bus
        .send_decided(
            &Attendee::stream(found.id),
            AttendeeCommand::DoorCheck {
                product: product.clone(),
                station: body.station,
                by: staff.id,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    // A denial is recorded too: the event says which (ATT-16).
    let admitted = decided
        .events
        .iter()
        .any(|e| matches!(e, AttendeeEvent::DoorCheckPassed { .. }));
    Ok((
        StatusCode::CREATED,
        Json(DoorChecked {
            admitted,
            product,
            attendee: view(&app, found).await?,
            position: decided.position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RedeemBody {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub access_code: String,
    /// `{kind: ticket|addon, slug}`; or give `ticket_type` or `addon` (a slug).
    #[schema(value_type = Option<super::pricing_bodies::ProductRefSchema>)]
    pub product: Option<ProductRef>,
    #[schema(max_length = 100)]
    pub ticket_type: Option<String>,
    #[schema(max_length = 100)]
    pub addon: Option<String>,
    /// Default 1.
    pub quantity: Option<u32>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub station: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Redeemed {
    #[schema(value_type = Object)]
    pub product: ProductRef,
    pub quantity: u32,
    /// After this redemption.
    pub redeemed: u32,
    pub remaining: u32,
    pub position: Option<i64>,
}

/// Redeems a held product, at most the purchased quantity in all (ATT-20…22).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/redemptions", tag = "check-in",
    params(("slug" = String, Path)), request_body = RedeemBody,
    responses((status = 201, body = Redeemed), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn redeem(
    State(app): State<AppState>,
    AuthUser(staff): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<RedeemBody>,
) -> ApiResult<(StatusCode, Json<Redeemed>)> {
    let conf = app.conference(&slug).await?;
    let product = chosen(body.product, body.ticket_type, body.addon)?;
    let quantity = body.quantity.unwrap_or(1);
    let found = by_code(&app, &conf, &body.access_code).await?;
    // What was held before the command, with this redemption taken off (the
    // command refuses more than remains, ATT-21): nothing is read back.
    let before = found
        .products
        .iter()
        .find(|b| b.product == product)
        .map_or((0, 0), |b| (b.redeemed, b.remaining));
    let sent = app
        .bus
        .send(
            &Attendee::stream(found.id),
            AttendeeCommand::Redeem {
                product: product.clone(),
                quantity,
                station: body.station,
                by: staff.id,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let redeemed = before.0.saturating_add(quantity);
    let remaining = before.1.saturating_sub(quantity);
    Ok((
        StatusCode::CREATED,
        Json(Redeemed {
            product,
            quantity,
            redeemed,
            remaining,
            position: sent.position,
        }),
    ))
}

/// One attendee by access code, without checking in (ATT-19). Read from the
/// read models: send `X-Tessera-After` with a command's `position` to read that
/// command's effect.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/attendees/{access_code}", tag = "check-in",
    params(("slug" = String, Path), ("access_code" = String, Path)),
    responses((status = 200, body = AttendeeView), (status = 404, body = Problem)))]
async fn lookup(
    State(app): State<AppState>,
    _after: After,
    Path((slug, access_code)): Path<(String, String)>,
) -> ApiResult<Json<AttendeeView>> {
    let conf = app.conference(&slug).await?;
    Ok(Json(attendee_by_code(&app, &conf, &access_code).await?))
}

/// The caller's own attendee record with its access code (404 before an order of
/// theirs was paid). Read from the read models, like the lookup by code.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/attendees/me", tag = "check-in",
    params(("slug" = String, Path)),
    responses((status = 200, body = AttendeeView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn my_attendee(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<AttendeeView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let row = match attendee_row(&app, conf.id, caller.id).await? {
        Some(row) => row,
        // Paid a moment ago: the attendee is on its way (process managers, then
        // the read models).
        None => {
            catch_up(&app).await?;
            attendee_row(&app, conf.id, caller.id)
                .await?
                .ok_or_else(attendee_not_found)?
        }
    };
    Ok(Json(row_view(&app, row).await?))
}
