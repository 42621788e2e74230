//! Stripe webhooks: signature verification and typed reading of events (SPEC
//! PAY-40…54, AMB-31).
//!
//! Pure functions: no clock, no I/O. The HTTP handler passes the raw body, the
//! `Stripe-Signature` header, the configured secrets and tolerance, and "now".

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::amount::from_minor_units;

type HmacSha256 = Hmac<Sha256>;

/// The header Stripe signs its deliveries with.
pub const SIGNATURE_HEADER: &str = "Stripe-Signature";

/// Why a delivery was not verified. Every one of them answers 400 and stores
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("The Stripe-Signature header is missing.")]
    MissingHeader,
    #[error("The Stripe-Signature header is malformed.")]
    MalformedHeader,
    #[error("The Stripe-Signature header has no v1 signature.")]
    NoSignature,
    #[error("No webhook signing secret is configured.")]
    NoSecret,
    #[error("No signature matches the payload.")]
    SignatureMismatch,
    /// The timestamp is older, or further in the future, than the tolerance.
    #[error("The signature timestamp is outside the tolerance.")]
    TimestampOutOfTolerance { timestamp: i64, now: i64 },
}

impl WebhookError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader => "stripe.webhook.missing_signature",
            Self::MalformedHeader => "stripe.webhook.malformed_signature",
            Self::NoSignature => "stripe.webhook.no_signature",
            Self::NoSecret => "stripe.webhook.no_secret",
            Self::SignatureMismatch => "stripe.webhook.signature_mismatch",
            Self::TimestampOutOfTolerance { .. } => "stripe.webhook.timestamp_out_of_tolerance",
        }
    }
}

/// A parsed `Stripe-Signature` header: `t=…,v1=…,v1=…,v0=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignatureHeader<'a> {
    /// The timestamp exactly as sent: it is what Stripe signed.
    raw_timestamp: &'a str,
    timestamp: i64,
    /// Every `v1` entry, decoded; entries that are not 32 bytes of hex can match
    /// nothing and are dropped.
    v1: Vec<[u8; 32]>,
    /// Whether any `v1` entry was present at all.
    any_v1: bool,
}

fn parse_header(header: &str) -> Result<SignatureHeader<'_>, WebhookError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(WebhookError::MissingHeader);
    }
    let mut timestamp: Option<(&str, i64)> = None;
    let mut v1 = Vec::new();
    let mut any_v1 = false;
    for item in header.split(',') {
        let (key, value) = item
            .trim()
            .split_once('=')
            .ok_or(WebhookError::MalformedHeader)?;
        let (key, value) = (key.trim(), value.trim());
        match key {
            "t" => {
                if timestamp.is_some()
                    || value.is_empty()
                    || value.len() > 18
                    || !value.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(WebhookError::MalformedHeader);
                }
                let t = value
                    .parse::<i64>()
                    .map_err(|_| WebhookError::MalformedHeader)?;
                timestamp = Some((value, t));
            }
            "v1" => {
                any_v1 = true;
                if let Some(sig) = decode_hex_32(value) {
                    v1.push(sig);
                }
            }
            "" => return Err(WebhookError::MalformedHeader),
            _ => {} // v0 and schemes to come are ignored
        }
    }
    let (raw_timestamp, timestamp) = timestamp.ok_or(WebhookError::MalformedHeader)?;
    Ok(SignatureHeader {
        raw_timestamp,
        timestamp,
        v1,
        any_v1,
    })
}

/// Verifies a delivery (PAY-40): accepted when any `v1` signature
/// of the header is HMAC-SHA256(secret, "{t}.{payload}") for any of `secrets`
/// (secret rotation), compared in constant time, and `t` is within
/// `tolerance_secs` of `now_unix` in either direction (a tolerance of 0 accepts only
/// the very second).
pub fn verify(
    payload: &[u8],
    signature_header: &str,
    secrets: &[&str],
    tolerance_secs: u64,
    now_unix: i64,
) -> Result<(), WebhookError> {
    let header = parse_header(signature_header)?;
    if !header.any_v1 {
        return Err(WebhookError::NoSignature);
    }
    let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    if secrets.is_empty() {
        return Err(WebhookError::NoSecret);
    }
    let matched = secrets.iter().any(|secret| {
        let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(header.raw_timestamp.as_bytes());
        mac.update(b".");
        mac.update(payload);
        header
            .v1
            .iter()
            .any(|sig| mac.clone().verify_slice(sig).is_ok())
    });
    if !matched {
        return Err(WebhookError::SignatureMismatch);
    }
    let skew = (i128::from(now_unix) - i128::from(header.timestamp)).unsigned_abs();
    if skew > u128::from(tolerance_secs) {
        return Err(WebhookError::TimestampOutOfTolerance {
            timestamp: header.timestamp,
            now: now_unix,
        });
    }
    Ok(())
}

/// The `v1` signature of `payload` at `t` under `secret`, lowercase hex.
pub fn signature(payload: &[u8], secret: &str, t: i64) -> String {
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    to_hex(&mac.finalize().into_bytes())
}

/// A `Stripe-Signature` header value for `payload` signed at `t` with `secret`, as
/// Stripe would send it: `t=<t>,v1=<hex>`. For tests and the fake Stripe.
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    format!("t={t},v1={}", signature(payload, secret, t))
}

/// SHA-256 of a payload, lowercase hex: the `payload_digest` of
/// `StripeEventCommand::Receive`.
pub fn payload_digest(payload: &[u8]) -> String {
    to_hex(&Sha256::digest(payload))
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

fn decode_hex_32(s: &str) -> Option<[u8; 32]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

// ----------------------------------------------------------------------------
// Events

/// Why a verified payload could not be read as a Stripe event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("The payload is not JSON: {0}")]
    InvalidJson(String),
    #[error("The event has no valid `{0}`.")]
    MissingField(&'static str),
}

impl EventError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidJson(_) => "stripe.webhook.invalid_json",
            Self::MissingField(_) => "stripe.webhook.missing_field",
        }
    }
}

/// A Stripe event as delivered (PAY-42): the envelope, and its `data.object`.
#[derive(Debug, Clone, PartialEq)]
pub struct StripeEvent {
    /// `evt_…`
    pub id: String,
    /// The event type, e.g. `payment_intent.succeeded`.
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    pub livemode: bool,
    pub api_version: Option<String>,
    /// `data.object`.
    pub object: Value,
}

/// The kinds Tessera handles (PAY-43).
pub mod kinds {
    pub const PAYMENT_INTENT_SUCCEEDED: &str = "payment_intent.succeeded";
    pub const PAYMENT_INTENT_PAYMENT_FAILED: &str = "payment_intent.payment_failed";
    pub const CHARGE_REFUNDED: &str = "charge.refunded";
    pub const CHARGE_DISPUTE_CREATED: &str = "charge.dispute.created";
    pub const CHECKOUT_SESSION_COMPLETED: &str = "checkout.session.completed";
    pub const CHECKOUT_SESSION_EXPIRED: &str = "checkout.session.expired";
}

/// Reads a verified payload. Refuses anything that is not a JSON object with a
/// non-empty `id` and `type`, an integer `created` and an object `data.object`.
pub fn parse_event(payload: &[u8]) -> Result<StripeEvent, EventError> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| EventError::InvalidJson(e.to_string()))?;
    let Value::Object(mut envelope) = value else {
        return Err(EventError::InvalidJson("not an object".into()));
    };
    let id = non_empty_str(&envelope, "id").ok_or(EventError::MissingField("id"))?;
    let kind = non_empty_str(&envelope, "type").ok_or(EventError::MissingField("type"))?;
    let created = envelope
        .get("created")
        .and_then(Value::as_i64)
        .ok_or(EventError::MissingField("created"))?;
    let livemode = envelope
        .get("livemode")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let api_version = non_empty_str(&envelope, "api_version");
    let object = match envelope
        .get_mut("data")
        .and_then(Value::as_object_mut)
        .and_then(|data| data.remove("object"))
    {
        Some(object @ Value::Object(_)) => object,
        _ => return Err(EventError::MissingField("data.object")),
    };
    Ok(StripeEvent {
        id,
        kind,
        created,
        livemode,
        api_version,
        object,
    })
}

impl StripeEvent {
    /// The typed content of a handled kind; `Unhandled` for every other kind
    /// (PAY-43: stored, never processed). An object of a handled kind that lacks
    /// a field Tessera relies on is an error.
    pub fn data(&self) -> Result<EventData, EventError> {
        use kinds::*;
        Ok(match self.kind.as_str() {
            PAYMENT_INTENT_SUCCEEDED => {
                EventData::PaymentIntentSucceeded(PaymentIntentObject::from_value(&self.object)?)
            }
            PAYMENT_INTENT_PAYMENT_FAILED => EventData::PaymentIntentPaymentFailed(
                PaymentIntentObject::from_value(&self.object)?,
            ),
            CHARGE_REFUNDED => EventData::ChargeRefunded(ChargeObject::from_value(&self.object)?),
            CHARGE_DISPUTE_CREATED => {
                EventData::ChargeDisputeCreated(DisputeObject::from_value(&self.object)?)
            }
            CHECKOUT_SESSION_COMPLETED => EventData::CheckoutSessionCompleted(
                CheckoutSessionObject::from_value(&self.object)?,
            ),
            CHECKOUT_SESSION_EXPIRED => {
                EventData::CheckoutSessionExpired(CheckoutSessionObject::from_value(&self.object)?)
            }
            _ => EventData::Unhandled,
        })
    }

    /// `data.object.customer` (PAY-42), None when absent or empty.
    pub fn customer_id(&self) -> Option<String> {
        self.object.get("customer").and_then(object_id)
    }

    /// `data.object.metadata.order_id` as an order id, None when absent or not a UUID.
    pub fn order_id(&self) -> Option<Uuid> {
        uuid_in(&metadata_of(&self.object), "order_id")
    }

    /// `data.object.metadata.conference_id` as a conference id.
    pub fn conference_id(&self) -> Option<Uuid> {
        uuid_in(&metadata_of(&self.object), "conference_id")
    }
}

/// What a handled event carries.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    PaymentIntentSucceeded(PaymentIntentObject),
    PaymentIntentPaymentFailed(PaymentIntentObject),
    ChargeRefunded(ChargeObject),
    ChargeDisputeCreated(DisputeObject),
    CheckoutSessionCompleted(CheckoutSessionObject),
    CheckoutSessionExpired(CheckoutSessionObject),
    Unhandled,
}

impl EventData {
    /// The payment intent the event is about. None (never "") when the object has
    /// no intent id (AMB-31): such an event matches no payment.
    pub fn payment_intent_id(&self) -> Option<&str> {
        match self {
            Self::PaymentIntentSucceeded(pi) | Self::PaymentIntentPaymentFailed(pi) => {
                Some(pi.id.as_str())
            }
            Self::ChargeRefunded(c) => c.payment_intent_id(),
            Self::ChargeDisputeCreated(d) => d.payment_intent_id(),
            Self::CheckoutSessionCompleted(s) | Self::CheckoutSessionExpired(s) => {
                s.payment_intent_id()
            }
            Self::Unhandled => None,
        }
    }
}

/// A PaymentIntent object (`payment_intent.*` events).
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentIntentObject {
    pub id: String,
    /// In the smallest unit of `currency`.
    pub amount: i64,
    pub amount_received: i64,
    /// Lowercase ISO code.
    pub currency: String,
    pub status: Option<String>,
    /// PAY-45: the charge id recorded on the payment.
    pub latest_charge: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// `metadata.order_id` as an order id (PAY-45: absent → nothing to do).
    pub order_id: Option<Uuid>,
    pub conference_id: Option<Uuid>,
    /// `last_payment_error.message`, for failures.
    pub last_payment_error: Option<String>,
}

impl PaymentIntentObject {
    pub fn from_value(v: &Value) -> Result<Self, EventError> {
        let obj = v
            .as_object()
            .ok_or(EventError::MissingField("data.object"))?;
        let metadata = metadata_of(v);
        Ok(Self {
            id: non_empty_str(obj, "id").ok_or(EventError::MissingField("id"))?,
            amount: int(obj, "amount").ok_or(EventError::MissingField("amount"))?,
            amount_received: int(obj, "amount_received").unwrap_or(0),
            currency: currency(obj)?,
            status: non_empty_str(obj, "status"),
            latest_charge: obj.get("latest_charge").and_then(object_id),
            order_id: uuid_in(&metadata, "order_id"),
            conference_id: uuid_in(&metadata, "conference_id"),
            metadata,
            last_payment_error: obj
                .get("last_payment_error")
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// PAY-9, inverse: `amount` as a decimal of `currency`.
    pub fn amount_decimal(&self) -> Decimal {
        from_minor_units(self.amount, &self.currency)
    }
}

/// One refund listed on a charge.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundObject {
    pub id: String,
    pub amount: i64,
    pub status: Option<String>,
    pub reason: Option<String>,
    /// Unix seconds, when present.
    pub created: Option<i64>,
}

/// A Charge object (`charge.refunded`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeObject {
    pub id: String,
    /// None when absent, null or "" (AMB-31).
    pub payment_intent: Option<String>,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
    pub refunded: bool,
    /// `refunds.data`, when Stripe included it (recent API versions do not by
    /// default).
    pub refunds: Vec<RefundObject>,
    pub metadata: BTreeMap<String, String>,
    pub order_id: Option<Uuid>,
}

impl ChargeObject {
    pub fn from_value(v: &Value) -> Result<Self, EventError> {
        let obj = v
            .as_object()
            .ok_or(EventError::MissingField("data.object"))?;
        let metadata = metadata_of(v);
        let refunds = obj
            .get("refunds")
            .and_then(|r| r.get("data"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|r| {
                        let r = r.as_object()?;
                        Some(RefundObject {
                            id: non_empty_str(r, "id")?,
                            amount: int(r, "amount").unwrap_or(0),
                            status: non_empty_str(r, "status"),
                            reason: non_empty_str(r, "reason"),
                            created: int(r, "created"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            id: non_empty_str(obj, "id").ok_or(EventError::MissingField("id"))?,
            payment_intent: obj.get("payment_intent").and_then(object_id),
            amount: int(obj, "amount").ok_or(EventError::MissingField("amount"))?,
            amount_refunded: int(obj, "amount_refunded").unwrap_or(0),
            currency: currency(obj)?,
            refunded: obj
                .get("refunded")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            refunds,
            order_id: uuid_in(&metadata, "order_id"),
            metadata,
        })
    }

    /// AMB-31: None, never "", when the charge names no intent.
    pub fn payment_intent_id(&self) -> Option<&str> {
        self.payment_intent.as_deref()
    }

    /// PAY-47: a full refund iff amount_refunded ≥ amount.
    pub fn is_full_refund(&self) -> bool {
        self.amount_refunded >= self.amount
    }

    pub fn amount_decimal(&self) -> Decimal {
        from_minor_units(self.amount, &self.currency)
    }

    pub fn amount_refunded_decimal(&self) -> Decimal {
        from_minor_units(self.amount_refunded, &self.currency)
    }
}

/// A Dispute object (`charge.dispute.created`; PAY-48: logged only).
#[derive(Debug, Clone, PartialEq)]
pub struct DisputeObject {
    pub id: String,
    pub charge: Option<String>,
    pub payment_intent: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub status: Option<String>,
}

impl DisputeObject {
    pub fn from_value(v: &Value) -> Result<Self, EventError> {
        let obj = v
            .as_object()
            .ok_or(EventError::MissingField("data.object"))?;
        Ok(Self {
            id: non_empty_str(obj, "id").ok_or(EventError::MissingField("id"))?,
            charge: obj.get("charge").and_then(object_id),
            payment_intent: obj.get("payment_intent").and_then(object_id),
            amount: int(obj, "amount").unwrap_or(0),
            currency: currency(obj).unwrap_or_default(),
            reason: non_empty_str(obj, "reason"),
            status: non_empty_str(obj, "status"),
        })
    }

    pub fn payment_intent_id(&self) -> Option<&str> {
        self.payment_intent.as_deref()
    }
}

/// A Checkout Session object (`checkout.session.*`, bulk purchases PAY-49/50).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutSessionObject {
    pub id: String,
    pub payment_intent: Option<String>,
    pub payment_status: Option<String>,
    pub status: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

impl CheckoutSessionObject {
    pub fn from_value(v: &Value) -> Result<Self, EventError> {
        let obj = v
            .as_object()
            .ok_or(EventError::MissingField("data.object"))?;
        Ok(Self {
            id: non_empty_str(obj, "id").ok_or(EventError::MissingField("id"))?,
            payment_intent: obj.get("payment_intent").and_then(object_id),
            payment_status: non_empty_str(obj, "payment_status"),
            status: non_empty_str(obj, "status"),
            metadata: metadata_of(v),
        })
    }

    pub fn payment_intent_id(&self) -> Option<&str> {
        self.payment_intent.as_deref()
    }

    /// PAY-49: `metadata.bulk_purchase_id`.
    pub fn bulk_purchase_id(&self) -> Option<Uuid> {
        uuid_in(&self.metadata, "bulk_purchase_id")
    }
}

fn non_empty_str(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn int(obj: &Map<String, Value>, key: &str) -> Option<i64> {
    obj.get(key).and_then(Value::as_i64)
}

fn currency(obj: &Map<String, Value>) -> Result<String, EventError> {
    non_empty_str(obj, "currency")
        .map(|c| c.to_ascii_lowercase())
        .ok_or(EventError::MissingField("currency"))
}

/// The id of a reference that is either an id string or an expanded object.
/// None for null, "" or an object without an id (AMB-31).
fn object_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => non_empty_str(o, "id"),
        _ => None,
    }
}

fn metadata_of(object: &Value) -> BTreeMap<String, String> {
    object
        .get("metadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn uuid_in(metadata: &BTreeMap<String, String>, key: &str) -> Option<Uuid> {
    metadata
        .get(key)
        .and_then(|s| Uuid::parse_str(s.trim()).ok())
}

#[cfg(test)]
mod tests;
