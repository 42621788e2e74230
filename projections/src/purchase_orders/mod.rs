//! Purchase orders (corporate invoicing, SPEC PO-*) with their payments, credit
//! notes and balance, and the PO figures of the financial dashboard (ANA-34).
//!
//! Keys:
//! - `po:{conference_id}:{po_id}` → [`PurchaseOrderRecord`]; a conference's POs are the
//!   prefix [`pos_prefix`] (PO-17 lists them newest first: sort by `created_at`);
//! - `ref:{reference}` → [`PoRef`], the lookup by reference;
//! - `summary:{conference_id}` → [`PoSummary`];
//! - `stream:{po_id}` → the conference of the PO stream (internal pointer).

#[cfg(test)]
mod tests;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
pub use tessera_aggregates::purchase_order::PurchaseOrderRecord;
use tessera_aggregates::purchase_order::{PoStatus, PurchaseOrderEvent};
use uuid::Uuid;

use crate::keys::{conference_of, stream_key};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct PurchaseOrders;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
pub enum PurchaseOrdersRow {
    Po(PurchaseOrderRecord),
    Ref(PoRef),
    Summary(PoSummary),
    /// `stream:{po_id}`: the conference the PO was created in.
    Stream {
        conference_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoRef {
    pub conference_id: Uuid,
    pub po_id: Uuid,
}

/// ANA-34's PO figures for one conference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoSummary {
    pub conference_id: Uuid,
    pub count: u64,
    pub cancelled: u64,
    /// Σ total of paid, overpaid and partially paid POs.
    pub revenue: Decimal,
    /// Σ payments of non-cancelled POs.
    pub paid: Decimal,
    /// Σ credit notes of non-cancelled POs.
    pub credited: Decimal,
    /// revenue − paid − credited (ANA-34).
    pub outstanding: Decimal,
}

impl PoSummary {
    fn account(&mut self, po: &PurchaseOrderRecord, sign: i8) {
        let s = Decimal::from(sign);
        let n = |c: &mut u64| {
            if sign < 0 {
                *c = c.saturating_sub(1)
            } else {
                *c += 1
            }
        };
        n(&mut self.count);
        if po.status == PoStatus::Cancelled {
            n(&mut self.cancelled);
        } else {
            self.paid += s * po.total_paid;
            self.credited += s * po.total_credited;
        }
        if matches!(
            po.status,
            PoStatus::Paid | PoStatus::Overpaid | PoStatus::PartiallyPaid
        ) {
            self.revenue += s * po.total;
        }
        self.outstanding = self.revenue - self.paid - self.credited;
    }
}

pub fn po_key(conference_id: Uuid, po_id: Uuid) -> String {
    format!("po:{conference_id}:{po_id}")
}

/// Every PO of a conference.
pub fn pos_prefix(conference_id: Uuid) -> String {
    format!("po:{conference_id}:")
}

pub fn ref_key(reference: &str) -> String {
    format!("ref:{reference}")
}

pub fn summary_key(conference_id: Uuid) -> String {
    format!("summary:{conference_id}")
}

impl PurchaseOrders {
    fn summary(rows: &mut Rows<PurchaseOrdersRow>, conference_id: Uuid) -> Option<&mut PoSummary> {
        let row = rows.upsert_with(&summary_key(conference_id), || {
            PurchaseOrdersRow::Summary(PoSummary {
                conference_id,
                ..Default::default()
            })
        });
        match row {
            PurchaseOrdersRow::Summary(s) => Some(s),
            _ => None,
        }
    }

    fn store(
        rows: &mut Rows<PurchaseOrdersRow>,
        before: Option<&PurchaseOrderRecord>,
        after: PurchaseOrderRecord,
    ) {
        if let Some(s) = Self::summary(rows, after.conference_id) {
            if let Some(b) = before {
                s.account(b, -1);
            }
            s.account(&after, 1);
        }
        rows.insert(
            po_key(after.conference_id, after.id),
            PurchaseOrdersRow::Po(after),
        );
    }
}

impl Projection for PurchaseOrders {
    const NAME: &'static str = "purchase_orders";
    /// 2: the row is the PO's record (sums kept to cents).
    const VERSION: u32 = 2;
    type Row = PurchaseOrdersRow;

    fn apply(rows: &mut Rows<PurchaseOrdersRow>, env: &Envelope) {
        let DomainEvent::PurchaseOrder(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        if let PurchaseOrderEvent::PurchaseOrderCreated { conference_id, .. } = event {
            if rows.get(&po_key(*conference_id, id)).is_some() {
                return;
            }
            let mut po = PurchaseOrderRecord::default();
            po.evolve(event);
            po.id = id;
            rows.insert(
                stream_key(&env.aggregate_id),
                PurchaseOrdersRow::Stream {
                    conference_id: *conference_id,
                },
            );
            rows.insert(
                ref_key(&po.reference),
                PurchaseOrdersRow::Ref(PoRef {
                    conference_id: *conference_id,
                    po_id: id,
                }),
            );
            Self::store(rows, None, po);
            return;
        }
        let pointer = match rows.get(&stream_key(&env.aggregate_id)) {
            Some(PurchaseOrdersRow::Stream { conference_id }) => Some(*conference_id),
            _ => None,
        };
        let Some(conference_id) = conference_of(pointer, env) else {
            return;
        };
        let Some(PurchaseOrdersRow::Po(before)) = rows.get(&po_key(conference_id, id)).cloned()
        else {
            return;
        };
        let mut after = before.clone();
        after.evolve(event);
        Self::store(rows, Some(&before), after);
    }
}
