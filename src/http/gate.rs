//! The questions every handler asks of the service state: who is calling, which
//! conference, is the feature on, which roles does the caller hold.

use tessera_aggregates::conference::{Conference, Role};
use tessera_aggregates::user::User;
use uuid::Uuid;

use crate::app::{App, CALLER_MAX_AGE, Caller, ConferenceRef, conference_id};
use crate::features::{self, Feature};
use crate::http::error::{ApiError, ApiResult};

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
        let user = self
            .bus
            .peek_within(&User::stream(id), CALLER_MAX_AGE, |u| {
                u.accepts_session(claims.epoch, &claims.id).then(|| {
                    (
                        u.email().to_string(),
                        u.name().to_string(),
                        u.sealed().cloned(),
                        u.is_admin(),
                    )
                })
            })
            .await
            .map_err(ApiError::from)?;
        let (email, name, sealed, is_admin) = user.ok_or_else(ApiError::unauthorized)?;
        // An erased user's tokens speak for nobody.
        let (email, name) = self
            .personal
            .open_user(id, &email, &name, sealed.as_ref())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Caller {
            id,
            email,
            name,
            is_admin,
        })
    }

    /// The conference named by `slug`, or 404.
    pub async fn conference(&self, slug: &str) -> ApiResult<ConferenceRef> {
        let id = conference_id(slug);
        let found = self
            .bus
            .peek(&Conference::stream(id), |c| {
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
            .peek(&Conference::stream(conference), |c| c.roles_of(&user))
            .await
            .map_err(ApiError::from)
    }
}
