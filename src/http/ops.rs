//! Liveness, readiness, metrics and the OpenAPI document: not under /api/v1.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use tessera_replay::leader::Role;

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
    // Every instance serves reads and commands; a standby says which jobs another
    // instance leads for it (docs/scale-out.md).
    let (mut leads, mut standby) = (vec![], vec![]);
    for (job, role) in app.leadership.roles() {
        match role {
            Role::Leader => leads.push(job),
            Role::Standby => standby.push(job),
        }
    }
    let role = if leads.is_empty() {
        "standby"
    } else {
        "leader"
    };
    Json(json!({
        "status": "ready",
        "backend": app.db.backend(),
        "instance": app.leadership.instance(),
        "role": role,
        "leads": leads,
        "standby_for": standby,
    }))
    .into_response()
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
        let reactor_lag = (head - app.reactor.position()).max(0);
        metrics::gauge!("tessera_process_manager_lag_events").set(reactor_lag as f64);
    }
    job_metrics(&app).await;
    let body = app.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
}

/// Which instance leads which job, its heartbeat age, and this instance's role.
async fn job_metrics(app: &AppState) {
    for (job, role) in app.leadership.roles() {
        let leading = if role == Role::Leader { 1.0 } else { 0.0 };
        metrics::gauge!("tessera_job_leading", "job" => job).set(leading);
    }
    // `tessera_job_leader{job, instance}` is 1 for the current leader; a former
    // leader's series drops to 0 rather than lingering at 1.
    static SEEN: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    if let Ok(leaders) = tessera_replay::leader::leaders(&app.db).await {
        let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
        for (job, instance) in seen.drain(..) {
            metrics::gauge!("tessera_job_leader", "job" => job, "instance" => instance).set(0.0);
        }
        for l in leaders {
            metrics::gauge!("tessera_job_heartbeat_age_seconds", "job" => l.job.clone())
                .set(l.heartbeat_age_ms as f64 / 1000.0);
            metrics::gauge!("tessera_job_leader", "job" => l.job.clone(), "instance" => l.instance.clone())
                .set(1.0);
            seen.push((l.job, l.instance));
        }
    }
}
