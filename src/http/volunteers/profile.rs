//! The global profile (MY-9) and the one-time code-of-conduct / terms acceptance
//! (MY-10): the same in every conference year.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::profile::{PortalProfile, Profile, ProfileCommand};
use tessera_projections::Projection;
use tessera_projections::volunteers::{VolunteerRow, Volunteers, profile_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::SocialBody;
use crate::app::AppState;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Authenticated,
        OpenApiRouter::new()
            .routes(routes!(my_profile, save_profile))
            .routes(routes!(accept_terms)),
    )]
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ProfileBody {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub pronouns: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub chapter: String,
    #[serde(default)]
    #[schema(value_type = Vec<crate::http::input::SlugString>)]
    pub languages: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub region: String,
    #[serde(default)]
    pub social: SocialBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    #[serde(flatten)]
    pub profile: ProfileBody,
    /// MY-10: when the code of conduct and terms were accepted; null = never.
    pub terms_accepted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileSaved {
    pub position: Option<i64>,
}

/// The caller's profile, shared by every year (MY-9).
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "volunteers",
    responses((status = 200, body = ProfileView)))]
async fn my_profile(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    _after: After,
) -> ApiResult<Json<ProfileView>> {
    let doc = storage::live_row(&app.db, Volunteers::NAME, &profile_key(user.id)).await?;
    let row = match doc
        .map(|d| serde_json::from_str::<VolunteerRow>(&d))
        .transpose()?
    {
        Some(VolunteerRow::Profile(p)) => p,
        _ => Default::default(),
    };
    let p: PortalProfile =
        super::sealing::open_json(&app, user.id, row.sealed.as_ref(), row.profile).await?;
    Ok(Json(ProfileView {
        profile: ProfileBody {
            pronouns: p.pronouns,
            chapter: p.chapter,
            languages: p.languages,
            region: p.region,
            social: p.social.into(),
        },
        terms_accepted_at: row.terms_accepted_at,
    }))
}

/// Replaces the caller's profile (MY-9).
#[utoipa::path(put, path = "/api/v1/me/profile", tag = "volunteers", request_body = ProfileBody,
    responses((status = 200, body = ProfileSaved), (status = 422, body = Problem)))]
async fn save_profile(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<ProfileSaved>> {
    let profile = PortalProfile {
        pronouns: body.pronouns,
        chapter: body.chapter,
        languages: body.languages,
        region: body.region,
        social: body.social.into(),
    };
    let sealed = super::sealing::seal_json(&app, user.id, &profile).await?;
    let sent = app
        .bus
        .send(
            &Profile::stream(tessera_aggregates::profile::stream_id(user.id)),
            ProfileCommand::Save {
                user: user.id,
                profile: Box::new(profile),
                sealed: Some(sealed),
            },
            &meta.for_conf(None),
        )
        .await?;
    Ok(Json(ProfileSaved {
        position: sent.position,
    }))
}

/// Accepts the code of conduct and the terms, once for every year (MY-10); again
/// changes nothing.
#[utoipa::path(post, path = "/api/v1/me/terms", tag = "volunteers",
    responses((status = 200, body = ProfileSaved)))]
async fn accept_terms(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
) -> ApiResult<Json<ProfileSaved>> {
    let sent = app
        .bus
        .send(
            &Profile::stream(tessera_aggregates::profile::stream_id(user.id)),
            ProfileCommand::AcceptTerms { user: user.id },
            &meta.for_conf(None),
        )
        .await?;
    Ok(Json(ProfileSaved {
        position: sent.position,
    }))
}
