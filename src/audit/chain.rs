//! The export's line format and its hash chain.
//!
//! An export is JSON lines: a header, one entry per event, a trailer. Each
//! entry's `hash` is SHA-256 over its `prev_hash` (hex), a newline, and the
//! canonical JSON of the entry without `prev_hash` and `hash`; the first entry's
//! `prev_hash` is the hash of the header's canonical JSON. The trailer names the
//! last hash (`head`) and the number of entries. Canonical JSON: object keys
//! sorted, no whitespace, strings and numbers as serde_json writes them.

use chrono::SecondsFormat;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tessera_replay::RawEvent;

/// The format name in every header.
pub const FORMAT: &str = "tessera-audit/1";

/// The first line of an export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub format: String,
    pub conference: String,
    pub conference_id: String,
    /// Personal fields replaced by keyed pseudonyms (see `pseudonymize`).
    pub pseudonymized: bool,
    pub exported_at: String,
}

/// Where an event sits in its aggregate's stream.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stream {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
}

/// One event, as exported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub position: i64,
    pub stream: Stream,
    pub event_type: String,
    pub payload: Value,
    pub metadata: Value,
    pub recorded_at: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The last line: the head of the chain and how many entries it holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Trailer {
    pub head: String,
    pub count: u64,
}

impl Entry {
    /// The entry of a stored event, not yet chained (hashes empty).
    pub fn of(e: &RawEvent) -> Self {
        let json = |s: &str| serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.into()));
        Self {
            position: e.position,
            stream: Stream {
                aggregate_type: e.aggregate_type.clone(),
                aggregate_id: e.aggregate_id.clone(),
                sequence: e.sequence,
            },
            event_type: e.event_type.clone(),
            payload: json(&e.payload),
            metadata: json(&e.metadata),
            recorded_at: e.recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// What the hash covers (all but the two hashes), borrowed, its fields in
    /// key order.
    fn covered(&self) -> Covered<'_> {
        Covered {
            event_type: &self.event_type,
            metadata: &self.metadata,
            payload: &self.payload,
            position: self.position,
            recorded_at: &self.recorded_at,
            stream: CoveredStream {
                aggregate_id: &self.stream.aggregate_id,
                aggregate_type: &self.stream.aggregate_type,
                sequence: self.stream.sequence,
            },
        }
    }

    /// The canonical JSON of what the hash covers (all but the two hashes).
    pub fn content(&self) -> String {
        serde_json::to_string(&self.covered()).unwrap_or_default()
    }

    /// The hash this entry must carry after `prev_hash`: the canonical JSON is
    /// written straight into the hash (no copy of the payload, no text).
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        // Writing JSON into a hasher cannot fail: its writer never errors.
        let _ = serde_json::to_writer(HashWriter(&mut h), &self.covered());
        hex(&h.finalize())
    }

    /// Chains the entry after `prev`.
    pub fn chain(mut self, prev: &str) -> Self {
        self.prev_hash = prev.to_string();
        self.hash = self.expected_hash();
        self
    }
}

/// The fields an entry's hash covers, in the order canonical JSON sorts their
/// keys; a JSON object inside (payload, metadata) is a `serde_json::Map`, which
/// keeps its keys sorted (`canonical_json_sorts_keys_at_every_level` guards that).
#[derive(Serialize)]
struct Covered<'a> {
    event_type: &'a str,
    metadata: &'a Value,
    payload: &'a Value,
    position: i64,
    recorded_at: &'a str,
    stream: CoveredStream<'a>,
}

#[derive(Serialize)]
struct CoveredStream<'a> {
    aggregate_id: &'a str,
    aggregate_type: &'a str,
    sequence: i64,
}

/// Bytes written into a hash.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The chain's start: the hash of the header.
pub fn genesis(header: &Header) -> String {
    let v = serde_json::to_value(header).unwrap_or(Value::Null);
    let mut h = Sha256::new();
    h.update(canonical(&v).as_bytes());
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Canonical JSON: keys sorted at every level, no whitespace. A
/// `serde_json::Map` keeps its keys sorted (the crate's `preserve_order`
/// feature is off; `canonical_json_sorts_keys_at_every_level` fails if a
/// dependency turns it on),
/// so writing the value is enough.
pub fn canonical(v: &Value) -> String {
    v.to_string()
}

/// Keys whose values are personal wherever they appear in a payload.
pub const PERSONAL_KEYS: &[&str] = &[
    "email",
    "email_hash",
    "password_hash",
    "billing_name",
    "billing_email",
    "billing_company",
    "billing_address",
    "address",
    "contact_name",
    "contact_email",
    "phone",
    "passport_number",
    "card_last4",
    "iban",
    // Travel-grant payment information (GRANT-40/41): sealed per person, and
    // still never shown in a pseudonymized export.
    "legal_name",
    "address_street",
    "address_city",
    "address_state",
    "address_zip",
    "address_country",
    "paypal_email",
    "zelle_email",
    "wise_email",
    "bank_name",
    "bank_account_number",
    "bank_routing_number",
    "bank_holder_name",
    "bank_holder_address",
    "bank_address",
    "bank_additional",
    "travel_from",
];

/// Aggregates whose `name` is a person's (elsewhere a name is a product's, an
/// activity's or a conference's).
const PERSON_AGGREGATES: &[&str] = &["user", "attendee"];

fn is_personal(aggregate_type: &str, key: &str) -> bool {
    PERSONAL_KEYS.contains(&key)
        || key == "sealed"
        || key.starts_with("sealed_")
        || key.starts_with("passport")
        || (key == "name" && PERSON_AGGREGATES.contains(&aggregate_type))
}

/// Replaces every personal value of `payload` (string or object) by `replace`
/// applied to its canonical JSON.
pub fn pseudonymize(aggregate_type: &str, payload: &mut Value, replace: &dyn Fn(&str) -> String) {
    match payload {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let empty = v.is_null() || v.as_str().is_some_and(str::is_empty);
                if is_personal(aggregate_type, k) && !empty {
                    let original = canonical(v);
                    *v = Value::String(replace(&original));
                } else {
                    pseudonymize(aggregate_type, v, replace);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                pseudonymize(aggregate_type, v, replace);
            }
        }
        _ => {}
    }
}

/// A stable pseudonym: HMAC-SHA256 of the value under the export's salt.
pub fn pseudonym(salt: &[u8], value: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(salt) {
        Ok(m) => m,
        // HMAC takes keys of any length.
        Err(_) => return "pseudonym".to_string(),
    };
    mac.update(value.as_bytes());
    format!("pseudonym:{}", &hex(&mac.finalize().into_bytes())[..24])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = json!({ "b": 1, "a": { "d": [ { "f": 1, "e": 2 } ], "c": "x" } });
        assert_eq!(
            canonical(&v),
            r#"{"a":{"c":"x","d":[{"e":2,"f":1}]},"b":1}"#
        );
    }

    /// SHA-256 of `prev`, a newline and `content`, in hex: the link as the
    /// format defines it.
    fn link(prev: &str, content: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update(b"\n");
        h.update(content.as_bytes());
        hex(&h.finalize())
    }

    /// The hash is written without building the JSON text: it must be the hash
    /// of exactly the canonical JSON an export has always been chained over.
    #[test]
    fn the_streamed_hash_is_the_hash_of_the_canonical_entry() {
        let entry = Entry {
            position: 42,
            stream: Stream {
                aggregate_type: "order".into(),
                aggregate_id: "b5a3".into(),
                sequence: 3,
            },
            event_type: "OrderPlaced".into(),
            payload: json!({ "OrderPlaced": { "z": [ { "y": 1, "x": "é\"\n" } ], "a": null } }),
            metadata: json!({ "request_id": "r", "actor": "u", "conference_id": "c" }),
            recorded_at: "2026-01-02T03:04:05.000006Z".into(),
            prev_hash: "ab".repeat(32),
            hash: String::new(),
        };
        let whole = json!({
            "position": entry.position,
            "stream": entry.stream,
            "event_type": entry.event_type,
            "payload": entry.payload,
            "metadata": entry.metadata,
            "recorded_at": entry.recorded_at,
        });
        let text = canonical(&whole);
        assert_eq!(entry.content(), text);
        assert_eq!(entry.expected_hash(), link(&entry.prev_hash, &text));
        let mut h = Sha256::new();
        h.update(format!("{}\n{text}", entry.prev_hash).as_bytes());
        assert_eq!(entry.expected_hash(), hex(&h.finalize()));
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn pseudonyms_are_stable_per_salt_and_hide_the_value() {
        let salt = [7u8; 32];
        let mut a = json!({ "OrderPlaced": { "billing_email": "ana@example.org",
            "billing_name": "", "total": "100.00",
            "sealed_billing": { "v": 1, "n": "nonce", "c": "cipher" } } });
        let mut b = a.clone();
        pseudonymize("order", &mut a, &|v| pseudonym(&salt, v));
        pseudonymize("order", &mut b, &|v| pseudonym(&salt, v));
        assert_eq!(a, b);
        let text = a.to_string();
        assert!(!text.contains("ana@example.org") && !text.contains("cipher"));
        assert_eq!(a["OrderPlaced"]["total"], "100.00");
        assert_eq!(a["OrderPlaced"]["billing_name"], "");
        let mut c = json!({ "billing_email": "ana@example.org" });
        pseudonymize("order", &mut c, &|v| pseudonym(&[8u8; 32], v));
        assert_ne!(c["billing_email"], a["OrderPlaced"]["billing_email"]);
    }

    #[test]
    fn a_product_name_is_not_personal_a_user_name_is() {
        let mut product = json!({ "name": "Individual" });
        pseudonymize("inventory", &mut product, &|_| "p".into());
        assert_eq!(product["name"], "Individual");
        let mut user = json!({ "name": "Ana" });
        pseudonymize("user", &mut user, &|_| "p".into());
        assert_eq!(user["name"], "p");
    }

    #[test]
    fn grant_payment_info_and_sealed_profiles_are_personal() {
        let sealed = json!({ "v": 1, "n": "nonce", "c": "cipher" });
        let mut grant = json!({ "GrantPaymentInfoRecorded": { "info": {
            "payment_method": "paypal", "legal_name": sealed, "paypal_email": sealed,
            "bank_account_number": sealed } } });
        pseudonymize("travel_grant", &mut grant, &|_| "p".into());
        let info = &grant["GrantPaymentInfoRecorded"]["info"];
        assert_eq!(info["payment_method"], "paypal");
        for key in ["legal_name", "paypal_email", "bank_account_number"] {
            assert_eq!(info[key], "p", "{key}");
        }
        let mut profile = json!({ "ProfileSaved": { "sealed": sealed } });
        pseudonymize("profile", &mut profile, &|_| "p".into());
        assert_eq!(profile["ProfileSaved"]["sealed"], "p");
    }
}
