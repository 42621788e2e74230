//! The JSON API under /api/v1: one route list, one error type, one access table.

pub mod access;
pub mod activities;
pub mod audit;
pub mod auth;
pub mod badges;
pub mod bulk_purchases;
mod caller;
pub mod conferences;
mod domain_errors;
pub mod edge;
pub mod error;
pub mod extract;
pub mod fundraising;
mod gate;
pub mod grants;
pub mod idempotency;
pub mod input;
pub mod messages;
pub mod ops;
pub mod page;
pub mod program;
pub mod registration;
pub mod request_error;
pub mod schema;
mod serve;
pub mod site;
pub mod sponsor_portal;
pub mod sponsors;
pub mod stats;
pub mod surveys;
pub mod visa_letter_pdfs;
pub mod visa_letters;
pub mod volunteers;
pub mod web;
pub mod webhooks;

pub use serve::serve;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::get;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use access::{Access, Group};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera",
        description = "Event-sourced conference back end: conferences, programs, registration."
    ),
    components(schemas(error::Problem, error::FieldProblem, input::MoneyString))
)]
struct ApiDoc;

/// Every API route, grouped by who may call it.
fn groups() -> Vec<Group> {
    let mut groups = vec![];
    groups.extend(auth::groups());
    groups.extend(conferences::groups());
    groups.extend(activities::groups());
    groups.extend(registration::groups());
    groups.extend(audit::groups());
    groups.extend(volunteers::groups());
    groups.extend(stats::groups());
    groups.extend(sponsors::groups());
    groups.extend(fundraising::groups());
    groups.extend(bulk_purchases::groups());
    groups.extend(sponsor_portal::groups());
    groups.extend(grants::groups());
    groups.extend(visa_letters::groups());
    groups.extend(visa_letter_pdfs::groups());
    groups.extend(webhooks::groups());
    groups.extend(messages::groups());
    groups.extend(surveys::groups());
    groups.extend(badges::groups());
    groups.extend(program::groups());
    groups
}

/// `(method, path, access)` of every API route: what the access test walks.
pub fn access_table() -> Vec<(Method, String, Access)> {
    access::table(groups())
}

/// The OpenAPI document as served: generated from the handlers, then completed
/// with the refusals every route shares (`schema`).
pub fn openapi() -> serde_json::Value {
    schema::document().clone()
}

/// The OpenAPI document as the handlers declare it.
fn generated() -> utoipa::openapi::OpenApi {
    let (_, api) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(
            groups()
                .into_iter()
                .fold(OpenApiRouter::new(), |all, (_, r)| all.merge(r)),
        )
        .split_for_parts();
    api
}

/// The whole service: API, ops endpoints, OpenAPI, request ids and tracing. Every
/// error answer, whoever produced it, is problem+json (`edge`); one body limit
/// holds for every route, with or without an `Idempotency-Key`.
pub fn router(state: AppState) -> Router {
    let (api, _) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(access::guarded(&state, groups()))
        .split_for_parts();
    api.route(
        "/api/openapi.json",
        get(|| async { axum::Json(schema::document()) }),
    )
    .route("/healthz", get(ops::healthz))
    .route("/readyz", get(ops::readyz))
    .route("/metrics", get(ops::metrics))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        idempotency::idempotency,
    ))
    .layer(DefaultBodyLimit::max(edge::MAX_BODY))
    .layer(axum::middleware::from_fn(edge::edge))
    // The dashboards answer HTML: outside the API's problem+json edge.
    .merge(crate::http::web::router(&state))
    .layer(TraceLayer::new_for_http())
    .layer(PropagateRequestIdLayer::x_request_id())
    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
    .fallback(|| async { error::ApiError::not_found("Resource") })
    .with_state(state)
}
