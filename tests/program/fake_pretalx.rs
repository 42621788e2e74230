//! An in-process fake Pretalx (axum on 127.0.0.1:0): paginated rooms, speakers,
//! talks and tags (2 items a page, absolute `next` links), the latest schedule,
//! and switches to make an endpoint fail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

const PAGE: usize = 2;

#[derive(Default)]
pub struct Data {
    pub rooms: Vec<Value>,
    pub speakers: Vec<Value>,
    pub talks: Vec<Value>,
    pub tags: Vec<Value>,
    pub slots: Vec<Value>,
    /// Endpoints ("tags", "talks", …) answering 500 every time.
    pub failing: Vec<String>,
    /// Endpoints answering 503 this many more times before they work.
    pub flaky: HashMap<String, u32>,
    /// Requests seen, by endpoint.
    pub hits: HashMap<String, u32>,
    pub base: String,
}

#[derive(Clone)]
pub struct FakePretalx {
    pub data: Arc<Mutex<Data>>,
    pub url: String,
}

impl FakePretalx {
    pub async fn start() -> Self {
        let data = Arc::new(Mutex::new(Data::default()));
        let app = Router::new()
            .route("/api/events/{event}/{what}/", get(list))
            .route("/api/events/{event}/schedules/latest/", get(schedule))
            .with_state(data.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake pretalx");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        data.lock().expect("lock").base = url.clone();
        Self { data, url }
    }

    pub fn set(&self, f: impl FnOnce(&mut Data)) {
        f(&mut self.data.lock().expect("lock"));
    }

    pub fn hits(&self, what: &str) -> u32 {
        self.data
            .lock()
            .expect("lock")
            .hits
            .get(what)
            .copied()
            .unwrap_or(0)
    }
}

/// Counts the hit; answers an error when the endpoint is set to fail.
fn gate(d: &mut Data, what: &str) -> Option<Response> {
    *d.hits.entry(what.to_string()).or_default() += 1;
    if d.failing.iter().any(|f| f == what) {
        return Some(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    if let Some(n) = d.flaky.get_mut(what)
        && *n > 0
    {
        *n -= 1;
        return Some(StatusCode::SERVICE_UNAVAILABLE.into_response());
    }
    None
}

async fn list(
    State(data): State<Arc<Mutex<Data>>>,
    Path((event, what)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut d = data.lock().expect("lock");
    if let Some(r) = gate(&mut d, &what) {
        return r;
    }
    let items = match what.as_str() {
        "rooms" => d.rooms.clone(),
        "speakers" => d.speakers.clone(),
        "talks" => d.talks.clone(),
        "tags" => d.tags.clone(),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let start = (page - 1) * PAGE;
    let results: Vec<Value> = items.iter().skip(start).take(PAGE).cloned().collect();
    let next = (start + PAGE < items.len())
        .then(|| format!("{}/api/events/{event}/{what}/?page={}", d.base, page + 1));
    axum::Json(json!({ "count": items.len(), "next": next, "results": results })).into_response()
}

async fn schedule(State(data): State<Arc<Mutex<Data>>>) -> Response {
    let mut d = data.lock().expect("lock");
    if let Some(r) = gate(&mut d, "schedule") {
        return r;
    }
    axum::Json(json!({ "version": "1", "slots": d.slots.clone() })).into_response()
}
