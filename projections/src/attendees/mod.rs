//! Attendees with what they hold and have redeemed, and the append-only records of
//! the doors: check-ins, door checks and redemptions (SPEC ATT-*, ANA-17, ANA-43).
//!
//! Keys:
//! - `attendee:{conference_id}:{user}` → [`AttendeeRow`]; a conference's attendees
//!   are the prefix [`attendees_prefix`];
//! - `code:{access_code}` → [`AttendeeRef`], the lookup by access code (ATT-11:
//!   check that its conference is the one asked for);
//! - `checkin:{conference_id}:{position}` → [`CheckInRow`], one per check-in;
//! - `door:{conference_id}:{position}` → [`DoorCheckRow`], one per door check;
//! - `redemption:{conference_id}:{position}` → [`RedemptionRow`];
//!   positions are zero-padded to 20 digits ([`position_key`]), so each prefix lists
//!   in log (time) order;
//! - `summary:{conference_id}` → [`AttendeeSummary`];
//! - `tally:{conference_id}` → [`Tally`], the attendees counted by check-in,
//!   product held and both ([`attendee_facets`]): the list's total without a count;
//! - `stream:{attendee_stream_id}` → [`AttendeeRef`] (internal pointer);
//! - `product:{conference_id}:{slug}:{user}` → [`AttendeeProductRow`], a narrow
//!   index row per product an attendee holds, so the ticket-type filter of the
//!   attendees list is an index range, not a read of every attendee document.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::attendee::{AttendeeEvent, AttendeeOrder, GENERAL_ADMISSION};
use tessera_aggregates::pricing::{ProductKind, ProductRef};
use uuid::Uuid;

use crate::keys::{position_key, product_key, stream_key};
use crate::tally::{self, Tally, list_facet, row_facets};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Attendees;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
pub enum AttendeesRow {
    Attendee(AttendeeRow),
    /// `code:{access_code}` and `stream:{id}`: whose attendee it is.
    Ref(AttendeeRef),
    CheckIn(CheckInRow),
    DoorCheck(DoorCheckRow),
    Redemption(RedemptionRow),
    Summary(AttendeeSummary),
    /// `product:{conference_id}:{slug}:{user}`: the attendee holds the product
    /// `slug`.
    Product(AttendeeProductRow),
    /// `tally:{conference_id}`: the conference's attendees counted by facet.
    Tally(Tally),
}

/// The list fields of an attendee, under one of the products they hold (the
/// attendees list filtered by ticket type pages these, then reads the page's
/// attendees).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendeeProductRow {
    /// `{conference_id}:{slug}`: what the list scopes on (indexed).
    pub product_scope: String,
    pub user: Uuid,
    pub registered_at: DateTime<Utc>,
    pub checked_in: bool,
}

pub fn attendee_product_key(conference_id: Uuid, slug: &str, user: Uuid) -> String {
    format!("product:{conference_id}:{slug}:{user}")
}

/// The index rows of the attendees holding product `slug`.
pub fn attendee_products_prefix(conference_id: Uuid, slug: &str) -> String {
    format!("product:{conference_id}:{slug}:")
}

/// The slugs of the products `a` holds, each once, sorted.
fn held_slugs(a: &AttendeeRow) -> Vec<String> {
    let mut slugs: Vec<String> = a.products.iter().map(|p| p.product.slug.clone()).collect();
    slugs.sort_unstable();
    slugs.dedup();
    slugs
}

/// The tally facet of the attendees list's filters `checked_in` and
/// `ticket_type` (product slug), either or both absent.
pub fn attendees_facet(checked_in: Option<bool>, product: Option<&str>) -> String {
    let checked_in = checked_in.map(|c| c.to_string());
    list_facet(product, checked_in.as_deref().map(|c| ("checked_in", c)))
}

/// The facets an attendee counts under: every combination of their check-in
/// and the products they hold that [`attendees_facet`] names.
pub fn attendee_facets(a: &AttendeeRow) -> Vec<String> {
    facets_of(a.checked_in, &held_slugs(a))
}

fn facets_of(checked_in: bool, slugs: &[String]) -> Vec<String> {
    row_facets(
        ("checked_in", &checked_in.to_string()),
        slugs.iter().map(String::as_str),
    )
}

/// The product index rows of an attendee, keyed.
pub fn attendee_product_index(a: &AttendeeRow) -> Vec<(String, AttendeesRow)> {
    held_slugs(a)
        .into_iter()
        .map(|slug| {
            (
                attendee_product_key(a.conference_id, &slug, a.user),
                AttendeesRow::Product(AttendeeProductRow {
                    product_scope: format!("{}:{slug}", a.conference_id),
                    user: a.user,
                    registered_at: a.registered_at,
                    checked_in: a.checked_in,
                }),
            )
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendeeRef {
    pub conference_id: Uuid,
    pub user: Uuid,
    pub access_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendeeRow {
    /// The attendee stream id.
    pub id: Uuid,
    pub conference_id: Uuid,
    pub user: Uuid,
    /// ATT-2: never changes.
    pub access_code: String,
    pub registered_at: DateTime<Utc>,
    /// Paid orders registered on the attendee (ATT-3); `removed` once fully refunded.
    pub orders: Vec<AttendeeOrder>,
    /// ATT-3: the latest paid order still standing.
    pub current_order: Option<Uuid>,
    /// ATT-3: set by the first paid order.
    pub completed_registration: bool,
    /// ATT-19/22: what the standing orders hold, in first-seen order.
    pub products: Vec<HeldProduct>,
    /// ATT-15: the current order's first ticket name, else "General Admission".
    pub ticket_type: String,
    pub checked_in: bool,
    /// ATT-13: the first check-in.
    pub checked_in_at: Option<DateTime<Utc>>,
    pub last_check_in_at: Option<DateTime<Utc>>,
    pub check_in_count: u32,
    pub door_checks: u32,
    pub door_checks_denied: u32,
    /// Redeemed quantities by [`product_key`].
    pub redeemed: BTreeMap<String, u32>,
}

/// A product with what the attendee holds and has redeemed (ATT-19, ATT-22).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldProduct {
    pub product: ProductRef,
    pub name: String,
    pub held: u32,
    pub redeemed: u32,
    /// held − redeemed, never below 0.
    pub remaining: u32,
}

impl AttendeeRow {
    /// Recomputes what follows from the orders and redemptions (as the aggregate
    /// does: `Attendee::products`, `ticket_type_label`).
    fn recompute(&mut self) {
        let active: Vec<&AttendeeOrder> = self.orders.iter().filter(|o| !o.removed).collect();
        self.current_order = active.last().map(|o| o.order_id);
        let mut products: Vec<HeldProduct> = Vec::new();
        for line in active.iter().flat_map(|o| o.products.iter()) {
            match products.iter_mut().find(|p| p.product == line.product) {
                Some(p) => p.held = p.held.saturating_add(line.quantity),
                None => products.push(HeldProduct {
                    product: line.product.clone(),
                    name: String::new(),
                    held: line.quantity,
                    redeemed: 0,
                    remaining: 0,
                }),
            }
        }
        for p in &mut products {
            p.name = self.name_of(&p.product);
            p.redeemed = self
                .redeemed
                .get(&product_key(&p.product))
                .copied()
                .unwrap_or(0);
            p.remaining = p.held.saturating_sub(p.redeemed);
        }
        self.products = products;
        self.ticket_type = active
            .last()
            .and_then(|o| {
                o.products
                    .iter()
                    .find(|p| p.product.kind == ProductKind::Ticket)
            })
            .map(|p| {
                if p.name.is_empty() {
                    p.product.slug.clone()
                } else {
                    p.name.clone()
                }
            })
            .unwrap_or_else(|| GENERAL_ADMISSION.to_string());
    }

    /// The latest name a registered order gave the product, else its slug.
    fn name_of(&self, product: &ProductRef) -> String {
        self.orders
            .iter()
            .flat_map(|o| o.products.iter())
            .rev()
            .find(|l| l.product == *product && !l.name.is_empty())
            .map_or_else(|| product.slug.clone(), |l| l.name.clone())
    }
}

/// ATT-13: one check-in (the first, or a re-entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInRow {
    pub conference_id: Uuid,
    pub user: Uuid,
    pub access_code: String,
    /// 1 for the first check-in, then 2, 3, …
    pub number: u32,
    pub station: String,
    pub by: Uuid,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// ATT-16: one door check; `admitted` false when the attendee did not hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorCheckRow {
    pub conference_id: Uuid,
    pub user: Uuid,
    pub access_code: String,
    pub product: ProductRef,
    pub admitted: bool,
    pub station: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

/// ATT-20: one redemption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedemptionRow {
    pub conference_id: Uuid,
    pub user: Uuid,
    pub access_code: String,
    pub product: ProductRef,
    /// The product name the attendee's order gave it.
    pub name: String,
    pub quantity: u32,
    pub station: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

/// ANA-17 attendee summary and the time-free part of ANA-43 (check-ins "since
/// today" and the 50 most recent come from the `checkin:` rows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttendeeSummary {
    pub conference_id: Uuid,
    pub attendees: u64,
    /// With completed registration (ATT-3).
    pub completed: u64,
    /// Attendees checked in at least once.
    pub checked_in: u64,
    /// Every check-in, re-entries included.
    pub check_ins: u64,
    /// Check-ins per non-blank station.
    pub by_station: BTreeMap<String, u64>,
    /// Door checks per [`product_key`].
    pub door_checks: BTreeMap<String, DoorTally>,
    /// Redeemed quantities per product name (ANA-43 "per line description").
    pub redemptions: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DoorTally {
    pub admitted: u64,
    pub denied: u64,
}

pub fn attendee_key(conference_id: Uuid, user: Uuid) -> String {
    format!("attendee:{conference_id}:{user}")
}

/// Every attendee of a conference.
pub fn attendees_prefix(conference_id: Uuid) -> String {
    format!("attendee:{conference_id}:")
}

pub fn code_key(access_code: &str) -> String {
    format!("code:{access_code}")
}

pub fn checkin_key(conference_id: Uuid, position: i64) -> String {
    format!("checkin:{conference_id}:{}", position_key(position))
}

/// Every check-in of a conference, oldest first.
pub fn checkins_prefix(conference_id: Uuid) -> String {
    format!("checkin:{conference_id}:")
}

pub fn door_key(conference_id: Uuid, position: i64) -> String {
    format!("door:{conference_id}:{}", position_key(position))
}

/// Every door check of a conference, oldest first.
pub fn doors_prefix(conference_id: Uuid) -> String {
    format!("door:{conference_id}:")
}

pub fn redemption_key(conference_id: Uuid, position: i64) -> String {
    format!("redemption:{conference_id}:{}", position_key(position))
}

/// Every redemption of a conference, oldest first.
pub fn redemptions_prefix(conference_id: Uuid) -> String {
    format!("redemption:{conference_id}:")
}

pub fn summary_key(conference_id: Uuid) -> String {
    format!("summary:{conference_id}")
}

impl Attendees {
    fn summary(
        rows: &mut Rows<AttendeesRow>,
        conference_id: Uuid,
        f: impl FnOnce(&mut AttendeeSummary),
    ) {
        let row = rows.upsert_with(&summary_key(conference_id), || {
            AttendeesRow::Summary(AttendeeSummary {
                conference_id,
                ..Default::default()
            })
        });
        if let AttendeesRow::Summary(s) = row {
            f(s)
        }
    }

    /// Whose attendee the stream is: the creation-event pointer. (The metadata's
    /// conference alone cannot key the row: the user is not in later events.)
    fn owner(rows: &Rows<AttendeesRow>, env: &Envelope) -> Option<AttendeeRef> {
        match rows.get(&stream_key(&env.aggregate_id)) {
            Some(AttendeesRow::Ref(r)) => Some(r.clone()),
            _ => None,
        }
    }

    fn register(rows: &mut Rows<AttendeesRow>, env: &Envelope, event: &AttendeeEvent) {
        let AttendeeEvent::AttendeeRegistered {
            conference_id,
            user,
            access_code,
            at,
        } = event
        else {
            return;
        };
        let key = attendee_key(*conference_id, *user);
        if rows.get(&key).is_some() {
            return;
        }
        let owner = AttendeeRef {
            conference_id: *conference_id,
            user: *user,
            access_code: access_code.clone(),
        };
        rows.insert(
            stream_key(&env.aggregate_id),
            AttendeesRow::Ref(owner.clone()),
        );
        rows.insert(code_key(access_code), AttendeesRow::Ref(owner));
        let mut attendee = AttendeeRow {
            id: env.aggregate_uuid().unwrap_or_default(),
            conference_id: *conference_id,
            user: *user,
            access_code: access_code.clone(),
            registered_at: *at,
            orders: Vec::new(),
            current_order: None,
            completed_registration: false,
            products: Vec::new(),
            ticket_type: String::new(),
            checked_in: false,
            checked_in_at: None,
            last_check_in_at: None,
            check_in_count: 0,
            door_checks: 0,
            door_checks_denied: 0,
            redeemed: BTreeMap::new(),
        };
        attendee.recompute();
        rows.insert(key, AttendeesRow::Attendee(attendee));
        Self::summary(rows, *conference_id, |s| s.attendees += 1);
    }
}

impl Attendees {
    /// The attendee row of the event's stream.
    fn attendee_of<'a>(rows: &'a Rows<AttendeesRow>, env: &Envelope) -> Option<&'a AttendeeRow> {
        let owner = Self::owner(rows, env)?;
        match rows.get(&attendee_key(owner.conference_id, owner.user)) {
            Some(AttendeesRow::Attendee(a)) => Some(a),
            _ => None,
        }
    }

    /// Writes the product index rows of the event's attendee (only those that
    /// changed) and removes those of the products held `before` and no longer.
    fn sync_products(rows: &mut Rows<AttendeesRow>, env: &Envelope, before: Vec<String>) {
        let Some(a) = Self::attendee_of(rows, env) else {
            return;
        };
        let (conference_id, user) = (a.conference_id, a.user);
        let now = held_slugs(a);
        let index = attendee_product_index(a);
        for (k, row) in index {
            if rows.get(&k) != Some(&row) {
                rows.insert(k, row);
            }
        }
        for slug in before.iter().filter(|s| !now.contains(s)) {
            rows.remove(&attendee_product_key(conference_id, slug, user));
        }
    }

    fn fold(rows: &mut Rows<AttendeesRow>, env: &Envelope, event: &AttendeeEvent) {
        if matches!(event, AttendeeEvent::AttendeeRegistered { .. }) {
            Self::register(rows, env, event);
            return;
        }
        let Some(owner) = Self::owner(rows, env) else {
            return;
        };
        let conf = owner.conference_id;
        let Some(AttendeesRow::Attendee(a)) = rows.get_mut(&attendee_key(conf, owner.user)) else {
            return;
        };
        match event {
            AttendeeEvent::AttendeeRegistered { .. } => {}
            AttendeeEvent::AttendeeOrderAdded {
                order_id,
                products,
                at,
            } => {
                let first = !a.completed_registration;
                a.orders.push(AttendeeOrder {
                    order_id: *order_id,
                    products: products.clone(),
                    registered_at: *at,
                    removed: false,
                });
                a.completed_registration = true;
                a.recompute();
                if first {
                    Self::summary(rows, conf, |s| s.completed += 1);
                }
            }
            AttendeeEvent::AttendeeOrderRemoved { order_id, .. } => {
                for o in a.orders.iter_mut().filter(|o| o.order_id == *order_id) {
                    o.removed = true;
                }
                a.recompute();
            }
            AttendeeEvent::AttendeeCheckedIn {
                number,
                station,
                by,
                note,
                at,
            } => {
                let first = !a.checked_in;
                a.checked_in = true;
                a.checked_in_at.get_or_insert(*at);
                a.last_check_in_at = Some(*at);
                a.check_in_count += 1;
                rows.insert(
                    checkin_key(conf, env.position),
                    AttendeesRow::CheckIn(CheckInRow {
                        conference_id: conf,
                        user: owner.user,
                        access_code: owner.access_code.clone(),
                        number: *number,
                        station: station.clone(),
                        by: *by,
                        note: note.clone(),
                        at: *at,
                    }),
                );
                Self::summary(rows, conf, |s| {
                    s.check_ins += 1;
                    if first {
                        s.checked_in += 1;
                    }
                    let station = station.trim();
                    if !station.is_empty() {
                        *s.by_station.entry(station.to_string()).or_default() += 1;
                    }
                });
            }
            AttendeeEvent::DoorCheckPassed {
                product,
                station,
                by,
                at,
            }
            | AttendeeEvent::DoorCheckDenied {
                product,
                station,
                by,
                at,
            } => {
                let admitted = matches!(event, AttendeeEvent::DoorCheckPassed { .. });
                a.door_checks += 1;
                if !admitted {
                    a.door_checks_denied += 1;
                }
                rows.insert(
                    door_key(conf, env.position),
                    AttendeesRow::DoorCheck(DoorCheckRow {
                        conference_id: conf,
                        user: owner.user,
                        access_code: owner.access_code.clone(),
                        product: product.clone(),
                        admitted,
                        station: station.clone(),
                        by: *by,
                        at: *at,
                    }),
                );
                Self::summary(rows, conf, |s| {
                    let t = s.door_checks.entry(product_key(product)).or_default();
                    if admitted {
                        t.admitted += 1;
                    } else {
                        t.denied += 1;
                    }
                });
            }
            AttendeeEvent::ProductRedeemed {
                product,
                quantity,
                station,
                by,
                at,
            } => {
                let n = a.redeemed.entry(product_key(product)).or_default();
                *n = n.saturating_add(*quantity);
                a.recompute();
                let name = a.name_of(product);
                rows.insert(
                    redemption_key(conf, env.position),
                    AttendeesRow::Redemption(RedemptionRow {
                        conference_id: conf,
                        user: owner.user,
                        access_code: owner.access_code.clone(),
                        product: product.clone(),
                        name: name.clone(),
                        quantity: *quantity,
                        station: station.clone(),
                        by: *by,
                        at: *at,
                    }),
                );
                Self::summary(rows, conf, |s| {
                    *s.redemptions.entry(name).or_default() += u64::from(*quantity);
                });
            }
        }
    }
}

impl Projection for Attendees {
    const NAME: &'static str = "attendees";
    /// 2: the product index rows; 3: the tally.
    const VERSION: u32 = 3;
    type Row = AttendeesRow;

    fn apply(rows: &mut Rows<AttendeesRow>, env: &Envelope) {
        let DomainEvent::Attendee(event) = &env.event else {
            return;
        };
        // What the tally counts an attendee by: conference, check-in, products.
        let counted = |a: &AttendeeRow| (a.conference_id, a.checked_in, held_slugs(a));
        let before = Self::attendee_of(rows, env).map(counted);
        Self::fold(rows, env, event);
        let held_before = before.as_ref().map(|b| b.2.clone()).unwrap_or_default();
        Self::sync_products(rows, env, held_before);
        let after = Self::attendee_of(rows, env).map(counted);
        if before == after {
            return;
        }
        let Some(conference_id) = after.as_ref().or(before.as_ref()).map(|c| c.0) else {
            return;
        };
        let facets = |c: Option<(Uuid, bool, Vec<String>)>| {
            c.map(|(_, checked_in, slugs)| facets_of(checked_in, &slugs))
                .unwrap_or_default()
        };
        tally::record(
            rows,
            conference_id,
            &facets(before),
            &facets(after),
            || AttendeesRow::Tally(Tally::default()),
            |row| match row {
                AttendeesRow::Tally(t) => Some(t),
                _ => None,
            },
        );
    }
}
