use tessera_aggregates::cart::{Cart, VoucherInfo};
use tessera_aggregates::natural_id;
use tessera_aggregates::pricing::{ProductRef, ProductScope};

use super::*;
use crate::fold_all;
use crate::testing::{Logged, assert_round_trip, at, conf, d, log, other_conf, user};

fn c(name: &str, event: CartEvent) -> Logged {
    Logged {
        kind: "cart",
        id: Cart::stream_id(conf(), user(name)),
        conference: Some(conf()),
        event: DomainEvent::Cart(event),
    }
}

fn cart_id(name: &str) -> Uuid {
    natural_id("cart-generation", name)
}

fn item_id(name: &str) -> Uuid {
    natural_id("cart-item", name)
}

fn opened(generation: &str, owner: &str, day: u32) -> CartEvent {
    CartEvent::CartOpened {
        cart_id: cart_id(generation),
        conference_id: conf(),
        user: user(owner),
        expires_at: at(day, 10),
        at: at(day, 9),
    }
}

fn added(generation: &str, item: &str, product: ProductRef, quantity: u32) -> CartEvent {
    CartEvent::ItemAdded {
        cart_id: cart_id(generation),
        item_id: item_id(item),
        name: product.slug.clone(),
        product,
        unit_price: d("100.00"),
        quantity,
        requires: vec![],
        expires_at: at(1, 11),
        at: at(1, 10),
    }
}

/// Ana opens a cart, fills it, applies and removes a voucher, checks out, and later
/// opens a second cart that expires; Bo opens a cart and leaves it open.
fn history() -> Vec<Logged> {
    vec![
        c("ana", opened("ana-1", "ana", 1)),
        c("ana", added("ana-1", "t", ProductRef::ticket("regular"), 1)),
        c("ana", added("ana-1", "s", ProductRef::addon("tshirt"), 1)),
        c(
            "ana",
            CartEvent::ItemQuantityChanged {
                cart_id: cart_id("ana-1"),
                item_id: item_id("t"),
                quantity: 2,
                unit_price: d("100.00"),
                expires_at: at(1, 12),
                at: at(1, 11),
            },
        ),
        c(
            "ana",
            CartEvent::VoucherApplied {
                cart_id: cart_id("ana-1"),
                voucher: VoucherInfo {
                    code: "EARLY".into(),
                    unlocks_hidden: false,
                    scope: ProductScope::all(),
                },
                at: at(1, 11),
            },
        ),
        c(
            "ana",
            CartEvent::VoucherRemoved {
                cart_id: cart_id("ana-1"),
                code: "EARLY".into(),
                at: at(1, 11),
            },
        ),
        c(
            "ana",
            CartEvent::ItemRemoved {
                cart_id: cart_id("ana-1"),
                item_id: item_id("s"),
                product: ProductRef::addon("tshirt"),
                cascaded: true,
                at: at(1, 11),
            },
        ),
        c(
            "ana",
            CartEvent::CartCheckedOut {
                cart_id: cart_id("ana-1"),
                order_id: natural_id("order", "A"),
                at: at(1, 11),
            },
        ),
        c("bo", opened("bo-1", "bo", 1)),
        c("ana", opened("ana-2", "ana", 2)),
        c(
            "ana",
            CartEvent::CartExpired {
                cart_id: cart_id("ana-2"),
                at: at(3, 9),
            },
        ),
    ]
}

fn cart(rows: &Rows<CartsRow>, generation: &str) -> CartRecord {
    match rows.get(&cart_key(conf(), cart_id(generation))) {
        Some(CartsRow::Cart(c)) => c.clone(),
        other => panic!("cart {generation} missing: {other:?}"),
    }
}

fn funnel(rows: &Rows<CartsRow>) -> FunnelRow {
    match rows.get(&funnel_key(conf())) {
        Some(CartsRow::Funnel(f)) => f.clone(),
        other => panic!("funnel missing: {other:?}"),
    }
}

#[test]
fn cart_1_every_generation_has_its_status() {
    let rows = fold_all::<CartsFunnel>(&log(history()));
    let first = cart(&rows, "ana-1");
    assert_eq!(first.status, CartStatus::CheckedOut);
    assert_eq!(first.order_id, Some(natural_id("order", "A")));
    assert_eq!(first.checked_out_at, Some(at(1, 11)));
    assert_eq!(first.voucher, None);
    assert_eq!(first.items.len(), 1);
    assert_eq!(first.items[0].quantity, 2);
    assert_eq!(first.expires_at, at(1, 12), "CART-5: slid");
    assert_eq!(cart(&rows, "ana-2").status, CartStatus::Expired);
    assert_eq!(cart(&rows, "ana-2").expired_at, Some(at(3, 9)));
    assert_eq!(cart(&rows, "bo-1").status, CartStatus::Open);
    assert_eq!(
        serde_json::to_value(CartStatus::CheckedOut).unwrap_or_default(),
        "checked_out"
    );
    let anas = rows
        .with_prefix(&carts_prefix(conf()))
        .filter(|(_, r)| matches!(r, CartsRow::Cart(c) if c.user == user("ana")))
        .count();
    assert_eq!(anas, 2);
}

/// The buyer's cart page finds the pair's latest generation through its stream row.
#[test]
fn the_stream_row_points_at_the_latest_generation() {
    let rows = fold_all::<CartsFunnel>(&log(history()));
    let current = |name: &str| {
        rows.get(&cart_stream_key(Cart::stream_id(conf(), user(name))))
            .and_then(current_cart)
    };
    assert_eq!(current("ana"), Some(cart_id("ana-2")));
    assert_eq!(current("bo"), Some(cart_id("bo-1")));
    assert_eq!(current("cy"), None);
}

#[test]
fn the_funnel_counts_carts_items_vouchers_and_outcomes() {
    let f = funnel(&fold_all::<CartsFunnel>(&log(history())));
    assert_eq!(
        f,
        FunnelRow {
            conference_id: conf(),
            carts_opened: 3,
            shoppers: 2,
            carts_open: 1,
            items_added: 2,
            quantity_changes: 1,
            items_removed: 1,
            items_cascaded: 1,
            vouchers_applied: 1,
            vouchers_removed: 1,
            checked_out: 1,
            expired: 1,
        }
    );
}

#[test]
fn another_conference_has_its_own_funnel() {
    let mut events = history();
    events.push(Logged {
        id: Cart::stream_id(other_conf(), user("ana")),
        conference: Some(other_conf()),
        event: DomainEvent::Cart(CartEvent::CartOpened {
            cart_id: cart_id("ana-2027"),
            conference_id: other_conf(),
            user: user("ana"),
            expires_at: at(5, 10),
            at: at(5, 9),
        }),
        kind: "cart",
    });
    let rows = fold_all::<CartsFunnel>(&log(events));
    assert_eq!(funnel(&rows).carts_opened, 3);
    assert!(matches!(
        rows.get(&funnel_key(other_conf())),
        Some(CartsRow::Funnel(f)) if f.carts_opened == 1 && f.shoppers == 1
    ));
}

#[test]
fn every_row_kind_survives_storage() {
    let rows = fold_all::<CartsFunnel>(&log(history()));
    let kinds: std::collections::HashSet<_> = rows
        .iter()
        .map(|(_, r)| std::mem::discriminant(r))
        .collect();
    assert_eq!(kinds.len(), 3, "funnel, cart, stream");
    assert_round_trip(&rows);
}
