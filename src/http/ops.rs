//! Liveness, readiness, metrics and the OpenAPI document: not under /api/v1.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use crate::app::AppState;

pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers and no aggregate's commands have been running
/// longer than the command deadline (a decision or store call that hangs: its
/// callers get 503s, and this names the aggregate so it can be found).
pub async fn readyz(State(app): State<AppState>) -> axum::response::Response {
    if !app.db.ping().await {
        return not_ready(
            "ops.database_unavailable",
            "database unavailable",
            json!(null),
        );
    }
    let stuck = app.bus.stuck(app.bus.deadline());
    if !stuck.is_empty() {
        return not_ready("ops.queue_stuck", "aggregate queue stuck", json!(stuck));
    }
    Json(json!({ "status": "ready", "backend": app.db.backend() })).into_response()
}

/// A 503 problem document (like every error answer) that also says what is wrong
/// for a probe or an operator: `status` text and, for stuck queues, which ones.
fn not_ready(code: &str, status: &str, stuck: serde_json::Value) -> axum::response::Response {
    let mut body = json!({
        "type": format!("https://tessera.dev/problems/{code}"),
        "title": "Service Unavailable",
        "status": 503,
        "detail": format!("Not ready: {status}."),
        "code": code,
    });
    if !stuck.is_null() {
        body["stuck"] = stuck;
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Prometheus text: command latency and conflicts (recorded by the bus) and the
/// projection lag behind the log head.
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    if let Ok(head) = app.db.head().await {
        let lag = (head - app.runner.position()).max(0);
        metrics::gauge!("tessera_projection_lag_events").set(lag as f64);
        metrics::gauge!("tessera_log_head_position").set(head as f64);
    }
    let body = app.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
}
