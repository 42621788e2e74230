//! `tessera migrate personal-data`: seals the personal values of the events
//! written before personal data was encrypted per person.
//!
//! Three event types of the first releases carry plain personal values:
//! `UserRegistered` (e-mail and name), `OrderPlaced` (billing name, e-mail and
//! company) and `PurchaseOrderCreated` (the contact's e-mail, name, billing
//! address and notes, sealed under the PO's own key), and `SpeakerSynced` (the
//! speaker's e-mail from Pretalx, sealed under the address's user id). Erasing a person forgets their key, which does nothing for a plain
//! value, so such an event is rewritten in place into the shape the current code
//! writes: the plain fields blank, the values sealed under the person's key (and
//! the e-mail's lookup hash added, so the account still signs in). For a person
//! already erased the values are not sealed but dropped: the fields then read
//! "erased" like every other value of theirs.
//!
//! This is the one place that changes a stored event, and only its personal
//! fields: types, amounts, positions and metadata stay as they were. Resumable:
//! a rewritten event has no plain value left, so a second run (or a run after a
//! crash) skips it. Read models hold the old values until rebuilt, so the
//! command rebuilds them afterwards (`replay rebuild`). An audit export made
//! before the migration still verifies on its own, but no longer against the
//! database (`audit verify --against-database`).

use serde_json::{Map, Value};
use tessera_aggregates::program::SealedSpeakerEmail;
use tessera_aggregates::user::{Sealed, normalize_email};
use tessera_replay::Db;
use uuid::Uuid;

use super::{PersonalData, PersonalError};

/// Events read per batch.
const BATCH: i64 = 500;

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MigrationReport {
    /// Events of the four types looked at.
    pub scanned: u64,
    /// Events rewritten with their values sealed.
    pub sealed: u64,
    /// Events of erased people rewritten with their values dropped.
    pub dropped: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(transparent)]
    Personal(#[from] PersonalError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("event at position {position} is not the JSON its type needs: {detail}")]
    Malformed { position: i64, detail: String },
}

/// One stored event of a type that may hold plain values.
struct Row {
    position: i64,
    aggregate_id: String,
    event_type: String,
    payload: String,
}

/// Seals every plain personal value of the log; `progress` is told each batch.
pub async fn migrate_personal_data(
    db: &Db,
    personal: &PersonalData,
    mut progress: impl FnMut(&MigrationReport),
) -> Result<MigrationReport, MigrationError> {
    let mut report = MigrationReport::default();
    let mut after = 0i64;
    loop {
        let rows = batch(db, after).await?;
        let Some(last) = rows.last() else {
            return Ok(report);
        };
        after = last.position;
        for row in rows {
            report.scanned += 1;
            let mut payload: Value =
                serde_json::from_str(&row.payload).map_err(|e| malformed(&row, e))?;
            let outcome = match row.event_type.as_str() {
                "UserRegistered" => {
                    let person =
                        Uuid::parse_str(&row.aggregate_id).map_err(|e| malformed(&row, e))?;
                    let inner = inner(&mut payload, "UserRegistered", &row)?;
                    seal_registration(personal, person, inner).await?
                }
                "SpeakerSynced" => {
                    let inner = inner(&mut payload, "SpeakerSynced", &row)?;
                    seal_speaker_email(personal, inner, &row).await?
                }
                "PurchaseOrderCreated" => {
                    let po = Uuid::parse_str(&row.aggregate_id).map_err(|e| malformed(&row, e))?;
                    let inner = inner(&mut payload, "PurchaseOrderCreated", &row)?;
                    seal_po_contact(personal, po, inner, &row).await?
                }
                _ => {
                    let inner = inner(&mut payload, "OrderPlaced", &row)?;
                    seal_billing(personal, inner, &row).await?
                }
            };
            match outcome {
                Outcome::Untouched => continue,
                Outcome::Sealed => report.sealed += 1,
                Outcome::Dropped => report.dropped += 1,
            }
            rewrite(db, row.position, &payload.to_string()).await?;
        }
        progress(&report);
    }
}

enum Outcome {
    Untouched,
    Sealed,
    Dropped,
}

/// A speaker's plain e-mail (the speaker is flattened into `speaker`) sealed
/// under the address's user id, with its lookup hash, as the sync writes it.
async fn seal_speaker_email(
    personal: &PersonalData,
    inner: &mut Map<String, Value>,
    row: &Row,
) -> Result<Outcome, MigrationError> {
    let Some(speaker) = inner.get_mut("speaker").and_then(Value::as_object_mut) else {
        return Err(malformed(row, "no speaker object"));
    };
    let email = take(speaker, "email").trim().to_lowercase();
    speaker.remove("email");
    if email.is_empty() {
        return Ok(Outcome::Untouched);
    }
    let person = crate::ids::user_id(&email);
    if personal.is_erased(person).await? {
        return Ok(Outcome::Dropped);
    }
    let sealed = SealedSpeakerEmail {
        person,
        email: personal.seal(person, &email).await?,
        hash: personal.email_hash(&email),
    };
    let value = serde_json::to_value(sealed).map_err(|e| malformed(row, e))?;
    speaker.insert("sealed_email".into(), value);
    Ok(Outcome::Sealed)
}

fn malformed(row: &Row, e: impl std::fmt::Display) -> MigrationError {
    MigrationError::Malformed {
        position: row.position,
        detail: e.to_string(),
    }
}

fn inner<'a>(
    payload: &'a mut Value,
    variant: &str,
    row: &Row,
) -> Result<&'a mut Map<String, Value>, MigrationError> {
    payload
        .get_mut(variant)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| malformed(row, format!("no {variant} object")))
}

/// Takes the plain text of `field` (blanked in place; "" when absent).
fn take(inner: &mut Map<String, Value>, field: &str) -> String {
    match inner.get_mut(field) {
        Some(Value::String(s)) => std::mem::take(s),
        _ => String::new(),
    }
}

fn has(inner: &Map<String, Value>, field: &str) -> bool {
    inner.get(field).is_some_and(|v| !v.is_null())
}

fn plain(inner: &Map<String, Value>, field: &str) -> bool {
    inner
        .get(field)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// A value that reads as erased: it opens under no key.
fn tombstone() -> Sealed {
    Sealed {
        v: 1,
        n: String::new(),
        c: String::new(),
    }
}

fn json(sealed: &Sealed) -> Value {
    serde_json::to_value(sealed).unwrap_or(Value::Null)
}

async fn seal_registration(
    personal: &PersonalData,
    person: Uuid,
    inner: &mut Map<String, Value>,
) -> Result<Outcome, MigrationError> {
    if has(inner, "sealed_email") || !(plain(inner, "email") || plain(inner, "name")) {
        return Ok(Outcome::Untouched);
    }
    let email = take(inner, "email");
    let name = take(inner, "name");
    if personal.is_erased(person).await? {
        inner.insert("sealed_email".into(), json(&tombstone()));
        inner.insert("sealed_name".into(), json(&tombstone()));
        inner.remove("email_hash");
        return Ok(Outcome::Dropped);
    }
    // What registration seals today: the normalized e-mail, the trimmed name.
    let normalized = normalize_email(&email).unwrap_or_else(|| email.trim().to_lowercase());
    let identity = personal.seal_identity(person, &normalized, &name).await?;
    inner.insert("sealed_email".into(), json(&identity.email));
    inner.insert("sealed_name".into(), json(&identity.name));
    inner.insert("email_hash".into(), Value::String(identity.email_hash));
    Ok(Outcome::Sealed)
}

async fn seal_billing(
    personal: &PersonalData,
    inner: &mut Map<String, Value>,
    row: &Row,
) -> Result<Outcome, MigrationError> {
    let fields = ["billing_name", "billing_email", "billing_company"];
    if has(inner, "sealed_billing") || !fields.iter().any(|f| plain(inner, f)) {
        return Ok(Outcome::Untouched);
    }
    let buyer = inner
        .get("user")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| malformed(row, "OrderPlaced without its buyer"))?;
    let [name, email, company] = fields.map(|f| take(inner, f));
    let (sealed, outcome) = if personal.is_erased(buyer).await? {
        let dead = |v: &str| (!v.is_empty()).then(tombstone);
        let billing = tessera_aggregates::user::SealedBilling {
            name: dead(&name),
            email: dead(&email),
            company: dead(&company),
        };
        (billing, Outcome::Dropped)
    } else {
        let billing = personal
            .seal_billing(buyer, &name, &email, &company)
            .await?;
        (billing, Outcome::Sealed)
    };
    let value = serde_json::to_value(&sealed).map_err(|e| malformed(row, e))?;
    inner.insert("sealed_billing".into(), value);
    Ok(outcome)
}

/// The personal fields of a PO contact, as `PoContact` stores them.
const PO_CONTACT_FIELDS: [&str; 4] = ["contact_email", "contact_name", "billing_address", "notes"];

async fn seal_po_contact(
    personal: &PersonalData,
    po: Uuid,
    inner: &mut Map<String, Value>,
    row: &Row,
) -> Result<Outcome, MigrationError> {
    if has(inner, "sealed_contact") {
        return Ok(Outcome::Untouched);
    }
    let contact = inner
        .get_mut("contact")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| malformed(row, "PurchaseOrderCreated without its contact"))?;
    if !PO_CONTACT_FIELDS.iter().any(|f| plain(contact, f)) {
        return Ok(Outcome::Untouched);
    }
    let [email, name, address, notes] = PO_CONTACT_FIELDS.map(|f| take(contact, f));
    let (sealed, outcome) = if personal.is_erased(po).await? {
        let dead = |v: &str| (!v.is_empty()).then(tombstone);
        let sealed = tessera_aggregates::purchase_order::SealedPoContact {
            contact_email: dead(&email),
            contact_name: dead(&name),
            billing_address: dead(&address),
            notes: dead(&notes),
        };
        (sealed, Outcome::Dropped)
    } else {
        let plain = tessera_aggregates::purchase_order::PoContact {
            organization_name: String::new(),
            contact_email: email,
            contact_name: name,
            billing_address: address,
            notes,
        };
        (personal.seal_po_contact(po, &plain).await?, Outcome::Sealed)
    };
    let value = serde_json::to_value(&sealed).map_err(|e| malformed(row, e))?;
    inner.insert("sealed_contact".into(), value);
    Ok(outcome)
}

async fn batch(db: &Db, after: i64) -> Result<Vec<Row>, sqlx::Error> {
    // The four types by their aggregate, in log order.
    let filter = "((aggregate_type = 'user' AND event_type = 'UserRegistered') \
                  OR (aggregate_type = 'order' AND event_type = 'OrderPlaced') \
                  OR (aggregate_type = 'purchase_order' \
                      AND event_type = 'PurchaseOrderCreated') \
                  OR (aggregate_type = 'program' AND event_type = 'SpeakerSynced')) \
                  AND position > $1 ORDER BY position LIMIT $2";
    let rows: Vec<(i64, String, String, String)> = match db {
        Db::Postgres(p) => {
            let sql = format!(
                "SELECT position, aggregate_id, event_type, payload::text FROM events WHERE {filter}"
            );
            sqlx::query_as(&sql)
                .bind(after)
                .bind(BATCH)
                .fetch_all(p)
                .await?
        }
        Db::Sqlite(p) => {
            let sql = format!(
                "SELECT position, aggregate_id, event_type, payload FROM events WHERE {filter}"
            );
            sqlx::query_as(&sql)
                .bind(after)
                .bind(BATCH)
                .fetch_all(p)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(position, aggregate_id, event_type, payload)| Row {
            position,
            aggregate_id,
            event_type,
            payload,
        })
        .collect())
}

async fn rewrite(db: &Db, position: i64, payload: &str) -> Result<(), sqlx::Error> {
    match db {
        Db::Postgres(p) => {
            sqlx::query("UPDATE events SET payload = $1::json WHERE position = $2")
                .bind(payload)
                .bind(position)
                .execute(p)
                .await?;
        }
        Db::Sqlite(p) => {
            sqlx::query("UPDATE events SET payload = $1 WHERE position = $2")
                .bind(payload)
                .bind(position)
                .execute(p)
                .await?;
        }
    }
    Ok(())
}
