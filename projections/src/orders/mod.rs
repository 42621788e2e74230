//! Orders with their lines, payments, online payment attempts, refunds and disputes,
//! as organizers and their owners read them (SPEC ORDER-*, PAY-*).
//!
//! Keys:
//! - `order:{conference_id}:{order_id}` → [`OrderRecord`]; a conference's orders are
//!   the prefix [`orders_prefix`], a user's are those rows filtered by `user`;
//! - `ref:{reference}` → [`OrderRef`], the lookup by reference (ORDER-24);
//! - `stream:{order_id}` → the conference of the order stream (internal pointer);
//! - `product:{conference_id}:{slug}:{order_id}` → [`OrderProductRow`], a narrow
//!   index row per product of an order's lines, so the ticket-type filter of the
//!   orders list is an index range, not a read of every order document;
//! - `tally:{conference_id}` → [`Tally`], the orders counted by status, ticket
//!   type and both ([`order_facets`]): the list's total without a count.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
pub use tessera_aggregates::order::OrderRecord;
use tessera_aggregates::order::{OrderEvent, OrderStatus, PlacedOrder};
use uuid::Uuid;

use crate::keys::{conference_of, stream_key};
use crate::tally::{self, Tally, list_facet, row_facets, serde_name};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Orders;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
pub enum OrdersRow {
    Order(OrderRecord),
    /// `ref:{reference}`: where the order of a reference lives.
    Ref(OrderRef),
    /// `stream:{order_id}`: the conference the order was placed in.
    Stream {
        conference_id: Uuid,
    },
    /// `product:{conference_id}:{slug}:{order_id}`: the order has a line of the
    /// product `slug`.
    Product(OrderProductRow),
    /// `tally:{conference_id}`: the conference's orders counted by facet.
    Tally(Tally),
}

/// The list fields of an order, under one of its products (the orders list
/// filtered by ticket type pages these, then reads the page's orders).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderProductRow {
    /// `{conference_id}:{slug}`: what the list scopes on (indexed).
    pub product_scope: String,
    pub order_id: Uuid,
    pub reference: String,
    pub user: Uuid,
    pub status: OrderStatus,
    pub voucher_code: Option<String>,
    pub placed_at: DateTime<Utc>,
}

pub fn order_product_key(conference_id: Uuid, slug: &str, order_id: Uuid) -> String {
    format!("product:{conference_id}:{slug}:{order_id}")
}

/// The index rows of the orders with a line of product `slug`.
pub fn order_products_prefix(conference_id: Uuid, slug: &str) -> String {
    format!("product:{conference_id}:{slug}:")
}

/// The slugs of the products on an order's lines, each once, sorted.
fn slugs(o: &OrderRecord) -> Vec<&str> {
    let mut slugs: Vec<&str> = o.lines.iter().map(|l| l.product.slug.as_str()).collect();
    slugs.sort_unstable();
    slugs.dedup();
    slugs
}

/// The tally facet of the orders list's filters `status` and `ticket_type`
/// (product slug), either or both absent.
pub fn orders_facet(status: Option<OrderStatus>, product: Option<&str>) -> String {
    let status = status.map(|s| serde_name(&s));
    list_facet(product, status.as_deref().map(|s| ("status", s)))
}

/// The facets an order counts under: every combination of its status and the
/// products of its lines that [`orders_facet`] names.
pub fn order_facets(o: &OrderRecord) -> Vec<String> {
    row_facets(("status", &serde_name(&o.status)), slugs(o))
}

/// The product index rows of an order, keyed.
pub fn product_index(o: &OrderRecord) -> Vec<(String, OrdersRow)> {
    slugs(o)
        .into_iter()
        .map(|slug| {
            (
                order_product_key(o.conference_id, slug, o.id),
                OrdersRow::Product(OrderProductRow {
                    product_scope: format!("{}:{slug}", o.conference_id),
                    order_id: o.id,
                    reference: o.reference.clone(),
                    user: o.user,
                    status: o.status,
                    voucher_code: o.voucher_code.clone(),
                    placed_at: o.placed_at,
                }),
            )
        })
        .collect()
}

/// Writes the product index rows of the order under `key` (only those that
/// changed). Lines never change after placing, so no row is ever left behind.
fn sync_products(rows: &mut Rows<OrdersRow>, key: &str) {
    let Some(OrdersRow::Order(o)) = rows.get(key) else {
        return;
    };
    for (k, row) in product_index(o) {
        if rows.get(&k) != Some(&row) {
            rows.insert(k, row);
        }
    }
}

/// The pointer from a reference to its order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRef {
    pub conference_id: Uuid,
    pub order_id: Uuid,
}

pub fn order_key(conference_id: Uuid, order_id: Uuid) -> String {
    format!("order:{conference_id}:{order_id}")
}

/// Every order of a conference.
pub fn orders_prefix(conference_id: Uuid) -> String {
    format!("order:{conference_id}:")
}

pub fn ref_key(reference: &str) -> String {
    format!("ref:{reference}")
}

impl Orders {
    /// The key of the order row of the event's stream.
    fn order_key_of(rows: &Rows<OrdersRow>, env: &Envelope) -> Option<String> {
        let pointer = match rows.get(&stream_key(&env.aggregate_id)) {
            Some(OrdersRow::Stream { conference_id }) => Some(*conference_id),
            _ => None,
        };
        let conference_id = conference_of(pointer, env)?;
        let order_id = env.aggregate_uuid()?;
        Some(order_key(conference_id, order_id))
    }

    fn place(rows: &mut Rows<OrdersRow>, env: &Envelope, placed: &PlacedOrder) {
        let mut order = OrderRecord::placed(placed);
        // The stream id is the order id; the event's id is the fallback.
        order.id = env.aggregate_uuid().unwrap_or(order.id);
        rows.insert(
            stream_key(&env.aggregate_id),
            OrdersRow::Stream {
                conference_id: order.conference_id,
            },
        );
        rows.insert(
            ref_key(&order.reference),
            OrdersRow::Ref(OrderRef {
                conference_id: order.conference_id,
                order_id: order.id,
            }),
        );
        rows.insert(
            order_key(order.conference_id, order.id),
            OrdersRow::Order(order),
        );
    }
}

impl Projection for Orders {
    const NAME: &'static str = "orders";
    /// 2: the product index rows; 3: the tally; 4: the row is the order's
    /// record (terminal payments, attempts' idempotency keys).
    const VERSION: u32 = 4;
    type Row = OrdersRow;

    fn apply(rows: &mut Rows<OrdersRow>, env: &Envelope) {
        let DomainEvent::Order(event) = &env.event else {
            return;
        };
        // What the tally counts an order by: its conference and status (its lines,
        // hence its products, never change after placing).
        let counted = |rows: &Rows<OrdersRow>| match Self::order_key_of(rows, env)
            .and_then(|k| rows.get(&k))
        {
            Some(OrdersRow::Order(o)) => Some((o.conference_id, o.status)),
            _ => None,
        };
        let before = counted(rows);
        if let OrderEvent::OrderPlaced(placed) = event {
            Self::place(rows, env, placed);
        } else if let Some(key) = Self::order_key_of(rows, env)
            && let Some(OrdersRow::Order(o)) = rows.get_mut(&key)
        {
            o.evolve(event);
        }
        if let Some(key) = Self::order_key_of(rows, env) {
            sync_products(rows, &key);
        }
        let after = counted(rows);
        if before != after
            && let Some(key) = Self::order_key_of(rows, env)
            && let Some(OrdersRow::Order(o)) = rows.get(&key)
        {
            let conference_id = o.conference_id;
            let products: Vec<String> = slugs(o).into_iter().map(str::to_string).collect();
            let facets = |status: Option<OrderStatus>| match status {
                Some(s) => row_facets(
                    ("status", &serde_name(&s)),
                    products.iter().map(String::as_str),
                ),
                None => vec![],
            };
            let (was, is) = (facets(before.map(|b| b.1)), facets(after.map(|a| a.1)));
            tally::record(
                rows,
                conference_id,
                &was,
                &is,
                || OrdersRow::Tally(Tally::default()),
                |row| match row {
                    OrdersRow::Tally(t) => Some(t),
                    _ => None,
                },
            );
        }
    }
}
