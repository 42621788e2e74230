//! An in-process fake Stripe for tests: an axum server on 127.0.0.1:0 with the
//! three endpoints Tessera calls, Stripe's idempotency-key semantics, a record of
//! every request, fault injection, and builders of signed webhook deliveries.
//!
//! Self-contained: a test includes it with
//! `#[path = "common/fake_stripe.rs"] mod fake_stripe;` (or `common/mod.rs` declares
//! `pub mod fake_stripe;`).
//!
//! - `POST /v1/payment_intents` (form-encoded): creates an intent in
//!   `requires_payment_method` with a client secret `<id>_secret_…`.
//! - `GET /v1/payment_intents/{id}`.
//! - `POST /v1/refunds`: refunds (part of) a succeeded intent.
//! - `POST /v1/customers` (PAY-5).
//! - `POST /v1/checkout/sessions` (SPONSOR-24, MY-29): an open, unpaid session;
//!   [`FakeStripe::complete_session`] pays it (a succeeded intent carrying
//!   `payment_intent_data[metadata]`) and returns `checkout.session.completed`;
//!   [`FakeStripe::expire_session`] returns `checkout.session.expired`.
//! - Terminal (PAY-31…37): `POST /v1/payment_intents/{id}/capture` and `…/cancel`,
//!   `GET /v1/terminal/readers` (`limit`, `location`), `POST
//!   /v1/terminal/readers/{id}/cancel_action`, `POST /v1/terminal/connection_tokens`.
//!   [`FakeStripe::add_reader`] registers a reader; [`FakeStripe::present_card`]
//!   authorizes a manual-capture intent as a reader would.
//!
//! Idempotency as Stripe documents it: the first result under a key is stored; the
//! same key with the same parameters replays it (`Idempotent-Replayed: true`); the
//! same key with other parameters is a 400 `idempotency_error`.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tessera::stripe::StripeClient;

/// The only API key the fake accepts.
pub const SECRET_KEY: &str = "sk_test_tessera_fake";

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub stripe_version: Option<String>,
    /// Whether it carried `Authorization: Bearer <SECRET_KEY>`.
    pub authorized: bool,
    /// Decoded form parameters, in order (`metadata[order_id]`, …).
    pub form: Vec<(String, String)>,
    /// The status answered.
    pub status: u16,
    /// Whether the answer was a replay of a stored idempotent result.
    pub replayed: bool,
}

impl RecordedRequest {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A failure to inject into the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with a Stripe `api_error` body before doing anything:
    /// nothing is created and nothing is stored under the idempotency key (as when
    /// the request never reached Stripe's API).
    Reject(u16),
    /// Do the work and store its result under the idempotency key, but answer 500:
    /// the caller does not learn the outcome; a retry with the same key gets the
    /// stored success.
    LoseResponse,
    /// Answer 502 with an HTML body, as a proxy in front of Stripe would.
    HtmlError,
}

#[derive(Debug, Clone)]
struct Stored {
    fingerprint: String,
    status: u16,
    body: Value,
}

#[derive(Debug, Default)]
struct Inner {
    intents: BTreeMap<String, Value>,
    refunds: BTreeMap<String, Value>,
    customers: BTreeMap<String, Value>,
    sessions: BTreeMap<String, Value>,
    readers: BTreeMap<String, Value>,
    /// Refunded minor units per intent.
    refunded: HashMap<String, i64>,
    idempotency: HashMap<String, Stored>,
    requests: Vec<RecordedRequest>,
    faults: VecDeque<Fault>,
    /// How long every answer waits after the work is done and stored (the caller
    /// can die between Stripe's work and learning its outcome).
    answer_delay: std::time::Duration,
    next_id: u64,
}

impl Inner {
    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

type Shared = Arc<Mutex<Inner>>;

fn lock(state: &Shared) -> MutexGuard<'_, Inner> {
    // A test that panicked while holding the lock must not hide the state.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A running fake Stripe. Dropping it stops the server.
pub struct FakeStripe {
    base_url: String,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeStripe {
    /// Starts a fake on 127.0.0.1 with an ephemeral port (needs a tokio runtime).
    pub async fn start() -> FakeStripe {
        let state: Shared = Arc::default();
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Stripe");
        let addr = listener.local_addr().expect("fake Stripe address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeStripe {
            base_url: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`: the `stripe.api_base` to configure.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn secret_key(&self) -> &'static str {
        SECRET_KEY
    }

    /// A real client pointed at this fake.
    pub fn client(&self) -> StripeClient {
        StripeClient::new(SECRET_KEY, &self.base_url).expect("client for the fake Stripe")
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }

    /// How many requests hit `method path` (e.g. `("POST", "/v1/payment_intents")`).
    pub fn calls(&self, method: &str, path: &str) -> usize {
        lock(&self.state)
            .requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// Every later answer waits `delay` after its work was done and stored.
    pub fn delay_answers(&self, delay: std::time::Duration) {
        lock(&self.state).answer_delay = delay;
    }

    pub fn clear_requests(&self) {
        lock(&self.state).requests.clear();
    }

    /// How many intents exist (each created once, whatever the replays).
    pub fn intent_count(&self) -> usize {
        lock(&self.state).intents.len()
    }

    pub fn intent(&self, id: &str) -> Option<Value> {
        lock(&self.state).intents.get(id).cloned()
    }

    pub fn refunds(&self) -> Vec<Value> {
        lock(&self.state).refunds.values().cloned().collect()
    }

    /// Every customer created (each once, whatever the replays).
    pub fn customers(&self) -> Vec<Value> {
        lock(&self.state).customers.values().cloned().collect()
    }

    /// Registers a Terminal reader `id` (`tmr_…`) at `location` (`tml_…`).
    pub fn add_reader(&self, id: &str, label: &str, location: &str) {
        lock(&self.state).readers.insert(
            id.to_string(),
            json!({
                "id": id,
                "object": "terminal.reader",
                "action": null,
                "device_type": "bbpos_wisepos_e",
                "label": label,
                "livemode": false,
                "location": location,
                "metadata": {},
                "serial_number": format!("WSC-{id}"),
                "status": "online",
            }),
        );
    }

    pub fn reader(&self, id: &str) -> Option<Value> {
        lock(&self.state).readers.get(id).cloned()
    }

    /// A card tapped on the reader: a manual-capture intent becomes
    /// `requires_capture` (the reader's action is then done). Returns the intent.
    pub fn present_card(&self, id: &str) -> Option<Value> {
        let mut inner = lock(&self.state);
        let intent = inner.intents.get_mut(id)?;
        intent["status"] = json!("requires_capture");
        intent["amount_capturable"] = intent["amount"].clone();
        Some(intent.clone())
    }

    /// The next request fails with `fault`; several queue up in order.
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state).faults.push_back(fault);
    }

    /// The next request answers `status` (a Stripe `api_error`) and does nothing.
    pub fn fail_next(&self, status: u16) {
        self.push_fault(Fault::Reject(status));
    }

    /// The next request is carried out, but its answer is lost (500).
    pub fn lose_next_response(&self) {
        self.push_fault(Fault::LoseResponse);
    }

    /// The customer paid: the intent succeeds with a charge. Returns the intent.
    pub fn succeed_intent(&self, id: &str) -> Option<Value> {
        let mut inner = lock(&self.state);
        let n = inner.next();
        let intent = inner.intents.get_mut(id)?;
        intent["status"] = json!("succeeded");
        intent["amount_received"] = intent["amount"].clone();
        intent["latest_charge"] = json!(format!("ch_fake{n:08}"));
        Some(intent.clone())
    }

    /// The payment attempt failed. Returns the intent.
    pub fn fail_intent(&self, id: &str, message: &str) -> Option<Value> {
        let mut inner = lock(&self.state);
        let n = inner.next();
        let intent = inner.intents.get_mut(id)?;
        intent["status"] = json!("requires_payment_method");
        intent["latest_charge"] = json!(format!("ch_fake{n:08}"));
        intent["last_payment_error"] =
            json!({ "type": "card_error", "code": "card_declined", "message": message });
        Some(intent.clone())
    }

    /// A `payment_intent.succeeded` event for an intent of this fake.
    pub fn payment_intent_succeeded_event(&self, intent_id: &str) -> Option<Value> {
        let intent = self.intent(intent_id)?;
        Some(event(
            &self.event_id(),
            "payment_intent.succeeded",
            intent,
            now_unix(),
        ))
    }

    /// A `payment_intent.payment_failed` event for an intent of this fake.
    pub fn payment_intent_failed_event(&self, intent_id: &str) -> Option<Value> {
        let intent = self.intent(intent_id)?;
        Some(event(
            &self.event_id(),
            "payment_intent.payment_failed",
            intent,
            now_unix(),
        ))
    }

    /// A `charge.refunded` event for the charge of a (succeeded) intent of this
    /// fake, with what was refunded through it so far.
    pub fn charge_refunded_event(&self, intent_id: &str) -> Option<Value> {
        let inner = lock(&self.state);
        let intent = inner.intents.get(intent_id)?;
        let charge_id = intent["latest_charge"].as_str()?.to_string();
        let refunds: Vec<Value> = inner
            .refunds
            .values()
            .filter(|r| r["payment_intent"] == intent_id)
            .cloned()
            .collect();
        let amount = intent["amount"].as_i64().unwrap_or(0);
        let refunded = inner.refunded.get(intent_id).copied().unwrap_or(0);
        let mut charge = charge_object(
            &charge_id,
            Some(intent_id),
            amount,
            refunded,
            intent["currency"].as_str().unwrap_or("usd"),
            &[],
        );
        charge["metadata"] = intent["metadata"].clone();
        charge["refunds"] = json!({ "object": "list", "data": refunds });
        drop(inner);
        Some(event(
            &self.event_id(),
            "charge.refunded",
            charge,
            now_unix(),
        ))
    }

    pub fn sessions(&self) -> Vec<Value> {
        lock(&self.state).sessions.values().cloned().collect()
    }

    pub fn session(&self, id: &str) -> Option<Value> {
        lock(&self.state).sessions.get(id).cloned()
    }

    /// The buyer paid the session: a succeeded intent (with the session's
    /// `payment_intent_data[metadata]`) is created and linked; returns the
    /// `checkout.session.completed` event.
    pub fn complete_session(&self, id: &str) -> Option<Value> {
        let mut inner = lock(&self.state);
        let n = inner.next();
        let session = inner.sessions.get(id)?.clone();
        let intent_id = format!("pi_fake{n:08}");
        let amount = session["amount_total"].as_i64().unwrap_or(0);
        let intent = json!({
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount,
            "currency": session["currency"],
            "status": "succeeded",
            "latest_charge": format!("ch_fake{n:08}"),
            "metadata": session["intent_metadata"],
            "created": now_unix(),
        });
        inner.intents.insert(intent_id.clone(), intent);
        let s = inner.sessions.get_mut(id)?;
        s["payment_intent"] = json!(intent_id);
        s["payment_status"] = json!("paid");
        s["status"] = json!("complete");
        let object = s.clone();
        drop(inner);
        Some(event(
            &self.event_id(),
            "checkout.session.completed",
            object,
            now_unix(),
        ))
    }

    /// The session expired unpaid; returns the `checkout.session.expired` event.
    pub fn expire_session(&self, id: &str) -> Option<Value> {
        let mut inner = lock(&self.state);
        let s = inner.sessions.get_mut(id)?;
        s["status"] = json!("expired");
        let object = s.clone();
        drop(inner);
        Some(event(
            &self.event_id(),
            "checkout.session.expired",
            object,
            now_unix(),
        ))
    }

    fn event_id(&self) -> String {
        let n = lock(&self.state).next();
        format!("evt_fake{n:08}")
    }
}

// ---------------------------------------------------------------------------
// The server

async fn handle(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let mut form = parse_form(&body);
    if let Some(query) = uri.query() {
        form.extend(parse_form(query.as_bytes()));
    }
    let header_text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let idempotency_key = header_text("idempotency-key");
    let authorized =
        header_text("authorization").as_deref() == Some(format!("Bearer {SECRET_KEY}").as_str());
    let (status, body, replayed, delay) = {
        let mut inner = lock(&state);
        let mut record = RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            idempotency_key: idempotency_key.clone(),
            stripe_version: header_text("stripe-version"),
            authorized,
            form: form.clone(),
            status: 0,
            replayed: false,
        };

        let fault = inner.faults.pop_front();
        let (status, body, replayed) = match fault {
            Some(Fault::Reject(status)) => (
                status,
                stripe_error(
                    "api_error",
                    None,
                    "An error occurred with our connection to Stripe.",
                ),
                false,
            ),
            Some(Fault::HtmlError) => {
                record.status = 502;
                inner.requests.push(record);
                return (
                    StatusCode::BAD_GATEWAY,
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body>502 Bad Gateway</body></html>",
                )
                    .into_response();
            }
            _ if !authorized => (
                401,
                stripe_error(
                    "invalid_request_error",
                    None,
                    "Invalid API Key provided: sk_****",
                ),
                false,
            ),
            _ => {
                let (status, body, replayed) = route(
                    &mut inner,
                    &method,
                    &path,
                    &form,
                    idempotency_key.as_deref(),
                );
                if fault == Some(Fault::LoseResponse) {
                    (
                        500,
                        stripe_error("api_error", None, "The response was lost."),
                        false,
                    )
                } else {
                    (status, body, replayed)
                }
            }
        };
        record.status = status;
        record.replayed = replayed;
        inner.requests.push(record);
        let delay = inner.answer_delay;
        (status, body, replayed, delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Routes one authorized request, with idempotency for POSTs that carry a key.
fn route(
    inner: &mut Inner,
    method: &Method,
    path: &str,
    form: &[(String, String)],
    key: Option<&str>,
) -> (u16, Value, bool) {
    if *method == Method::POST
        && let Some(key) = key
    {
        let mut sorted = form.to_vec();
        sorted.sort();
        let fingerprint = format!("{method} {path} {sorted:?}");
        if let Some(stored) = inner.idempotency.get(key) {
            if stored.fingerprint == fingerprint {
                return (stored.status, stored.body.clone(), true);
            }
            return (
                400,
                stripe_error(
                    "idempotency_error",
                    None,
                    &format!(
                        "Keys for idempotent requests can only be used with the same \
                         parameters they were first used with. Try using a key other \
                         than '{key}' if you meant to execute a different request."
                    ),
                ),
                false,
            );
        }
        let (status, body) = execute(inner, method, path, form);
        // Stripe stores results once the endpoint started executing; a request
        // refused while validating its parameters stores nothing.
        let validation = body["error"]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("parameter_"));
        if !validation {
            inner.idempotency.insert(
                key.to_string(),
                Stored {
                    fingerprint,
                    status,
                    body: body.clone(),
                },
            );
        }
        return (status, body, false);
    }
    let (status, body) = execute(inner, method, path, form);
    (status, body, false)
}

fn execute(
    inner: &mut Inner,
    method: &Method,
    path: &str,
    form: &[(String, String)],
) -> (u16, Value) {
    let param = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    match (method.as_str(), path) {
        ("POST", "/v1/payment_intents") => {
            let Some(amount) = param("amount") else {
                return missing("amount");
            };
            let Ok(amount) = amount.parse::<i64>() else {
                return invalid_integer("amount", amount);
            };
            if amount < 1 {
                return (
                    400,
                    stripe_error(
                        "invalid_request_error",
                        Some("amount_too_small"),
                        "Amount must be at least 1.",
                    ),
                );
            }
            let Some(currency) = param("currency") else {
                return missing("currency");
            };
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
                return (
                    400,
                    stripe_error(
                        "invalid_request_error",
                        Some("parameter_invalid_string"),
                        &format!("Invalid currency: {currency}."),
                    ),
                );
            }
            let metadata: serde_json::Map<String, Value> = form
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                    Some((name.to_string(), json!(v)))
                })
                .collect();
            let n = inner.next();
            let id = format!("pi_fake{n:08}");
            let capture_method = param("capture_method").unwrap_or("automatic");
            let mut method_types: Vec<&str> = form
                .iter()
                .filter(|(k, _)| k.starts_with("payment_method_types["))
                .map(|(_, v)| v.as_str())
                .collect();
            if method_types.is_empty() {
                method_types.push("card");
            }
            let intent = json!({
                "id": id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_received": 0,
                "capture_method": capture_method,
                "client_secret": format!("{id}_secret_fake{n:04}"),
                "confirmation_method": "automatic",
                "created": now_unix(),
                "currency": currency,
                "customer": param("customer"),
                "description": param("description"),
                "latest_charge": null,
                "livemode": false,
                "metadata": metadata,
                "payment_method_types": method_types,
                "status": "requires_payment_method",
            });
            inner.intents.insert(id, intent.clone());
            (200, intent)
        }
        ("POST", p) if p.starts_with("/v1/payment_intents/") && p.ends_with("/capture") => {
            let id = &p["/v1/payment_intents/".len()..p.len() - "/capture".len()];
            let n = inner.next();
            let Some(intent) = inner.intents.get_mut(id) else {
                return no_such("payment_intent", id);
            };
            if intent["status"] != "requires_capture" {
                return unexpected_state(intent, "captured");
            }
            intent["status"] = json!("succeeded");
            intent["amount_capturable"] = json!(0);
            intent["amount_received"] = intent["amount"].clone();
            intent["latest_charge"] = json!(format!("ch_fake{n:08}"));
            (200, intent.clone())
        }
        ("POST", p) if p.starts_with("/v1/payment_intents/") && p.ends_with("/cancel") => {
            let id = &p["/v1/payment_intents/".len()..p.len() - "/cancel".len()];
            let Some(intent) = inner.intents.get_mut(id) else {
                return no_such("payment_intent", id);
            };
            if intent["status"] == "succeeded" || intent["status"] == "canceled" {
                return unexpected_state(intent, "canceled");
            }
            intent["status"] = json!("canceled");
            intent["canceled_at"] = json!(now_unix());
            (200, intent.clone())
        }
        ("POST", "/v1/customers") => {
            let n = inner.next();
            let id = format!("cus_fake{n:08}");
            let metadata: serde_json::Map<String, Value> = form
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                    Some((name.to_string(), json!(v)))
                })
                .collect();
            let customer = json!({
                "id": id,
                "object": "customer",
                "created": now_unix(),
                "email": param("email"),
                "name": param("name"),
                "livemode": false,
                "metadata": metadata,
            });
            inner.customers.insert(id, customer.clone());
            (200, customer)
        }
        ("POST", "/v1/checkout/sessions") => {
            let quantity = param("line_items[0][quantity]")
                .and_then(|q| q.parse::<i64>().ok())
                .unwrap_or(0);
            let Some(unit) =
                param("line_items[0][price_data][unit_amount]").and_then(|a| a.parse::<i64>().ok())
            else {
                return missing("line_items[0][price_data][unit_amount]");
            };
            if quantity < 1 || unit < 1 {
                return (
                    400,
                    stripe_error(
                        "invalid_request_error",
                        Some("amount_too_small"),
                        "Amount must be at least 1.",
                    ),
                );
            }
            let Some(currency) = param("line_items[0][price_data][currency]") else {
                return missing("line_items[0][price_data][currency]");
            };
            let pick = |prefix: &str| -> serde_json::Map<String, Value> {
                form.iter()
                    .filter_map(|(k, v)| {
                        let name = k.strip_prefix(prefix)?.strip_suffix(']')?;
                        Some((name.to_string(), json!(v)))
                    })
                    .collect()
            };
            let n = inner.next();
            let id = format!("cs_test_fake{n:08}");
            let session = json!({
                "id": id,
                "object": "checkout.session",
                "mode": param("mode"),
                "amount_total": unit * quantity,
                "currency": currency,
                "line_name": param("line_items[0][price_data][product_data][name]"),
                "quantity": quantity,
                "unit_amount": unit,
                "metadata": pick("metadata["),
                "intent_metadata": pick("payment_intent_data[metadata]["),
                "customer_email": param("customer_email"),
                "success_url": param("success_url"),
                "cancel_url": param("cancel_url"),
                "payment_intent": null,
                "payment_status": "unpaid",
                "status": "open",
                "url": format!("https://checkout.stripe.test/c/pay/{id}"),
            });
            inner.sessions.insert(id, session.clone());
            (200, session)
        }
        ("GET", "/v1/terminal/readers") => {
            let limit = param("limit")
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(10);
            if limit > 100 {
                return (
                    400,
                    stripe_error(
                        "invalid_request_error",
                        Some("parameter_invalid_integer"),
                        "limit must be at most 100",
                    ),
                );
            }
            let location = param("location");
            let data: Vec<Value> = inner
                .readers
                .values()
                .filter(|r| location.is_none_or(|l| r["location"] == l))
                .take(limit)
                .cloned()
                .collect();
            let has_more = inner.readers.len() > data.len() && location.is_none();
            (
                200,
                json!({ "object": "list", "url": "/v1/terminal/readers", "has_more": has_more, "data": data }),
            )
        }
        ("POST", p) if p.starts_with("/v1/terminal/readers/") && p.ends_with("/cancel_action") => {
            let id = &p["/v1/terminal/readers/".len()..p.len() - "/cancel_action".len()];
            match inner.readers.get_mut(id) {
                Some(reader) => {
                    reader["action"] = Value::Null;
                    (200, reader.clone())
                }
                None => no_such("terminal.reader", id),
            }
        }
        ("POST", "/v1/terminal/connection_tokens") => {
            let n = inner.next();
            let mut token = json!({
                "object": "terminal.connection_token",
                "secret": format!("pst_test_fake{n:08}"),
            });
            if let Some(location) = param("location") {
                token["location"] = json!(location);
            }
            (200, token)
        }
        ("GET", p) if p.starts_with("/v1/payment_intents/") => {
            let id = &p["/v1/payment_intents/".len()..];
            match inner.intents.get(id) {
                Some(intent) => (200, intent.clone()),
                None => no_such("payment_intent", id),
            }
        }
        ("POST", "/v1/refunds") => {
            let Some(pi) = param("payment_intent") else {
                return missing("payment_intent");
            };
            let Some(intent) = inner.intents.get(pi).cloned() else {
                return no_such("payment_intent", pi);
            };
            if intent["status"] != "succeeded" {
                return (
                    400,
                    stripe_error(
                        "invalid_request_error",
                        None,
                        "This PaymentIntent does not have a successful charge to refund.",
                    ),
                );
            }
            let received = intent["amount_received"].as_i64().unwrap_or(0);
            let refunded = inner.refunded.get(pi).copied().unwrap_or(0);
            let remaining = received - refunded;
            let amount = match param("amount").map(str::parse::<i64>) {
                None => remaining,
                Some(Ok(a)) => a,
                Some(Err(_)) => return invalid_integer("amount", param("amount").unwrap_or("")),
            };
            if remaining <= 0 {
                return (
                    400,
                    stripe_error(
                        "invalid_request_error",
                        Some("charge_already_refunded"),
                        "Charge has already been refunded.",
                    ),
                );
            }
            if amount < 1 || amount > remaining {
                return (
                    400,
                    stripe_error(
                        "invalid_request_error",
                        Some("amount_too_large"),
                        &format!(
                            "Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})"
                        ),
                    ),
                );
            }
            let n = inner.next();
            let id = format!("re_fake{n:08}");
            let refund = json!({
                "id": id,
                "object": "refund",
                "amount": amount,
                "charge": intent["latest_charge"],
                "created": now_unix(),
                "currency": intent["currency"],
                "metadata": {},
                "payment_intent": pi,
                "reason": param("reason"),
                "status": "succeeded",
            });
            inner.refunded.insert(pi.to_string(), refunded + amount);
            inner.refunds.insert(id, refund.clone());
            (200, refund)
        }
        _ => (
            404,
            stripe_error(
                "invalid_request_error",
                None,
                &format!("Unrecognized request URL ({method}: {path})."),
            ),
        ),
    }
}

fn stripe_error(kind: &str, code: Option<&str>, message: &str) -> Value {
    let mut error = json!({ "type": kind, "message": message });
    if let Some(code) = code {
        error["code"] = json!(code);
    }
    json!({ "error": error })
}

fn unexpected_state(intent: &Value, action: &str) -> (u16, Value) {
    (
        400,
        stripe_error(
            "invalid_request_error",
            Some("payment_intent_unexpected_state"),
            &format!(
                "This PaymentIntent could not be {action} because it has a status of {}.",
                intent["status"].as_str().unwrap_or("unknown")
            ),
        ),
    )
}

fn missing(param: &str) -> (u16, Value) {
    let mut body = stripe_error(
        "invalid_request_error",
        Some("parameter_missing"),
        &format!("Missing required param: {param}."),
    );
    body["error"]["param"] = json!(param);
    (400, body)
}

fn invalid_integer(param: &str, value: &str) -> (u16, Value) {
    let mut body = stripe_error(
        "invalid_request_error",
        Some("parameter_invalid_integer"),
        &format!("Invalid integer: {value}"),
    );
    body["error"]["param"] = json!(param);
    (400, body)
}

fn no_such(kind: &str, id: &str) -> (u16, Value) {
    (
        404,
        stripe_error(
            "invalid_request_error",
            Some("resource_missing"),
            &format!("No such {kind}: '{id}'"),
        ),
    )
}

/// `application/x-www-form-urlencoded` → pairs, decoded.
fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Webhook deliveries

/// A Stripe event envelope around `object`.
pub fn event(id: &str, kind: &str, object: Value, created: i64) -> Value {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2024-12-18.acacia",
        "created": created,
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
        "data": { "object": object },
    })
}

fn metadata(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), json!(v)))
            .collect(),
    )
}

/// A PaymentIntent object.
pub fn intent_object(
    id: &str,
    amount: i64,
    currency: &str,
    status: &str,
    metadata_pairs: &[(&str, &str)],
) -> Value {
    let succeeded = status == "succeeded";
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": if succeeded { amount } else { 0 },
        "currency": currency,
        "status": status,
        "latest_charge": if succeeded { json!(format!("ch_for_{id}")) } else { Value::Null },
        "metadata": metadata(metadata_pairs),
    })
}

/// A Charge object; `payment_intent` None leaves the field null (AMB-31).
pub fn charge_object(
    id: &str,
    payment_intent: Option<&str>,
    amount: i64,
    amount_refunded: i64,
    currency: &str,
    metadata_pairs: &[(&str, &str)],
) -> Value {
    json!({
        "id": id,
        "object": "charge",
        "amount": amount,
        "amount_refunded": amount_refunded,
        "currency": currency,
        "payment_intent": payment_intent,
        "refunded": amount_refunded >= amount,
        "metadata": metadata(metadata_pairs),
    })
}

/// A Dispute object.
pub fn dispute_object(
    id: &str,
    charge: &str,
    payment_intent: Option<&str>,
    amount: i64,
    currency: &str,
    reason: &str,
) -> Value {
    json!({
        "id": id,
        "object": "dispute",
        "amount": amount,
        "charge": charge,
        "currency": currency,
        "payment_intent": payment_intent,
        "reason": reason,
        "status": "needs_response",
    })
}

pub fn payment_intent_succeeded(event_id: &str, intent: Value, created: i64) -> Value {
    event(event_id, "payment_intent.succeeded", intent, created)
}

pub fn payment_intent_payment_failed(event_id: &str, intent: Value, created: i64) -> Value {
    event(event_id, "payment_intent.payment_failed", intent, created)
}

pub fn charge_refunded(event_id: &str, charge: Value, created: i64) -> Value {
    event(event_id, "charge.refunded", charge, created)
}

pub fn charge_dispute_created(event_id: &str, dispute: Value, created: i64) -> Value {
    event(event_id, "charge.dispute.created", dispute, created)
}

/// A webhook delivery: the raw body and its `Stripe-Signature` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub payload: Vec<u8>,
    pub signature: String,
}

/// Serializes `event` and signs it with `secret` at `t`, as Stripe would.
pub fn deliver(event: &Value, secret: &str, t: i64) -> Delivery {
    let payload = serde_json::to_vec(event).expect("serialize the event");
    let signature = tessera::stripe::webhook::sign(&payload, secret, t);
    Delivery { payload, signature }
}
