//! An in-process webhook receiver (axum on 127.0.0.1:0): checks every request's
//! signature against the secrets it is told, answers 500 to the first attempts
//! of each event, then 200, and keeps what it accepted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tessera::webhooks::signing;

#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub kind: String,
    pub body: Value,
    /// Which of the known secrets signed it (by their index in `secrets`).
    pub signed_by: Vec<usize>,
}

#[derive(Default)]
pub struct Inner {
    pub secrets: Vec<String>,
    /// Attempts of each event id answered 500 before one is accepted.
    pub fail_first: usize,
    pub attempts: HashMap<String, usize>,
    pub accepted: Vec<Received>,
    pub bad_signatures: usize,
}

#[derive(Clone, Default)]
pub struct Receiver(pub Arc<Mutex<Inner>>);

impl Receiver {
    /// Starts one; its URL.
    pub async fn start(fail_first: usize) -> (Receiver, String) {
        let receiver = Receiver::default();
        receiver.lock().fail_first = fail_first;
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (receiver, format!("http://{addr}/hook"))
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().expect("receiver lock")
    }

    pub fn trust(&self, secret: &str) {
        self.lock().secrets.push(secret.to_string());
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.lock().accepted.clone()
    }

    /// Waits until it accepted `n` requests (at most 30 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..600 {
            if self.lock().accepted.len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.accepted()
    }
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let id = header(signing::ID_HEADER);
    let timestamp: i64 = header(signing::TIMESTAMP_HEADER).parse().unwrap_or(-1);
    let signature = header(signing::SIGNATURE_HEADER);
    let mut inner = r.lock();
    let signed_by: Vec<usize> = inner
        .secrets
        .iter()
        .enumerate()
        .filter(|(_, s)| signing::verify(s, timestamp, &body, &signature))
        .map(|(i, _)| i)
        .collect();
    if signed_by.is_empty() {
        inner.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let seen = inner.attempts.entry(id.clone()).or_default();
    *seen += 1;
    if *seen <= inner.fail_first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner.accepted.push(Received {
        id,
        kind: header(signing::KIND_HEADER),
        body,
        signed_by,
    });
    StatusCode::OK
}
