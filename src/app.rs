//! The service's shared state: the command bus, the read side, the process
//! managers, configuration and the outside services. The questions every handler
//! asks of it (who is calling, which conference, is the feature on) are answered at
//! the edge (`src/http/gate.rs`).

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tessera_replay::{Db, RunnerHandle};
use uuid::Uuid;

use crate::bus::CommandBus;
use crate::config::Config;
use crate::identity::TokenSigner;
use crate::identity::throttle::LoginThrottle;

pub type AppState = Arc<App>;

pub struct App {
    pub db: Db,
    pub bus: Arc<CommandBus>,
    pub runner: RunnerHandle,
    /// The process managers (order paid → attendee, …).
    pub reactor: crate::reactor::ReactorHandle,
    /// The stored statistics model's position (one stats row per conference).
    pub stats: tessera_replay::stats_model::StatsHandle,
    /// Which background jobs this instance leads (src/scale.rs).
    pub leadership: tessera_replay::leader::Leadership,
    pub config: Config,
    pub tokens: TokenSigner,
    /// Seals and opens personal data; erases people (src/personal).
    pub personal: Arc<crate::personal::PersonalData>,
    /// The content-addressed store of uploaded files (`[files] root`).
    pub files: crate::personal::store::FileStore,
    /// Login attempts per account and per client address (counted in the
    /// database, shared by every instance).
    pub logins: LoginThrottle,
    /// Password reset requests per account and per client address.
    pub resets: LoginThrottle,
    /// The outbox and its sender (src/notifications).
    pub notifications: crate::notifications::NotificationsHandle,
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

pub use crate::features::ConferenceRef;
pub use crate::ids::{conference_id, inventory_id, order_id, series_id, user_id};

/// How long a read waits for the projections to reach a position it asked for.
pub const READ_WAIT: Duration = Duration::from_secs(10);

/// How stale the user record behind a bearer token may be when another instance
/// changed it (an admin flag revoked, a token signed out, every session revoked).
/// This instance's own changes show at once.
pub const CALLER_MAX_AGE: Duration = Duration::from_secs(5);

impl App {
    /// What the flows work with (src/process).
    pub fn flows(&self) -> crate::process::Context<'_> {
        crate::process::Context {
            bus: &self.bus,
            gateway: self.gateway.as_ref(),
            faults: &self.faults,
            config: &self.config,
        }
    }

    /// What the flows over stored files and read models work with (src/process).
    pub fn records(&self) -> crate::process::Records {
        crate::process::Records {
            db: self.db.clone(),
            bus: self.bus.clone(),
            personal: self.personal.clone(),
            files: self.files.clone(),
        }
    }

    /// Waits until the projections reached `position` (a command's answer).
    pub async fn wait_for(&self, position: Option<i64>) {
        if let Some(p) = position {
            self.runner.wait_for(p, READ_WAIT).await;
        }
    }
}
