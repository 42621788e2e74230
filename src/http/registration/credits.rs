//! Store credits and credit notes (PAY-15…21, AMB-9): each user sees their own in a
//! conference; organizers, finance staff and admins see all of them.

use crate::http::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::credit::CreditStatus;
use tessera_projections::Projection;
use tessera_projections::credits::{CreditRecord, Credits, CreditsRow, credits_prefix};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::orders::Viewer;
use crate::app::AppState;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, AuthUser};
use crate::http::page::{Page, PageParams, Paging};
use tessera_replay::listing::{Cond, live_page};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Authenticated,
        OpenApiRouter::new().routes(routes!(list_credits)),
    )]
}

/// One credit.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditView {
    pub credit_id: Uuid,
    pub user_id: Uuid,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// What can still be spent (0 for a credit note).
    #[schema(value_type = String)]
    pub remaining: Decimal,
    /// False for a credit note, the record of a refund to the card (AMB-9).
    pub spendable: bool,
    /// available, applied, expired or credit_note.
    #[schema(value_type = String, example = "available")]
    pub status: CreditStatus,
    /// PAY-18: the order whose refund issued it.
    pub source_order: Option<Uuid>,
    /// PAY-18: the last order it paid.
    pub applied_to_order: Option<Uuid>,
    pub issued_at: DateTime<Utc>,
}

impl From<CreditRecord> for CreditView {
    fn from(c: CreditRecord) -> Self {
        Self {
            credit_id: c.id,
            user_id: c.user,
            amount: c.amount,
            remaining: c.remaining,
            spendable: c.spendable,
            status: c.status,
            source_order: c.source_order,
            applied_to_order: c.applied_to_order,
            issued_at: c.issued_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CreditsQuery {
    /// Staff: only their own credits.
    #[serde(default)]
    pub mine: bool,
}

/// Credits in this conference, newest first: the caller's own; staff see all.
/// Paged (`limit`, `cursor`). Read from the credits read model: send
/// `X-Tessera-After` with a command's position to include it.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/credits", tag = "registration",
    params(("slug" = String, Path), CreditsQuery, PageParams),
    responses((status = 200, body = Page<CreditView>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn list_credits(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<CreditsQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<CreditView>>> {
    let viewer = Viewer::resolve(&app, &slug, caller).await?;
    let everyone = viewer.reader && !q.mine;
    let mut conds = vec![];
    if !everyone {
        conds.push(Cond::Eq("user", viewer.caller.id.to_string()));
    }
    let spec = paging.spec(
        Credits::NAME,
        credits_prefix(viewer.conf.id),
        conds,
        Some(&["issued_at", "id"]),
        true,
    )?;
    let listing = live_page(&app.db, &spec).await?;
    Ok(Json(paging.page(
        &spec,
        listing,
        |doc| match serde_json::from_str(doc)? {
            CreditsRow::Credit(c) => Ok(Some(CreditView::from(c))),
            _ => Ok(None),
        },
    )?))
}
