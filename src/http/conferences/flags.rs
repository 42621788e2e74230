//! Feature overrides of a conference (CONF-20…27). Not gated on manage_ui: an
//! organizer who switched manage_ui off must be able to switch it back on.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{self, Conference, ConferenceCommand};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::AppState;
use crate::features::{self, Feature, FeatureOverridesExt};
use crate::http::access::{Group, ORGANIZER, ORGANIZER_READ};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta};

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new().routes(routes!(set_features)),
        ),
        (
            ORGANIZER_READ,
            OpenApiRouter::new().routes(routes!(get_features)),
        ),
    ]
}

/// The feature flags of a conference, by feature name (CONF-20).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeaturesView {
    /// The conference's overrides: null = inherit (CONF-22).
    pub overrides: BTreeMap<String, Option<bool>>,
    /// The global defaults (CONF-21).
    pub defaults: BTreeMap<String, bool>,
    /// What applies to this conference (CONF-23…26).
    pub resolved: BTreeMap<String, bool>,
    /// Set by PUT: send it as `X-Tessera-After` to read the change back.
    pub position: Option<i64>,
}

fn features_view(
    app: &AppState,
    o: &conference::FeatureOverrides,
    position: Option<i64>,
) -> FeaturesView {
    let flags = *o;
    let defaults = app.config.features;
    let name = |f: Feature| f.as_str().to_string();
    FeaturesView {
        overrides: Feature::ALL
            .into_iter()
            .map(|f| (name(f), flags.get(f)))
            .collect(),
        defaults: Feature::ALL
            .into_iter()
            .map(|f| (name(f), defaults.get(f)))
            .collect(),
        resolved: Feature::ALL
            .into_iter()
            .map(|f| (name(f), features::is_enabled(f, &defaults, Some(&flags))))
            .collect(),
        position,
    }
}

/// The conference's feature overrides and what they resolve to (not gated).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/features", tag = "conferences",
    params(("slug" = String, Path)),
    responses((status = 200, body = FeaturesView), (status = 404, body = Problem)))]
async fn get_features(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<FeaturesView>> {
    let conf = app.conference(&slug).await?;
    Ok(Json(features_view(&app, &conf.overrides, None)))
}

/// Feature names to `true` (force on), `false` (force off) or `null` (inherit).
/// Absent features keep their override.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FeaturesBody {
    pub registration: Option<bool>,
    pub sponsors: Option<bool>,
    pub travel_grants: Option<bool>,
    pub programs: Option<bool>,
    pub pretalx_sync: Option<bool>,
    pub visa_letters: Option<bool>,
    pub public_ui: Option<bool>,
    pub manage_ui: Option<bool>,
    pub all_ui: Option<bool>,
}

/// Sets feature overrides (CONF-22). Not gated on manage_ui, so it can always be
/// switched back on. An unknown name is refused (CONF-20).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/features", tag = "conferences",
    params(("slug" = String, Path)), request_body = FeaturesBody,
    responses((status = 200, body = FeaturesView), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "conf.unknown_feature")))]
async fn set_features(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<BTreeMap<String, Option<bool>>>,
) -> ApiResult<Json<FeaturesView>> {
    let conf = app.conference(&slug).await?;
    let mut flags = conf.overrides;
    for (name, value) in body {
        let feature = Feature::from_str(&name).map_err(ApiError::from)?;
        flags.set(feature, value);
    }
    let overrides = flags;
    let sent = app
        .bus
        .send(
            &Conference::stream(conf.id),
            ConferenceCommand::SetFeatureOverrides { overrides },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(features_view(&app, &overrides, sent.position)))
}
