//! The service's shared state and the questions every handler asks of it: who is
//! calling, which conference, is the feature on.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tessera_aggregates::conference::{Conference, FeatureOverrides, Role};
use tessera_aggregates::natural_id;
use tessera_aggregates::user::User;
use tessera_replay::{Db, RunnerHandle};
use uuid::Uuid;

use crate::bus::CommandBus;
use crate::config::Config;
use crate::features::{self, Feature};
use crate::http::error::{ApiError, ApiResult};
use crate::identity::TokenSigner;
use crate::identity::throttle::LoginThrottle;

pub type AppState = Arc<App>;

pub struct App {
    pub db: Db,
    pub bus: Arc<CommandBus>,
    pub runner: RunnerHandle,
    /// The process managers (order paid → attendee, …).
    pub reactor: crate::reactor::ReactorHandle,
    pub config: Config,
    pub tokens: TokenSigner,
    /// Login attempts per account and per client address (this process's counts).
    pub logins: LoginThrottle,
    pub metrics: Option<PrometheusHandle>,
    /// Stripe (PAY-4): None when no secret key is configured.
    pub gateway: Option<crate::stripe::SharedGateway>,
    /// Test-only crash points in checkout and refunds (unarmed by default); shared
    /// with the process managers.
    pub faults: Arc<crate::process::Faults>,
    /// Card refunds this process's refund endpoint is running: the process managers
    /// wait for them (src/process/refunds.rs).
    pub refunds_in_flight: Arc<crate::process::refunds::InFlight>,
}

/// A signed-in user, as resolved from a bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
}

/// A conference that exists, with what handlers need to know about it.
#[derive(Debug, Clone)]
pub struct ConferenceRef {
    pub id: Uuid,
    pub slug: String,
    pub overrides: FeatureOverrides,
}

pub fn conference_id(slug: &str) -> Uuid {
    natural_id("conference", slug)
}

pub fn series_id(slug: &str) -> Uuid {
    natural_id("series", slug)
}

pub fn inventory_id(conference: Uuid) -> Uuid {
    natural_id("inventory", &conference.to_string())
}

/// An order's stream id comes from its reference (unique, AMB-3), so an order is
/// found by reference without an index.
pub fn order_id(reference: &str) -> Uuid {
    natural_id("order", reference)
}

pub fn user_id(email: &str) -> Uuid {
    natural_id("user", &email.trim().to_lowercase())
}

/// How long a read waits for the projections to reach a position it asked for.
pub const READ_WAIT: Duration = Duration::from_secs(10);

/// How stale the user record behind a bearer token may be when another instance
/// changed it (an admin flag revoked, a token signed out, every session revoked).
/// This instance's own changes show at once.
pub const CALLER_MAX_AGE: Duration = Duration::from_secs(5);

impl App {
    /// The user a bearer token speaks for. A bad token is refused, never treated as
    /// anonymous.
    pub async fn caller_from_token(&self, token: &str) -> ApiResult<Caller> {
        let now = self.bus.services().now();
        let claims = self
            .tokens
            .verify(token, now)
            .ok_or_else(ApiError::unauthorized)?;
        let id = claims.user;
        // The token is signed; the user record says whether its session is still
        // open (not signed out, not revoked) and adds name, email and the admin
        // flag. A change made by this process shows at once (it updates the cache);
        // one made by another instance within CALLER_MAX_AGE.
        let caller = self
            .bus
            .peek_within::<User, _>(&id.to_string(), CALLER_MAX_AGE, |u| {
                u.accepts_session(claims.epoch, &claims.id).then(|| Caller {
                    id,
                    email: u.email().to_string(),
                    name: u.name().to_string(),
                    is_admin: u.is_admin(),
                })
            })
            .await
            .map_err(ApiError::from)?;
        caller.ok_or_else(ApiError::unauthorized)
    }

    /// The conference named by `slug`, or 404.
    pub async fn conference(&self, slug: &str) -> ApiResult<ConferenceRef> {
        let id = conference_id(slug);
        let found = self
            .bus
            .peek::<Conference, _>(&id.to_string(), |c| {
                c.exists().then(|| *c.feature_overrides())
            })
            .await
            .map_err(ApiError::from)?;
        let overrides = found.ok_or_else(|| ApiError::not_found("Conference"))?;
        Ok(ConferenceRef {
            id,
            slug: slug.to_string(),
            overrides,
        })
    }

    /// The conference, only if every feature is enabled for it (CONF-28: "not
    /// found" otherwise).
    pub async fn gate(&self, slug: &str, needs: &[Feature]) -> ApiResult<ConferenceRef> {
        let conference = self.conference(slug).await?;
        if !features::all_enabled(needs, &self.config.features, Some(&conference.overrides)) {
            return Err(ApiError::not_found("Conference"));
        }
        Ok(conference)
    }

    /// The caller's roles in a conference.
    pub async fn roles_in(&self, conference: Uuid, user: Uuid) -> ApiResult<Vec<Role>> {
        self.bus
            .peek::<Conference, _>(&conference.to_string(), |c| c.roles_of(&user))
            .await
            .map_err(ApiError::from)
    }

    /// Waits until the projections reached `position` (a command's answer).
    pub async fn wait_for(&self, position: Option<i64>) {
        if let Some(p) = position {
            self.runner.wait_for(p, READ_WAIT).await;
        }
    }
}
