//! The yearly sponsorship pipeline and donations (SPEC MY-5/7, MY-29): tiers and
//! deals (organizers), donations (finance staff), and the summary of both
//! (organizers, finance, auditors). Each conference is one year: a caller's roles
//! in another conference give no access here.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::Role;
use tessera_aggregates::fundraising::{
    Deal, DealPatch, DealStatus, Donation, DonationStatus, Fundraising, FundraisingCommand,
    FundraisingError, SealedContact, Tier,
};
use tessera_projections::Projection;
use tessera_projections::conference_catalog::{CatalogRow, ConferenceCatalog, conference_key};
use tessera_projections::fundraising::{
    DealRow, DonationRow, Fundraising as FundraisingView, FundraisingRow, FundraisingSummary,
    TierRow, prefix, summary,
};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, ConferenceRef};
use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta, Path};
use crate::http::page::{Page, PageParams, Paging, page_in_memory, time_sort};
use crate::http::site;
use crate::ids::{fundraising_id, user_id};
use crate::personal::PersonalData;
use crate::process::bulk_purchases::ReturnUrls;
use crate::process::donations::{self as donation_flow, Donor, NewDonation, sealed_donation};

/// Donations are recorded by finance staff.
const FINANCE: Access = Access::Staff(&[Role::Organizer, Role::Finance]);
/// The figures are read by organizers, finance and auditors.
const READERS: Access = Access::Staff(&[Role::Organizer, Role::Finance, Role::Auditor]);
/// AMB-17: the pipeline needs sponsors + manage_ui; donations manage_ui.
const PIPELINE: &[Feature] = &[Feature::Sponsors, Feature::ManageUi];
const DONATIONS: &[Feature] = &[Feature::ManageUi];

pub fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(save_tier))
                .routes(routes!(open_deal))
                .routes(routes!(change_deal))
                .routes(routes!(move_deal)),
        ),
        (
            FINANCE,
            OpenApiRouter::new()
                .routes(routes!(record_donation))
                .routes(routes!(refund_donation)),
        ),
        (
            Access::Volunteer,
            OpenApiRouter::new().routes(routes!(committed_sponsors)),
        ),
        (
            Access::Public,
            OpenApiRouter::new().routes(routes!(donation_checkout)),
        ),
        (
            READERS,
            OpenApiRouter::new()
                .routes(routes!(list_pipeline))
                .routes(routes!(list_donations))
                .routes(routes!(fundraising_summary)),
        ),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundraisingSaved {
    pub id: Option<Uuid>,
    /// The log position of the change: send it as `X-Tessera-After` to read it back.
    pub position: Option<i64>,
}

async fn send(
    app: &AppState,
    meta: &CommandMeta,
    conf: &ConferenceRef,
    cmd: FundraisingCommand,
) -> ApiResult<Option<i64>> {
    let sent = app
        .bus
        .send(
            &Fundraising::stream(fundraising_id(conf.id)),
            cmd,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(sent.position)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TierBody {
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub price: Decimal,
}

/// Creates or replaces a sponsorship tier of this year with its price (MY-5).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/sponsorships/tiers/{tier}", tag = "sponsorships",
    params(("slug" = String, Path), ("tier" = String, Path)), request_body = TierBody,
    responses((status = 200, body = FundraisingSaved), (status = 422, body = Problem)))]
async fn save_tier(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, tier)): Path<(String, String)>,
    ApiJson(body): ApiJson<TierBody>,
) -> ApiResult<Json<FundraisingSaved>> {
    let conf = app.gate(&slug, PIPELINE).await?;
    let cmd = FundraisingCommand::SaveTier {
        conference_id: conf.id,
        slug: tier,
        tier: Tier {
            name: body.name,
            price: body.price,
        },
    };
    let position = send(&app, &meta, &conf, cmd).await?;
    Ok(Json(FundraisingSaved { id: None, position }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DealBody {
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    /// A tier slug of this year; "" clears.
    #[schema(max_length = 200)]
    pub tier: Option<String>,
    /// Overrides the tier's price; null clears (MY-5).
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub amount: Option<Option<Decimal>>,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

impl DealBody {
    /// The change, with the contact's e-mail sealed under the contact's person
    /// (`natural_id("user", e-mail)`): it never enters the log plain.
    async fn into_patch(self, personal: &PersonalData) -> ApiResult<DealPatch> {
        let sealed_contact = match self.contact_email {
            None => None,
            Some(e) if e.trim().is_empty() => Some(None),
            Some(e) => {
                let email = e.trim().to_lowercase();
                let person = user_id(&email);
                Some(Some(SealedContact {
                    person,
                    email: personal.seal(person, &email).await?,
                }))
            }
        };
        Ok(DealPatch {
            organisation: self.organisation,
            contact_email: None,
            tier: self.tier.map(|t| Some(t).filter(|t| !t.is_empty())),
            amount: self.amount,
            notes: self.notes,
            sealed_contact,
        })
    }
}

/// Opens a sponsorship deal, not contacted yet (MY-7: several per organisation).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sponsorships/deals", tag = "sponsorships",
    params(("slug" = String, Path)), request_body = DealBody,
    responses((status = 201, body = FundraisingSaved), (status = 422, body = Problem)))]
async fn open_deal(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<DealBody>,
) -> ApiResult<(StatusCode, Json<FundraisingSaved>)> {
    let conf = app.gate(&slug, PIPELINE).await?;
    let id = meta.scoped_id("sponsorship-deal", &conf.id.to_string());
    let mut deal = Deal::default();
    body.into_patch(&app.personal).await?.apply_to(&mut deal);
    let cmd = FundraisingCommand::OpenDeal {
        conference_id: conf.id,
        id,
        deal,
    };
    let position = send(&app, &meta, &conf, cmd).await?;
    Ok((
        StatusCode::CREATED,
        Json(FundraisingSaved {
            id: Some(id),
            position,
        }),
    ))
}

/// Changes a deal; absent fields keep their value.
#[utoipa::path(patch, path = "/api/v1/conferences/{slug}/sponsorships/deals/{deal}", tag = "sponsorships",
    params(("slug" = String, Path), ("deal" = Uuid, Path)), request_body = DealBody,
    responses((status = 200, body = FundraisingSaved), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn change_deal(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<DealBody>,
) -> ApiResult<Json<FundraisingSaved>> {
    let conf = app.gate(&slug, PIPELINE).await?;
    let cmd = FundraisingCommand::ChangeDeal {
        id,
        patch: body.into_patch(&app.personal).await?,
    };
    let position = send(&app, &meta, &conf, cmd).await?;
    Ok(Json(FundraisingSaved {
        id: Some(id),
        position,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveBody {
    /// not_contacted, awaiting_response, rejected, accepted, approved,
    /// agreement_sent, agreement_signed, invoiced, paid, cancelled.
    #[schema(value_type = String, max_length = 32)]
    pub status: DealStatus,
}

/// Moves a deal along the transition table.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sponsorships/deals/{deal}/status", tag = "sponsorships",
    params(("slug" = String, Path), ("deal" = Uuid, Path)), request_body = MoveBody,
    responses((status = 200, body = FundraisingSaved), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn move_deal(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<MoveBody>,
) -> ApiResult<Json<FundraisingSaved>> {
    let conf = app.gate(&slug, PIPELINE).await?;
    let cmd = FundraisingCommand::MoveDeal {
        id,
        to: body.status,
    };
    let position = send(&app, &meta, &conf, cmd).await?;
    Ok(Json(FundraisingSaved {
        id: Some(id),
        position,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DonationBody {
    #[schema(max_length = 200)]
    pub donor_name: String,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub donor_email: String,
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub amount: Decimal,
    pub transaction_date: NaiveDate,
}

/// Records an individual donation to this conference (MY-29).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/donations", tag = "sponsorships",
    params(("slug" = String, Path)), request_body = DonationBody,
    responses((status = 201, body = FundraisingSaved), (status = 422, body = Problem)))]
async fn record_donation(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<DonationBody>,
) -> ApiResult<(StatusCode, Json<FundraisingSaved>)> {
    let conf = app.gate(&slug, DONATIONS).await?;
    let id = meta.scoped_id("donation", &conf.id.to_string());
    if body.donor_name.trim().is_empty() {
        return Err(FundraisingError::InvalidDonation.into());
    }
    let donor = Donor {
        name: &body.donor_name,
        email: &body.donor_email,
        message: "",
    };
    let donation =
        sealed_donation(&app.personal, donor, body.amount, body.transaction_date).await?;
    let cmd = FundraisingCommand::RecordDonation {
        conference_id: conf.id,
        id,
        donation,
    };
    let position = send(&app, &meta, &conf, cmd).await?;
    Ok((
        StatusCode::CREATED,
        Json(FundraisingSaved {
            id: Some(id),
            position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DonationCheckoutBody {
    /// The amount to give, > 0 and at most 100000.00 (2 decimals).
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub amount: Decimal,
    #[schema(max_length = 200)]
    pub donor_name: String,
    #[schema(max_length = 320, format = Email)]
    pub donor_email: String,
    /// A message to the organizers (optional).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DonationCheckoutStarted {
    /// The donation, pending until its session is paid.
    pub id: Uuid,
    pub session_id: String,
    /// Where the donor pays.
    pub url: Option<String>,
    pub position: Option<i64>,
}

/// Starts a donation paid through Stripe Checkout (MY-29): open to anyone,
/// signed in or not, while the conference is `accepting_donations` (409
/// `fundraising.not_accepting_donations` otherwise). The donation is pending
/// and does not count until Stripe reports the session paid. The same request
/// again (same `Idempotency-Key`) answers the same session.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/donations/checkout", tag = "sponsorships",
    params(("slug" = String, Path)), request_body = DonationCheckoutBody,
    responses((status = 201, body = DonationCheckoutStarted), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 502, body = Problem)))]
async fn donation_checkout(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DonationCheckoutBody>,
) -> ApiResult<(StatusCode, Json<DonationCheckoutStarted>)> {
    let conf = app.gate(&slug, &[]).await?;
    let flows = app.flows();
    // Refused before anything is sealed or sent (the aggregate decides again).
    if !donation_flow::accepting(&flows, conf.id).await? {
        return Err(FundraisingError::NotAcceptingDonations.into());
    }
    if body.donor_name.trim().is_empty() || body.amount <= Decimal::ZERO {
        return Err(FundraisingError::InvalidDonation.into());
    }
    let id = meta.scoped_id("donation", &conf.id.to_string());
    let donor = Donor {
        name: &body.donor_name,
        email: &body.donor_email,
        message: body.message.as_deref().unwrap_or_default(),
    };
    let donation =
        sealed_donation(&app.personal, donor, body.amount, flows.now().date_naive()).await?;
    let origin = site::origin(&app.config, &headers);
    let page = format!("{origin}/conferences/{slug}/donate?donation={id}");
    let urls = ReturnUrls {
        success_url: format!("{page}&checkout=success"),
        cancel_url: format!("{page}&checkout=cancel"),
    };
    let (session, position) = donation_flow::checkout(
        &flows,
        conf.id,
        id,
        NewDonation {
            donation,
            customer_email: Some(body.donor_email.trim().to_string()),
        },
        urls,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(DonationCheckoutStarted {
            id,
            session_id: session.id,
            url: session.url,
            position,
        }),
    ))
}

/// Refunds a donation: it no longer counts (MY-29).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/donations/{donation}/refund", tag = "sponsorships",
    params(("slug" = String, Path), ("donation" = Uuid, Path)),
    responses((status = 200, body = FundraisingSaved), (status = 404, body = Problem)))]
async fn refund_donation(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, id)): Path<(String, Uuid)>,
) -> ApiResult<Json<FundraisingSaved>> {
    let conf = app.gate(&slug, DONATIONS).await?;
    let position = send(
        &app,
        &meta,
        &conf,
        FundraisingCommand::RefundDonation { id },
    )
    .await?;
    Ok(Json(FundraisingSaved {
        id: Some(id),
        position,
    }))
}

/// One conference's rows: tiers, deals, donations (the JSON handlers and the
/// sponsorships dashboard).
pub(crate) async fn rows(
    app: &AppState,
    conference: uuid::Uuid,
) -> ApiResult<(Vec<TierRow>, Vec<DealRow>, Vec<DonationRow>)> {
    let (mut tiers, mut deals, mut donations) = (vec![], vec![], vec![]);
    for p in prefix(fundraising_id(conference)) {
        for (_, doc) in storage::live_rows_with_prefix(&app.db, FundraisingView::NAME, &p).await? {
            match serde_json::from_str(&doc)? {
                FundraisingRow::Tier(t) => tiers.push(t),
                FundraisingRow::Deal(d) => deals.push(d),
                FundraisingRow::Donation(d) => donations.push(d),
            }
        }
    }
    Ok((tiers, deals, donations))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierView {
    pub slug: String,
    pub name: String,
    #[schema(value_type = String)]
    pub price: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DealView {
    pub id: Uuid,
    pub organisation: String,
    pub contact_email: String,
    pub tier: Option<String>,
    /// The deal's own amount, else its tier's price (MY-5).
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String)]
    pub status: DealStatus,
    pub notes: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of the year's deals (oldest first) with the year's tiers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pipeline {
    /// A page of the deals, like every list.
    pub items: Vec<DealView>,
    /// Send as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// How many deals the year has, on the first page.
    pub total: Option<i64>,
    /// Every tier of the year.
    pub tiers: Vec<TierView>,
}

/// A sponsor this year has a commitment from, as its volunteers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommittedSponsor {
    pub organisation: String,
    /// The tier's name, when the deal has one.
    pub tier: Option<String>,
    /// accepted, approved, agreement_sent, agreement_signed, invoiced or paid.
    #[schema(value_type = String)]
    pub status: DealStatus,
}

/// This year's committed sponsors (accepted … paid), by organisation: for the
/// year's approved volunteers and its staff (MY-5: a volunteer of another year
/// gets 403). No amounts and no contacts.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsorships/committed", tag = "sponsorships",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<CommittedSponsor>), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn committed_sponsors(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<CommittedSponsor>>> {
    let conf = app.gate(&slug, PIPELINE).await?;
    let (tiers, deals, _) = rows(&app, conf.id).await?;
    let tier_name = |t: &Option<String>| {
        t.as_ref()
            .and_then(|t| tiers.iter().find(|x| x.slug == *t))
            .map(|x| x.tier.name.clone())
    };
    let committed: Vec<(String, String, CommittedSponsor)> = deals
        .into_iter()
        .filter(|d| d.status.is_committed())
        .map(|d| {
            let item = CommittedSponsor {
                tier: tier_name(&d.deal.tier),
                organisation: d.deal.organisation,
                status: d.status,
            };
            (item.organisation.clone(), d.id.to_string(), item)
        })
        .collect();
    Ok(Json(page_in_memory(
        &paging,
        "organisation",
        false,
        committed,
    )?))
}

/// A deal's contact e-mail as read: plain (written before sealing), opened, or
/// "erased".
async fn open_contact(personal: &PersonalData, deal: &Deal) -> ApiResult<String> {
    match (&deal.sealed_contact_email, deal.contact) {
        (Some(sealed), Some(person)) => Ok(personal.read(person, "", Some(sealed)).await?),
        _ => Ok(deal.contact_email.clone()),
    }
}

/// This year's tiers and deals, oldest deal first; the deals paged (`limit`,
/// `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsorships/deals", tag = "sponsorships",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Pipeline), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn list_pipeline(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Pipeline>> {
    let conf = app.gate(&slug, PIPELINE).await?;
    let (tiers, deals, _) = rows(&app, conf.id).await?;
    let price = |t: &Option<String>| {
        t.as_ref()
            .and_then(|t| tiers.iter().find(|x| x.slug == *t))
            .map(|x| x.tier.price)
    };
    let deals = deals
        .into_iter()
        .map(|d| (time_sort(&d.opened_at), d.id.to_string(), d))
        .collect();
    let page = page_in_memory(&paging, "opened_at", false, deals)?;
    // Only the page's contacts are opened.
    let mut items: Vec<DealView> = Vec::with_capacity(page.items.len());
    for d in page.items {
        let contact_email = open_contact(&app.personal, &d.deal).await?;
        items.push(DealView {
            amount: d.deal.amount_with(price(&d.deal.tier)),
            id: d.id,
            organisation: d.deal.organisation,
            contact_email,
            tier: d.deal.tier,
            status: d.status,
            notes: d.deal.notes,
            opened_at: d.opened_at,
            updated_at: d.updated_at,
        });
    }
    let tiers = tiers
        .into_iter()
        .map(|t| TierView {
            slug: t.slug,
            name: t.tier.name,
            price: t.tier.price,
        })
        .collect();
    Ok(Json(Pipeline {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
        tiers,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DonationView {
    pub id: Uuid,
    /// "erased" once the donor was erased.
    pub donor_name: String,
    pub donor_email: String,
    /// The donor's message (Checkout donations).
    pub message: String,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub transaction_date: NaiveDate,
    pub refunded: bool,
    /// paid, pending (a Checkout Session not paid yet), failed (it expired) or
    /// refunded. Only paid donations count.
    #[schema(value_type = String)]
    pub status: DonationStatus,
    pub recorded_at: DateTime<Utc>,
}

/// A donation's donor values as read: plain (written before sealing), opened,
/// or "erased".
pub(crate) async fn open_donor(
    personal: &PersonalData,
    d: &Donation,
) -> ApiResult<(String, String, String)> {
    let Some(s) = &d.sealed else {
        return Ok((d.donor_name.clone(), d.donor_email.clone(), String::new()));
    };
    let person = d.person();
    Ok((
        personal.read(person, "", s.name.as_ref()).await?,
        personal.read(person, "", s.email.as_ref()).await?,
        personal.read(person, "", s.message.as_ref()).await?,
    ))
}

/// This year's donations, newest first (MY-29); paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/donations", tag = "sponsorships",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<DonationView>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn list_donations(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<DonationView>>> {
    let conf = app.gate(&slug, DONATIONS).await?;
    let (_, _, donations) = rows(&app, conf.id).await?;
    let mut items = Vec::with_capacity(donations.len());
    for d in donations {
        let (donor_name, donor_email, message) = open_donor(&app.personal, &d.donation).await?;
        let view = DonationView {
            id: d.id,
            donor_name,
            donor_email,
            message,
            amount: d.donation.amount,
            transaction_date: d.donation.transaction_date,
            refunded: d.refunded,
            status: d.status,
            recorded_at: d.recorded_at,
        };
        let sort = format!("{}|{}", view.transaction_date, time_sort(&view.recorded_at));
        items.push((sort, view.id.to_string(), view));
    }
    Ok(Json(page_in_memory(&paging, "date", true, items)?))
}

/// Sponsorship and donation figures of this year, with progress toward the
/// conference's `sponsorship_goal` and `donation_goal` (MY-3/5/29).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sponsorships/summary", tag = "sponsorships",
    params(("slug" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn fundraising_summary(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<FundraisingSummary>> {
    let conf = app.gate(&slug, &[]).await?;
    Ok(Json(summary_of(&app, conf.id).await?))
}

/// The summary of one conference (the JSON handler and the sponsorships dashboard).
pub(crate) async fn summary_of(app: &AppState, conference: Uuid) -> ApiResult<FundraisingSummary> {
    let (tiers, deals, donations) = rows(app, conference).await?;
    let goals = match storage::live_row(
        &app.db,
        ConferenceCatalog::NAME,
        &conference_key(conference),
    )
    .await?
    {
        Some(doc) => match serde_json::from_str::<CatalogRow>(&doc)? {
            CatalogRow::Conference(c) => (c.details.sponsorship_goal, c.details.donation_goal),
            _ => (Decimal::ZERO, Decimal::ZERO),
        },
        None => (Decimal::ZERO, Decimal::ZERO),
    };
    Ok(summary(&tiers, &deals, &donations, goals.0, goals.1))
}
