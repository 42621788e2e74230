//! Who may call what. Every route is registered in exactly one access group; the
//! group's guard runs before the handler, and the same table drives the test that
//! walks every route with every role.

use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tessera_aggregates::conference::Role;
use tessera_aggregates::volunteer::{Volunteer, volunteer_id};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::app::{AppState, conference_id};
use crate::http::caller::caller_of;
use crate::http::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (a bad token is still refused).
    Public,
    /// Any signed-in user.
    Authenticated,
    /// A global admin.
    Admin,
    /// A global admin, or a holder of one of these roles in the `{slug}` conference.
    Staff(&'static [Role]),
    /// Signed in; the handler checks conference roles or the activity's organizer
    /// list (ACT-10).
    ActivityOrganizer,
    /// Signed in; the handler finds the caller's sponsor (SPONSOR-30: the contact
    /// e-mail of an active sponsor, or staff for the first active sponsor) and
    /// refuses 403 when there is none.
    SponsorContact,
    /// A global admin, an organizer of the `{slug}` conference, or a volunteer
    /// approved for that conference year (MY-5: approval is per year).
    Volunteer,
}

pub const ORGANIZER: Access = Access::Staff(&[Role::Organizer]);
/// Organizers' reads, open to the conference's auditors too.
pub const ORGANIZER_READ: Access = Access::Staff(&[Role::Organizer, Role::Auditor]);
/// Organizers' and finance staff's reads, open to auditors too.
pub const FINANCE_READ: Access = Access::Staff(&[Role::Organizer, Role::Finance, Role::Auditor]);
/// Check-in staff's and organizers' reads, open to auditors too.
pub const CHECKIN_READ: Access = Access::Staff(&[Role::Checkin, Role::Organizer, Role::Auditor]);
/// The conference's history and exports: its auditors (and global admins).
pub const AUDIT: Access = Access::Staff(&[Role::Auditor]);

/// A group of routes sharing one access rule.
pub type Group = (Access, OpenApiRouter<AppState>);

pub(crate) async fn check(
    app: &AppState,
    access: Access,
    parts: &mut axum::http::request::Parts,
) -> Result<(), ApiError> {
    let caller = caller_of(parts, app).await?;
    match access {
        Access::Public => Ok(()),
        Access::Authenticated | Access::ActivityOrganizer | Access::SponsorContact => {
            caller.map(|_| ()).ok_or_else(ApiError::unauthorized)
        }
        Access::Admin => match caller {
            None => Err(ApiError::unauthorized()),
            Some(c) if c.is_admin => Ok(()),
            Some(_) => Err(ApiError::forbidden()),
        },
        Access::Staff(roles) => {
            let caller = caller.ok_or_else(ApiError::unauthorized)?;
            if caller.is_admin {
                return Ok(());
            }
            let slug = slug_of(app, parts).await?;
            let held = app.roles_in(conference_id(&slug), caller.id).await?;
            if held.iter().any(|r| roles.contains(r)) {
                Ok(())
            } else {
                Err(ApiError::forbidden())
            }
        }
        Access::Volunteer => {
            let caller = caller.ok_or_else(ApiError::unauthorized)?;
            if caller.is_admin {
                return Ok(());
            }
            let conference = conference_id(&slug_of(app, parts).await?);
            if app
                .roles_in(conference, caller.id)
                .await?
                .contains(&Role::Organizer)
            {
                return Ok(());
            }
            let approved = app
                .bus
                .inspect(
                    &Volunteer::stream(volunteer_id(conference, caller.id)),
                    |v| v.is_approved(),
                )
                .await?;
            if approved {
                Ok(())
            } else {
                Err(ApiError::forbidden())
            }
        }
    }
}

/// The `{slug}` path parameter (a route without one refuses).
async fn slug_of(
    app: &AppState,
    parts: &mut axum::http::request::Parts,
) -> Result<String, ApiError> {
    let params = RawPathParams::from_request_parts(parts, app)
        .await
        .map_err(|_| ApiError::forbidden())?;
    params
        .iter()
        .find(|(k, _)| *k == "slug")
        .map(|(_, v)| v.to_string())
        .ok_or_else(ApiError::forbidden)
}

async fn enforce(
    State((app, access)): State<(AppState, Access)>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    match check(&app, access, &mut parts).await {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => e.into_response(),
    }
}

/// Puts each group behind its guard and merges them, with their OpenAPI paths.
pub fn guarded(state: &AppState, groups: Vec<Group>) -> OpenApiRouter<AppState> {
    groups
        .into_iter()
        .fold(OpenApiRouter::new(), |all, (access, routes)| {
            all.merge(routes.route_layer(axum::middleware::from_fn_with_state(
                (state.clone(), access),
                enforce,
            )))
        })
}

/// `(method, path, access)` of every route in `groups`.
pub fn table(groups: Vec<Group>) -> Vec<(Method, String, Access)> {
    let mut out = vec![];
    for (access, routes) in groups {
        let api: OpenApi = routes.into_openapi();
        for (path, item) in api.paths.paths {
            let ops = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, present) in ops {
                if present {
                    out.push((method, path.clone(), access));
                }
            }
        }
    }
    out
}
