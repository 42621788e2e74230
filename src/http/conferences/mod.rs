//! Series and conferences (CONF-1…14, MY-1…4, AMB-29): admin
//! creation and activation, organizer settings, public catalog reads.

mod admin;
mod flags;
mod manage;
mod products;
pub(crate) mod public;
mod roles;

use axum::Json;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::ConferenceError;
use tessera_aggregates::conference::{ConferenceDetails, DetailsPatch};
use tessera_aggregates::money::{Money, MoneyError};
use tessera_aggregates::{PartSlug, is_valid_slug};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::bootstrap::slugify;
use crate::features::Feature;
use crate::http::access::Group;
use crate::http::error::{ApiError, ApiResult};

pub use admin::{ConferenceCreated, NewConference, NewSeries};
pub use flags::{FeaturesBody, FeaturesView};
pub use manage::{
    ConferencePatch, KpiBody, KpiView, RoleHolder, SectionBody, SettingsView, SponsorLevelBody,
};
pub use products::{AddonBody, TicketTypeBody};
pub use public::{ConferenceSummary, ConferenceView, PublicDetails};
pub use roles::{RoleBody, RoleChanged};

pub fn groups() -> Vec<Group> {
    let mut groups = admin::groups();
    groups.extend(public::groups());
    groups.extend(manage::groups());
    groups.extend(flags::groups());
    groups.extend(roles::groups());
    groups.extend(products::groups());
    groups
}

/// AMB-17: the organizer endpoints need manage_ui.
pub(crate) const MANAGE: &[Feature] = &[Feature::ManageUi];

/// Something created or changed: send `position` as `X-Tessera-After` to read it back.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
    pub slug: String,
    pub position: Option<i64>,
}

/// A conference part (section, product, sponsor level) created or updated.
#[derive(Debug, Serialize, ToSchema)]
pub struct Saved {
    pub slug: String,
    /// False when an existing one (same slug) was updated.
    pub created: bool,
    pub position: Option<i64>,
}

/// `Option<Option<T>>` for PATCH-like bodies: absent = keep, null = clear, value =
/// set (the domain's edits read them the same way).
pub(crate) use tessera_aggregates::nullable;

/// Money is a decimal with at most 2 fractional digits (SPEC "How to read").
pub(crate) fn check_money(field: &str, value: Option<Decimal>) -> ApiResult<()> {
    match value.map(Money::new) {
        Some(Err(MoneyError::Format)) => Err(ConferenceError::TooPrecise(field.to_string()).into()),
        _ => Ok(()),
    }
}

/// CONF-1: an IANA time zone name.
pub(crate) fn check_timezone(tz: &str) -> ApiResult<()> {
    tz.parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| ConferenceError::InvalidTimezone.into())
}

pub(crate) fn invalid_slug() -> ApiError {
    ConferenceError::InvalidSlug.into()
}

/// The part (section, product, sponsor level) a save addresses: the slug the client
/// sent, checked; or, without one, a new part whose slug is CONF-10's
/// slugify(name) (`fallback` when that is empty), which the aggregate suffixes
/// "-2", "-3", … until unique when it decides.
pub(crate) fn part_slug(given: Option<String>, name: &str, fallback: &str) -> ApiResult<PartSlug> {
    let (slug, part) = match given {
        Some(s) => (s.clone(), PartSlug::Given(s)),
        None => {
            let base = match slugify(name) {
                s if s.is_empty() => fallback.to_string(),
                s => s,
            };
            (base.clone(), PartSlug::New { base })
        }
    };
    if is_valid_slug(&slug) {
        Ok(part)
    } else {
        Err(invalid_slug())
    }
}

/// The answer to a save, from the event the aggregate decided: the slug it wrote
/// and whether that part is new (`written`); no event = the addressed part, which
/// already was as asked.
pub(crate) fn saved(
    part: PartSlug,
    written: Option<(String, bool)>,
    position: Option<i64>,
) -> (StatusCode, Json<Saved>) {
    let (slug, created) = written.unwrap_or(match part {
        PartSlug::Given(slug) => (slug, false),
        // Unreachable: a new part always has an event.
        PartSlug::New { base } => (base, false),
    });
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(Saved {
            slug,
            created,
            position,
        }),
    )
}

/// The conference fields every body may set; absent fields keep their value.
/// Shared by `POST /conferences` and `PATCH /conferences/{slug}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConferenceOptions {
    /// An IANA name; default "UTC" (CONF-1).
    #[schema(max_length = 64)]
    pub timezone: Option<String>,
    #[schema(max_length = 200)]
    pub venue: Option<String>,
    #[schema(max_length = 5000)]
    pub address: Option<String>,
    #[schema(max_length = 2000)]
    pub website_url: Option<String>,
    #[schema(max_length = 100)]
    pub pretalx_event_slug: Option<String>,
    /// 0 = no global ticket cap (CONF-4).
    pub total_capacity: Option<u32>,
    /// CONF-5; null clears.
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub revenue_budget: Option<Option<Decimal>>,
    /// CONF-5; null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>)]
    pub target_attendance: Option<Option<u32>>,
    /// CONF-5; null clears.
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub grant_budget: Option<Option<Decimal>>,
    /// MY-3 (default 0).
    #[serde(
        default,
        deserialize_with = "tessera_aggregates::money::optional_decimal"
    )]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub sponsorship_goal: Option<Decimal>,
    /// MY-3 (default 0).
    #[serde(
        default,
        deserialize_with = "tessera_aggregates::money::optional_decimal"
    )]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub donation_goal: Option<Decimal>,
    pub proposals_count: Option<u32>,
    /// At most 255 characters (MY-3).
    #[schema(max_length = 255)]
    pub banner_text: Option<String>,
    pub volunteer_application_open: Option<bool>,
    pub sponsorship_open: Option<bool>,
    /// Default true (MY-3).
    pub accepting_donations: Option<bool>,
}

impl ConferenceOptions {
    /// Checks what the domain does not (IANA zone, cents): the fields present, as a
    /// change of the details.
    pub(crate) fn into_patch(self) -> ApiResult<DetailsPatch> {
        if let Some(tz) = &self.timezone {
            check_timezone(tz)?;
        }
        check_money("revenue_budget", self.revenue_budget.flatten())?;
        check_money("grant_budget", self.grant_budget.flatten())?;
        check_money("sponsorship_goal", self.sponsorship_goal)?;
        check_money("donation_goal", self.donation_goal)?;
        Ok(DetailsPatch {
            name: None,
            start_date: None,
            end_date: None,
            timezone: self.timezone,
            venue: self.venue,
            address: self.address,
            website_url: self.website_url,
            pretalx_event_slug: self.pretalx_event_slug,
            total_capacity: self.total_capacity,
            revenue_budget: self.revenue_budget,
            target_attendance: self.target_attendance,
            grant_budget: self.grant_budget,
            sponsorship_goal: self.sponsorship_goal,
            donation_goal: self.donation_goal,
            proposals_count: self.proposals_count,
            banner_text: self.banner_text,
            volunteer_application_open: self.volunteer_application_open,
            sponsorship_open: self.sponsorship_open,
            accepting_donations: self.accepting_donations,
        })
    }

    /// Checks as above and writes the present fields into `d` (a new conference's
    /// details).
    pub(crate) fn apply(self, d: &mut ConferenceDetails) -> ApiResult<()> {
        self.into_patch()?.apply_to(d);
        Ok(())
    }
}
