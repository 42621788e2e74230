//! The Stripe API calls Tessera makes (PAY-6…9, PAY-27), behind [`PaymentGateway`] so
//! the service can be tested against a fake.
//!
//! [`StripeClient`] is the real one, on async-stripe (rustls, ring provider) with a
//! configurable base URL (`stripe.api_base`), so tests point it at an in-process
//! fake Stripe. Every call that creates something carries an `Idempotency-Key` the
//! caller persisted with the payment attempt: a call whose outcome is unknown
//! ([`GatewayError::outcome_unknown`]) is retried with the same key, and Stripe
//! answers with what it did the first time instead of doing it twice.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rust_decimal::Decimal;
use serde::Serialize;
use stripe_client_core::{RequestBuilder, StripeMethod};
use stripe_core::payment_intent::{
    CancelPaymentIntent, CapturePaymentIntent, CreatePaymentIntent, RetrievePaymentIntent,
};
use stripe_core::refund::{CreateRefund, CreateRefundReason};
use stripe_sdk::StripeRequest as _;
use uuid::Uuid;

use super::amount::{AmountError, from_minor_units, to_minor_units};
use crate::config::StripeConfig;

/// The production Stripe API.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// Per-attempt timeout of a Stripe call unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// PAY-38: what a client is told when Stripe fails.
pub const PUBLIC_ERROR_DETAIL: &str = "Payment processing error. Please try again.";

/// A PaymentIntent to create for an order (PAY-6).
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentIntentRequest {
    /// The order total; PAY-9 converts it to the smallest currency unit.
    pub amount: Decimal,
    /// ISO 4217 code, any case; sent lowercase.
    pub currency: String,
    pub order_id: Uuid,
    pub conference_id: Uuid,
    /// The order reference, e.g. `ORD-A1B2C3D4`.
    pub reference: String,
    /// PAY-6: "Order <reference> for <conference name>".
    pub description: Option<String>,
    /// A Stripe customer id (`cus_…`, PAY-5), when one is known.
    pub customer: Option<String>,
    /// Persisted with the payment attempt before the call (see
    /// [`intent_idempotency_key`]).
    pub idempotency_key: String,
}

/// A PaymentIntent as Tessera sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentIntent {
    pub id: String,
    /// For the browser (PAY-7); present on creation.
    pub client_secret: Option<String>,
    /// In the smallest currency unit, as Stripe sent it.
    pub amount_minor: i64,
    /// `amount_minor` converted back (PAY-9).
    pub amount: Decimal,
    /// Lowercase ISO code.
    pub currency: String,
    /// Stripe's status: `requires_payment_method`, `processing`, `succeeded`, …
    pub status: String,
    pub latest_charge: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// `metadata.order_id` as an order id.
    pub order_id: Option<Uuid>,
}

impl PaymentIntent {
    pub fn is_succeeded(&self) -> bool {
        self.status == "succeeded"
    }
}

/// PAY-27: the reasons a refund may give.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RefundReason {
    #[default]
    RequestedByCustomer,
    Duplicate,
    Fraudulent,
}

impl RefundReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::RequestedByCustomer => "requested_by_customer",
            Self::Duplicate => "duplicate",
            Self::Fraudulent => "fraudulent",
        }
    }

    /// Reads a stored or submitted reason.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "requested_by_customer" => Some(Self::RequestedByCustomer),
            "duplicate" => Some(Self::Duplicate),
            "fraudulent" => Some(Self::Fraudulent),
            _ => None,
        }
    }
}

/// A refund of (part of) a payment intent (PAY-27).
#[derive(Debug, Clone, PartialEq)]
pub struct RefundRequest {
    pub payment_intent: String,
    pub amount: Decimal,
    /// The currency of the intent: PAY-9 conversion of `amount`.
    pub currency: String,
    pub reason: RefundReason,
    /// Persisted before the call (Tessera's refunds: `refund-<refund id>`).
    pub idempotency_key: String,
}

/// A refund as Tessera sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refund {
    pub id: String,
    pub amount_minor: i64,
    pub amount: Decimal,
    pub currency: String,
    /// `pending`, `succeeded`, `failed`, …
    pub status: Option<String>,
    pub payment_intent: Option<String>,
}

/// PAY-5: a Stripe customer to create for a user of a conference.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRequest {
    pub email: String,
    /// The user's full name.
    pub name: String,
    pub user_id: Uuid,
    pub conference_slug: String,
    /// PAY-5: see [`customer_idempotency_key`].
    pub idempotency_key: String,
}

/// A Stripe customer as Tessera sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// `cus_…`
    pub id: String,
}

/// A card-present PaymentIntent for a Stripe Terminal reader (PAY-32/33).
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalIntentRequest {
    pub amount: Decimal,
    /// ISO 4217 code, any case; sent lowercase.
    pub currency: String,
    pub conference_id: Uuid,
    pub conference_slug: String,
    /// The staff member at the desk.
    pub staff_user_id: Uuid,
    /// PAY-33: `order_id` and `reference` go in the metadata only when the intent
    /// pays an existing order.
    pub order: Option<(Uuid, String)>,
    pub description: Option<String>,
    /// Persisted before the call (see [`terminal_intent_idempotency_key`]).
    pub idempotency_key: String,
}

/// A Stripe Terminal reader (PAY-31).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Reader {
    pub id: String,
    pub label: Option<String>,
    pub location: Option<String>,
    pub status: Option<String>,
    pub device_type: Option<String>,
    pub serial_number: Option<String>,
}

/// Why a Stripe call did not give an answer Tessera can use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GatewayError {
    /// PAY-4: no Stripe secret key is configured.
    #[error("Stripe is not configured (no secret key).")]
    NotConfigured,
    /// Refused before anything was sent.
    #[error("Invalid Stripe request: {0}")]
    InvalidRequest(String),
    /// PAY-9: the amount cannot be expressed in the currency's smallest unit.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// Stripe answered with an error.
    #[error("Stripe answered {status} ({kind}{}): {}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default(), message.as_deref().unwrap_or(""))]
    Stripe {
        status: u16,
        /// `api_error`, `card_error`, `invalid_request_error`, …
        kind: String,
        code: Option<String>,
        message: Option<String>,
    },
    /// The idempotency key was used before with other parameters.
    #[error("Stripe refused a reused idempotency key: {0}")]
    IdempotencyConflict(String),
    /// No answer (connection, timeout): Stripe may or may not have acted.
    #[error("Could not reach Stripe: {0}")]
    Transport(String),
    /// An answer that cannot be read, or lacks what Tessera needs (PAY-7).
    #[error("Unexpected answer from Stripe: {0}")]
    InvalidResponse(String),
}

impl GatewayError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "pay.stripe_not_configured",
            Self::InvalidRequest(_) => "pay.stripe_invalid_request",
            Self::Amount(e) => e.code(),
            Self::Stripe { kind, .. } if kind == "card_error" => "pay.card_error",
            Self::Stripe { .. } => "pay.stripe_error",
            Self::IdempotencyConflict(_) => "pay.stripe_idempotency_conflict",
            Self::Transport(_) => "pay.stripe_unreachable",
            Self::InvalidResponse(_) => "pay.stripe_invalid_response",
        }
    }

    /// Whether Stripe may have acted although no success came back: record nothing
    /// as failed, and retry later with the same idempotency key.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Transport(_) | Self::InvalidResponse(_) => true,
            Self::Stripe { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Whether the same call (same key) is worth retrying: the outcome is unknown,
    /// or Stripe asked to slow down (429) or is still running the first request
    /// with this key (409).
    pub fn is_retryable(&self) -> bool {
        self.outcome_unknown()
            || matches!(self, Self::Stripe { status, .. } if *status == 429 || *status == 409)
    }

    /// The HTTP status Tessera answers with: 400 for a request refused before
    /// sending, 502 for every Stripe failure (PAY-38), 503 when not configured.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::NotConfigured => 503,
            Self::InvalidRequest(_) | Self::Amount(_) => 400,
            _ => 502,
        }
    }
}

/// Everything Tessera asks of Stripe. `Arc<dyn PaymentGateway>` in the app state;
/// the real one is [`StripeClient`].
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// PAY-6/7: creates (or, for a key seen before, returns) the intent of an order.
    async fn create_payment_intent(
        &self,
        request: &PaymentIntentRequest,
    ) -> Result<PaymentIntent, GatewayError>;

    async fn retrieve_payment_intent(&self, id: &str) -> Result<PaymentIntent, GatewayError>;

    /// PAY-27: refunds (part of) an intent.
    async fn create_refund(&self, request: &RefundRequest) -> Result<Refund, GatewayError>;

    /// PAY-5: creates (or, for a key seen before, returns) a customer.
    async fn create_customer(&self, request: &CustomerRequest) -> Result<Customer, GatewayError>;

    /// PAY-32/33: a manual-capture, card-present intent for a Terminal reader.
    async fn create_terminal_intent(
        &self,
        request: &TerminalIntentRequest,
    ) -> Result<PaymentIntent, GatewayError>;

    /// PAY-36: captures what a manual-capture intent authorized.
    async fn capture_payment_intent(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError>;

    /// PAY-37: cancels an intent that was not captured.
    async fn cancel_payment_intent(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError>;

    /// PAY-37: cancels whatever the reader is doing (collecting a payment).
    async fn cancel_reader_action(&self, reader_id: &str) -> Result<(), GatewayError>;

    /// PAY-31: at most 100 readers, optionally of one Stripe location.
    async fn list_readers(&self, location: Option<&str>) -> Result<Vec<Reader>, GatewayError>;

    /// PAY-31: a connection token for the reader SDK (its `secret`).
    async fn create_connection_token(&self, location: Option<&str>)
    -> Result<String, GatewayError>;

    /// SPONSOR-24, MY-29: creates (or, for a key seen before, returns) a Checkout
    /// Session.
    async fn create_checkout_session(
        &self,
        request: &CheckoutSessionRequest,
    ) -> Result<CheckoutSession, GatewayError>;
}

/// SPONSOR-24, MY-29: a Stripe Checkout Session with one line (`unit_amount` ×
/// `quantity`), paid by card.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutSessionRequest {
    /// The price of one unit; PAY-9 converts it to the smallest currency unit.
    pub unit_amount: Decimal,
    pub quantity: u32,
    /// ISO 4217 code, any case; sent lowercase.
    pub currency: String,
    /// The line's product name.
    pub name: String,
    /// Set on the session and on its payment intent (so a refund's charge names it).
    pub metadata: BTreeMap<String, String>,
    pub success_url: String,
    pub cancel_url: String,
    pub customer_email: Option<String>,
    pub idempotency_key: String,
}

/// A Checkout Session as Tessera sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutSession {
    pub id: String,
    /// Where the buyer pays.
    pub url: Option<String>,
    pub payment_intent: Option<String>,
    pub payment_status: Option<String>,
}

/// A shared gateway, as the app state holds it.
pub type SharedGateway = Arc<dyn PaymentGateway>;

/// PAY-6: the idempotency key of a payment attempt. The first attempt of an order
/// uses the order reference (as 0.1.2 did); a later attempt of the same order
/// (the earlier intent was cancelled) gets `<reference>-<attempt>`.
pub fn intent_idempotency_key(reference: &str, attempt: u32) -> String {
    if attempt <= 1 {
        reference.to_string()
    } else {
        format!("{reference}-{attempt}")
    }
}

/// PAY-27: `refund-<intent>-<amount>-<reason>`, the amount with 2 decimals. Two
/// refunds of one intent with the same amount and reason within Stripe's key
/// lifetime (24 h) are one refund, as in 0.1.2.
///
/// Not used for Tessera's refunds any more: departing from PAY-27, a card refund's
/// key is `refund-<refund id>` (`tessera_aggregates::order::card_refund_idempotency_key`),
/// persisted with the refund before the call, so two legitimate partial refunds of
/// the same amount are two Stripe refunds and a resumed call is still the same one.
pub fn refund_idempotency_key(
    payment_intent: &str,
    amount: Decimal,
    reason: RefundReason,
) -> String {
    format!(
        "refund-{payment_intent}-{:.2}-{}",
        amount.round_dp(2),
        reason.as_str()
    )
}

/// PAY-5: `customer-<conference id>-<user id>`.
pub fn customer_idempotency_key(conference_id: Uuid, user_id: Uuid) -> String {
    format!("customer-{conference_id}-{user_id}")
}

/// PAY-32: one terminal intent per terminal request (the caller's request id).
pub fn terminal_intent_idempotency_key(request: Uuid) -> String {
    format!("terminal-{request}")
}

/// PAY-36: one key per capture request (a retry of the request reuses it). Not
/// one per intent: Stripe keeps a refusal under its key (a capture asked before
/// the card was presented), so the next request must ask afresh.
pub fn capture_idempotency_key(payment_intent: &str, request: Uuid) -> String {
    format!("capture-{payment_intent}-{request}")
}

/// PAY-37: one key per cancel request, as for captures.
pub fn cancel_idempotency_key(payment_intent: &str, request: Uuid) -> String {
    format!("cancel-{payment_intent}-{request}")
}

/// PAY-7: the intent id is the client secret before `_secret_`.
pub fn intent_id_from_client_secret(client_secret: &str) -> Option<&str> {
    client_secret
        .split_once("_secret_")
        .map(|(id, _)| id)
        .filter(|id| !id.is_empty())
}

/// PAY-10: a secret as logs may show it: `****` and its last 4 characters.
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 4 {
        return "****".to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

/// The real Stripe, through async-stripe.
#[derive(Clone)]
pub struct StripeClient {
    inner: stripe_sdk::Client,
    api_base: String,
    key_hint: String,
}

impl fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeClient")
            .field("api_base", &self.api_base)
            .field("secret_key", &self.key_hint)
            .finish()
    }
}

impl StripeClient {
    /// A client for `secret_key` against `api_base` (e.g. `https://api.stripe.com`,
    /// or a fake's `http://127.0.0.1:PORT`), with [`DEFAULT_TIMEOUT`].
    pub fn new(secret_key: &str, api_base: &str) -> Result<Self, GatewayError> {
        Self::with_timeout(secret_key, api_base, DEFAULT_TIMEOUT)
    }

    /// PAY-4: a client from the `[stripe]` config; `NotConfigured` without a
    /// secret key.
    pub fn from_config(config: &StripeConfig) -> Result<Self, GatewayError> {
        let key = config
            .secret_key
            .as_ref()
            .map(|s| s.expose())
            .filter(|s| !s.trim().is_empty())
            .ok_or(GatewayError::NotConfigured)?;
        Self::new(key, &config.api_base)
    }

    pub fn with_timeout(
        secret_key: &str,
        api_base: &str,
        timeout: Duration,
    ) -> Result<Self, GatewayError> {
        if secret_key.trim().is_empty() {
            return Err(GatewayError::NotConfigured);
        }
        let api_base = normalize_base(api_base)?;
        // rustls with the ring provider. Installing it as the
        // process default keeps rustls from refusing to choose should another
        // crate ever enable a second provider; an already installed one stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = stripe_sdk::ClientBuilder::new(secret_key)
            .url(api_base.clone())
            .timeout(timeout)
            .app_info("tessera", Some(env!("CARGO_PKG_VERSION").to_string()), None)
            .build()
            .map_err(|e| GatewayError::InvalidRequest(format!("client configuration: {e}")))?;
        Ok(Self {
            inner,
            api_base,
            key_hint: mask_secret(secret_key),
        })
    }

    pub fn api_base(&self) -> &str {
        &self.api_base
    }
}

/// `https://api.stripe.com` → `https://api.stripe.com/` (async-stripe appends
/// `v1/…` to the base as written).
fn normalize_base(api_base: &str) -> Result<String, GatewayError> {
    let base = api_base.trim();
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(GatewayError::InvalidRequest(format!(
            "Stripe api_base must be an http(s) URL (got {base:?})"
        )));
    }
    Ok(if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    })
}

fn idempotent(key: &str) -> Result<stripe_sdk::RequestStrategy, GatewayError> {
    let key = stripe_sdk::IdempotencyKey::new(key)
        .map_err(|e| GatewayError::InvalidRequest(format!("idempotency key: {e}")))?;
    Ok(stripe_sdk::RequestStrategy::Idempotent(key))
}

/// Stripe object ids (`pi_…`, `ch_…`) are `[A-Za-z0-9_]`; anything else would
/// change the path of the request.
fn check_object_id(id: &str, what: &str) -> Result<(), GatewayError> {
    if id.is_empty()
        || id.len() > 255
        || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(GatewayError::InvalidRequest(format!(
            "not a Stripe {what} id: {id:?}"
        )));
    }
    Ok(())
}

fn currency_code(currency: &str) -> Result<String, GatewayError> {
    let c = currency.trim().to_ascii_lowercase();
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(GatewayError::InvalidRequest(format!(
            "not an ISO 4217 currency code: {currency:?}"
        )));
    }
    Ok(c)
}

fn positive_minor(amount: Decimal, currency: &str) -> Result<i64, GatewayError> {
    let minor = to_minor_units(amount, currency)?;
    if minor <= 0 {
        return Err(GatewayError::InvalidRequest(
            "amount must be greater than zero".into(),
        ));
    }
    Ok(minor)
}

fn map_error(e: stripe_sdk::StripeError) -> GatewayError {
    use stripe_sdk::StripeError as E;
    match e {
        E::Stripe(err, status) => {
            let kind = err.type_.as_str().to_string();
            let message = err.message.clone();
            if kind == "idempotency_error" {
                return GatewayError::IdempotencyConflict(message.unwrap_or_default());
            }
            GatewayError::Stripe {
                status,
                kind,
                code: err.code.as_ref().map(|c| c.as_str().to_string()),
                message,
            }
        }
        E::JSONDeserialize(msg) => GatewayError::InvalidResponse(msg),
        E::ClientError(msg) => GatewayError::Transport(msg),
        E::Timeout => GatewayError::Transport("timeout".into()),
        E::ConfigError(msg) => GatewayError::InvalidRequest(msg),
    }
}

fn convert_intent(pi: stripe_core::PaymentIntent) -> PaymentIntent {
    let currency = pi.currency.to_string().to_ascii_lowercase();
    let metadata: BTreeMap<String, String> = pi.metadata.into_iter().collect();
    let order_id = metadata
        .get("order_id")
        .and_then(|s| Uuid::parse_str(s.trim()).ok());
    PaymentIntent {
        id: pi.id.as_str().to_string(),
        client_secret: pi.client_secret,
        amount_minor: pi.amount,
        amount: from_minor_units(pi.amount, &currency),
        status: pi.status.as_str().to_string(),
        latest_charge: pi.latest_charge.map(|c| c.id().as_str().to_string()),
        currency,
        metadata,
        order_id,
    }
}

fn convert_refund(r: stripe_core::Refund) -> Refund {
    let currency = r.currency.to_string().to_ascii_lowercase();
    Refund {
        id: r.id.as_str().to_string(),
        amount_minor: r.amount,
        amount: from_minor_units(r.amount, &currency),
        currency,
        status: r.status,
        payment_intent: r.payment_intent.map(|p| p.id().as_str().to_string()),
    }
}

/// The form of `POST /v1/customers` (PAY-5).
#[derive(Serialize)]
struct CustomerForm<'a> {
    email: &'a str,
    name: &'a str,
    metadata: BTreeMap<&'static str, String>,
}

/// The form of a card-present `POST /v1/payment_intents` (PAY-33).
#[derive(Serialize)]
struct TerminalIntentForm<'a> {
    amount: i64,
    currency: &'a str,
    capture_method: &'static str,
    payment_method_types: Vec<&'static str>,
    metadata: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

#[derive(Serialize)]
struct ReaderQuery<'a> {
    limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
}

#[derive(Serialize)]
struct ConnectionTokenForm<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
}

#[derive(Serialize)]
struct CheckoutPriceData<'a> {
    currency: &'a str,
    unit_amount: i64,
    product_data: CheckoutProductData<'a>,
}

#[derive(Serialize)]
struct CheckoutProductData<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct CheckoutLine<'a> {
    price_data: CheckoutPriceData<'a>,
    quantity: u32,
}

#[derive(Serialize)]
struct CheckoutIntentData<'a> {
    metadata: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct CheckoutSessionForm<'a> {
    mode: &'static str,
    line_items: Vec<CheckoutLine<'a>>,
    metadata: &'a BTreeMap<String, String>,
    payment_intent_data: CheckoutIntentData<'a>,
    success_url: &'a str,
    cancel_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_email: Option<&'a str>,
}

impl StripeClient {
    /// A request async-stripe has no typed builder for (in the enabled features),
    /// answered as JSON.
    async fn send_raw(
        &self,
        request: RequestBuilder,
        strategy: Option<stripe_sdk::RequestStrategy>,
    ) -> Result<serde_json::Value, GatewayError> {
        let mut call = request.customize::<miniserde::json::Value>();
        if let Some(strategy) = strategy {
            call = call.request_strategy(strategy);
        }
        let value = call.send(&self.inner).await.map_err(map_error)?;
        serde_json::from_str(&miniserde::json::to_string(&value))
            .map_err(|e| GatewayError::InvalidResponse(e.to_string()))
    }
}

fn text(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key).and_then(|v| v.as_str()).map(str::to_string)
}

fn convert_reader(r: &serde_json::Value) -> Option<Reader> {
    Some(Reader {
        id: text(r, "id")?,
        label: text(r, "label"),
        location: text(r, "location"),
        status: text(r, "status"),
        device_type: text(r, "device_type"),
        serial_number: text(r, "serial_number"),
    })
}

#[async_trait]
impl PaymentGateway for StripeClient {
    async fn create_payment_intent(
        &self,
        request: &PaymentIntentRequest,
    ) -> Result<PaymentIntent, GatewayError> {
        let currency = currency_code(&request.currency)?;
        let amount = positive_minor(request.amount, &currency)?;
        let strategy = idempotent(&request.idempotency_key)?;
        let metadata = HashMap::from([
            ("order_id".to_string(), request.order_id.to_string()),
            (
                "conference_id".to_string(),
                request.conference_id.to_string(),
            ),
            ("reference".to_string(), request.reference.clone()),
        ]);
        let Ok(currency_param) = currency.parse::<stripe_types::Currency>();
        let mut create = CreatePaymentIntent::new(amount, currency_param).metadata(metadata);
        if let Some(description) = request.description.as_deref().filter(|d| !d.is_empty()) {
            create = create.description(description);
        }
        if let Some(customer) = request.customer.as_deref().filter(|c| !c.is_empty()) {
            check_object_id(customer, "customer")?;
            create = create.customer(customer);
        }
        let intent = create
            .customize()
            .request_strategy(strategy)
            .send(&self.inner)
            .await
            .map_err(map_error)?;
        let intent = convert_intent(intent);
        // PAY-7: the browser needs the client secret, and it names this intent.
        match intent.client_secret.as_deref() {
            Some(secret) if intent_id_from_client_secret(secret) == Some(intent.id.as_str()) => {
                Ok(intent)
            }
            Some(_) => Err(GatewayError::InvalidResponse(
                "the client secret does not name the intent".into(),
            )),
            None => Err(GatewayError::InvalidResponse(
                "the intent has no client secret".into(),
            )),
        }
    }

    async fn retrieve_payment_intent(&self, id: &str) -> Result<PaymentIntent, GatewayError> {
        check_object_id(id, "payment intent")?;
        let intent = RetrievePaymentIntent::new(id)
            .send(&self.inner)
            .await
            .map_err(map_error)?;
        Ok(convert_intent(intent))
    }

    async fn create_refund(&self, request: &RefundRequest) -> Result<Refund, GatewayError> {
        check_object_id(&request.payment_intent, "payment intent")?;
        let currency = currency_code(&request.currency)?;
        let amount = positive_minor(request.amount, &currency)?;
        let strategy = idempotent(&request.idempotency_key)?;
        let reason = match request.reason {
            RefundReason::RequestedByCustomer => CreateRefundReason::RequestedByCustomer,
            RefundReason::Duplicate => CreateRefundReason::Duplicate,
            RefundReason::Fraudulent => CreateRefundReason::Fraudulent,
        };
        let refund = CreateRefund::new()
            .payment_intent(request.payment_intent.as_str())
            .amount(amount)
            .reason(reason)
            .customize()
            .request_strategy(strategy)
            .send(&self.inner)
            .await
            .map_err(map_error)?;
        Ok(convert_refund(refund))
    }

    async fn create_customer(&self, request: &CustomerRequest) -> Result<Customer, GatewayError> {
        let strategy = idempotent(&request.idempotency_key)?;
        let form = CustomerForm {
            email: &request.email,
            name: &request.name,
            metadata: BTreeMap::from([
                ("user_id", request.user_id.to_string()),
                ("conference_slug", request.conference_slug.clone()),
            ]),
        };
        let answer = self
            .send_raw(
                RequestBuilder::new(StripeMethod::Post, "/customers").form(&form),
                Some(strategy),
            )
            .await?;
        let id = text(&answer, "id")
            .filter(|id| check_object_id(id, "customer").is_ok())
            .ok_or_else(|| GatewayError::InvalidResponse("the customer has no id".into()))?;
        Ok(Customer { id })
    }

    async fn create_terminal_intent(
        &self,
        request: &TerminalIntentRequest,
    ) -> Result<PaymentIntent, GatewayError> {
        let currency = currency_code(&request.currency)?;
        let amount = positive_minor(request.amount, &currency)?;
        let strategy = idempotent(&request.idempotency_key)?;
        let mut metadata = BTreeMap::from([
            ("conference_id", request.conference_id.to_string()),
            ("conference_slug", request.conference_slug.clone()),
            ("terminal", "true".to_string()),
            ("staff_user_id", request.staff_user_id.to_string()),
        ]);
        if let Some((order_id, reference)) = &request.order {
            metadata.insert("order_id", order_id.to_string());
            metadata.insert("reference", reference.clone());
        }
        let form = TerminalIntentForm {
            amount,
            currency: &currency,
            capture_method: "manual",
            payment_method_types: vec!["card_present"],
            metadata,
            description: request.description.as_deref().filter(|d| !d.is_empty()),
        };
        let intent = RequestBuilder::new(StripeMethod::Post, "/payment_intents")
            .form(&form)
            .customize::<stripe_core::PaymentIntent>()
            .request_strategy(strategy)
            .send(&self.inner)
            .await
            .map_err(map_error)?;
        Ok(convert_intent(intent))
    }

    async fn capture_payment_intent(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError> {
        check_object_id(id, "payment intent")?;
        let intent = CapturePaymentIntent::new(id)
            .customize()
            .request_strategy(idempotent(idempotency_key)?)
            .send(&self.inner)
            .await
            .map_err(map_error)?;
        Ok(convert_intent(intent))
    }

    async fn cancel_payment_intent(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, GatewayError> {
        check_object_id(id, "payment intent")?;
        let intent = CancelPaymentIntent::new(id)
            .customize()
            .request_strategy(idempotent(idempotency_key)?)
            .send(&self.inner)
            .await
            .map_err(map_error)?;
        Ok(convert_intent(intent))
    }

    async fn cancel_reader_action(&self, reader_id: &str) -> Result<(), GatewayError> {
        check_object_id(reader_id, "reader")?;
        self.send_raw(
            RequestBuilder::new(
                StripeMethod::Post,
                format!("/terminal/readers/{reader_id}/cancel_action"),
            ),
            None,
        )
        .await
        .map(|_| ())
    }

    async fn list_readers(&self, location: Option<&str>) -> Result<Vec<Reader>, GatewayError> {
        let location = location.map(str::trim).filter(|l| !l.is_empty());
        if let Some(l) = location {
            check_object_id(l, "location")?;
        }
        let answer = self
            .send_raw(
                RequestBuilder::new(StripeMethod::Get, "/terminal/readers").query(&ReaderQuery {
                    limit: 100,
                    location,
                }),
                None,
            )
            .await?;
        let data = answer
            .get("data")
            .and_then(|d| d.as_array())
            .ok_or_else(|| GatewayError::InvalidResponse("the reader list has no data".into()))?;
        Ok(data.iter().filter_map(convert_reader).take(100).collect())
    }

    async fn create_connection_token(
        &self,
        location: Option<&str>,
    ) -> Result<String, GatewayError> {
        let location = location.map(str::trim).filter(|l| !l.is_empty());
        if let Some(l) = location {
            check_object_id(l, "location")?;
        }
        let answer = self
            .send_raw(
                RequestBuilder::new(StripeMethod::Post, "/terminal/connection_tokens")
                    .form(&ConnectionTokenForm { location }),
                None,
            )
            .await?;
        text(&answer, "secret")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                GatewayError::InvalidResponse("the connection token has no secret".into())
            })
    }

    async fn create_checkout_session(
        &self,
        request: &CheckoutSessionRequest,
    ) -> Result<CheckoutSession, GatewayError> {
        self.checkout_session(request).await
    }
}

impl StripeClient {
    async fn checkout_session(
        &self,
        request: &CheckoutSessionRequest,
    ) -> Result<CheckoutSession, GatewayError> {
        let currency = currency_code(&request.currency)?;
        let unit_amount = positive_minor(request.unit_amount, &currency)?;
        if request.quantity == 0 {
            return Err(GatewayError::InvalidRequest(
                "quantity must be at least 1".into(),
            ));
        }
        let strategy = idempotent(&request.idempotency_key)?;
        let form = CheckoutSessionForm {
            mode: "payment",
            line_items: vec![CheckoutLine {
                price_data: CheckoutPriceData {
                    currency: &currency,
                    unit_amount,
                    product_data: CheckoutProductData {
                        name: &request.name,
                    },
                },
                quantity: request.quantity,
            }],
            metadata: &request.metadata,
            payment_intent_data: CheckoutIntentData {
                metadata: &request.metadata,
            },
            success_url: &request.success_url,
            cancel_url: &request.cancel_url,
            customer_email: request.customer_email.as_deref().filter(|e| !e.is_empty()),
        };
        let answer = self
            .send_raw(
                RequestBuilder::new(StripeMethod::Post, "/checkout/sessions").form(&form),
                Some(strategy),
            )
            .await?;
        let id = text(&answer, "id")
            .filter(|id| check_object_id(id, "checkout session").is_ok())
            .ok_or_else(|| GatewayError::InvalidResponse("the session has no id".into()))?;
        Ok(CheckoutSession {
            id,
            url: text(&answer, "url"),
            payment_intent: text(&answer, "payment_intent"),
            payment_status: text(&answer, "payment_status"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_6_the_first_attempt_is_keyed_by_the_reference() {
        assert_eq!(intent_idempotency_key("ORD-A1B2C3D4", 1), "ORD-A1B2C3D4");
        assert_eq!(intent_idempotency_key("ORD-A1B2C3D4", 0), "ORD-A1B2C3D4");
        assert_eq!(intent_idempotency_key("ORD-A1B2C3D4", 2), "ORD-A1B2C3D4-2");
    }

    #[test]
    fn pay_27_refund_keys_name_intent_amount_and_reason() {
        assert_eq!(
            refund_idempotency_key("pi_1", Decimal::new(1000, 2), RefundReason::default()),
            "refund-pi_1-10.00-requested_by_customer"
        );
        assert_eq!(
            refund_idempotency_key("pi_1", Decimal::new(10, 0), RefundReason::Duplicate),
            "refund-pi_1-10.00-duplicate"
        );
    }

    #[test]
    fn pay_7_the_intent_id_is_the_client_secret_before_secret() {
        assert_eq!(
            intent_id_from_client_secret("pi_123_secret_abc"),
            Some("pi_123")
        );
        assert_eq!(intent_id_from_client_secret("pi_123"), None);
        assert_eq!(intent_id_from_client_secret("_secret_abc"), None);
    }

    #[test]
    fn pay_10_secrets_are_masked() {
        assert_eq!(mask_secret("sk_test_1234567890"), "****7890");
        assert_eq!(mask_secret("abc"), "****");
        assert_eq!(mask_secret("abcd"), "****abcd");
        assert_eq!(mask_secret(""), "****");
    }

    #[test]
    fn refund_reasons_round_trip() {
        for r in [
            RefundReason::RequestedByCustomer,
            RefundReason::Duplicate,
            RefundReason::Fraudulent,
        ] {
            assert_eq!(RefundReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(RefundReason::parse("because"), None);
    }

    #[test]
    fn the_base_url_gets_a_trailing_slash() {
        assert_eq!(
            normalize_base("https://api.stripe.com").ok().as_deref(),
            Some("https://api.stripe.com/")
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:9/").ok().as_deref(),
            Some("http://127.0.0.1:9/")
        );
        assert!(normalize_base("ftp://x").is_err());
    }

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        assert!(check_object_id("pi_3PqR", "payment intent").is_ok());
        for bad in ["", "pi/../refunds", "pi_1?x=1", "pi 1", "pi_1#"] {
            assert!(check_object_id(bad, "payment intent").is_err(), "{bad}");
        }
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(currency_code(" USD ").ok().as_deref(), Some("usd"));
        assert!(currency_code("usdd").is_err());
        assert!(currency_code("u$d").is_err());
    }

    #[test]
    fn not_configured_without_a_secret_key() {
        let mut config = crate::config::Config::default().stripe;
        assert_eq!(
            StripeClient::from_config(&config).err(),
            Some(GatewayError::NotConfigured)
        );
        config.secret_key = Some(crate::config::Secret::new("sk_test_abc"));
        let client = StripeClient::from_config(&config);
        assert!(client.is_ok());
        let shown = format!("{client:?}");
        assert!(!shown.contains("sk_test_abc"), "{shown}");
    }

    #[test]
    fn error_classes() {
        let transport = GatewayError::Transport("reset".into());
        assert!(transport.outcome_unknown() && transport.is_retryable());
        assert_eq!(transport.http_status(), 502);
        let server = GatewayError::Stripe {
            status: 500,
            kind: "api_error".into(),
            code: None,
            message: None,
        };
        assert!(server.outcome_unknown());
        let card = GatewayError::Stripe {
            status: 402,
            kind: "card_error".into(),
            code: Some("card_declined".into()),
            message: Some("Your card was declined.".into()),
        };
        assert!(!card.outcome_unknown() && !card.is_retryable());
        assert_eq!(card.code(), "pay.card_error");
        let busy = GatewayError::Stripe {
            status: 429,
            kind: "invalid_request_error".into(),
            code: Some("rate_limit".into()),
            message: None,
        };
        assert!(busy.is_retryable() && !busy.outcome_unknown());
        assert!(!GatewayError::IdempotencyConflict(String::new()).is_retryable());
        assert_eq!(
            GatewayError::Amount(AmountError::TooManyDecimals).http_status(),
            400
        );
        assert_eq!(GatewayError::NotConfigured.http_status(), 503);
    }
}
