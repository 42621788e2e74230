//! Travel grants (SPEC GRANT-*): the applicant's own application, the reviewers'
//! and finance staff's actions, and the conference's grant budget (ANA-15/33).
//!
//! Access: applicants are signed-in users acting on their own grant (the stream
//! id is derived from the caller, GRANT-1); reviewers review and message; finance
//! staff disburse; organizers, reviewers, finance staff and auditors read.

mod applicant;
mod bodies;
mod payment;
mod receipts;
mod staff;

pub(crate) use staff::budget_summary;

use axum::Json;
use axum::extract::DefaultBodyLimit;
use serde::Serialize;
use tessera_aggregates::conference::Role;
use tessera_projections::Projection;
use tessera_projections::travel_grants::{GRANTS_PREFIX, GrantRow, TravelGrants, grant_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::features::Feature;
use crate::http::access::{Access, FINANCE_READ, Group};
use crate::http::error::ApiResult;

/// CONF-29: the applicant's pages need travel_grants + public_ui.
const PUBLIC: &[Feature] = &[Feature::TravelGrants, Feature::PublicUi];
/// AMB-17: staff pages need travel_grants + manage_ui.
pub(crate) const MANAGE: &[Feature] = &[Feature::TravelGrants, Feature::ManageUi];

/// GRANT-11 review_travel_grant: reviewers (and global admins).
const REVIEWER: Access = Access::Staff(&[Role::Reviewer]);
/// GRANT-11 disburse_travel_grant: finance staff (and global admins).
const FINANCE: Access = Access::Staff(&[Role::Finance]);
/// GRANT-11 view_travel_grant: everyone who works on grants, and auditors.
const GRANT_READ: Access = Access::Staff(&[
    Role::Organizer,
    Role::Reviewer,
    Role::Finance,
    Role::Auditor,
]);

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Authenticated,
            OpenApiRouter::new()
                .routes(routes!(applicant::apply))
                .routes(routes!(applicant::mine, applicant::edit))
                .routes(routes!(applicant::withdraw))
                .routes(routes!(applicant::accept))
                .routes(routes!(applicant::decline))
                .routes(routes!(applicant::provide_info))
                .routes(routes!(applicant::message))
                .routes(routes!(applicant::payment_info))
                .routes(routes!(receipts::delete))
                .routes(routes!(receipts::my_file)),
        ),
        (
            Access::Authenticated,
            // GRANT-31: a 10 MiB file, base64 in JSON, exceeds the API's body
            // limit; this route alone takes up to `MAX_UPLOAD_BODY`.
            OpenApiRouter::new()
                .routes(routes!(receipts::upload, receipts::list))
                .layer(DefaultBodyLimit::max(crate::http::edge::MAX_UPLOAD_BODY)),
        ),
        (
            GRANT_READ,
            OpenApiRouter::new()
                .routes(routes!(staff::list))
                .routes(routes!(staff::get)),
        ),
        (
            REVIEWER,
            OpenApiRouter::new()
                .routes(routes!(staff::review))
                .routes(routes!(staff::message))
                // GRANT-11 review_receipt: reviewers review and read receipts.
                .routes(routes!(receipts::approve))
                .routes(routes!(receipts::flag))
                .routes(routes!(receipts::queue))
                .routes(routes!(receipts::file)),
        ),
        (
            FINANCE,
            OpenApiRouter::new().routes(routes!(staff::disburse)),
        ),
        (
            FINANCE_READ,
            OpenApiRouter::new().routes(routes!(staff::summary)),
        ),
    ]
}

/// What a grant command answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantChanged {
    pub id: Uuid,
    /// The log position of the change: send it as `X-Tessera-After` to read it back.
    pub position: Option<i64>,
}

fn changed(id: Uuid, sent: crate::outcome::Sent) -> Json<GrantChanged> {
    Json(GrantChanged {
        id,
        position: sent.position,
    })
}

async fn grant_row(app: &AppState, id: Uuid) -> ApiResult<Option<GrantRow>> {
    let doc = storage::live_row(&app.db, TravelGrants::NAME, &grant_key(id)).await?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// The conference's applications, oldest first (the JSON handlers and the
/// grants dashboard).
pub(crate) async fn conference_grants(
    app: &AppState,
    conference: Uuid,
) -> ApiResult<Vec<GrantRow>> {
    let rows = storage::live_rows_with_prefix(&app.db, TravelGrants::NAME, GRANTS_PREFIX).await?;
    let mut out = vec![];
    for (_, doc) in rows {
        let row: GrantRow = serde_json::from_str(&doc)?;
        if row.conference_id == conference {
            out.push(row);
        }
    }
    out.sort_by_key(|r| (r.created_at, r.id));
    Ok(out)
}
