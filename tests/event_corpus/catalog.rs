//! A conference's sales ledger (inventory) and a buyer's cart.

use tessera_aggregates::cart::{Cart, CartEvent, VoucherInfo};
use tessera_aggregates::inventory::{
    Addon, HeldLine, Inventory, InventoryEvent, ReleaseReason, TicketType, VoucherSnapshot,
};
use tessera_aggregates::pricing::{
    AppliedCondition, Condition, ConditionKind, DiscountEffect, DiscountType, PricedLine,
    PricingSummary, ProductRef, ProductScope, Scope, UsageLimit, Voucher, VoucherKind, Window,
};
use uuid::Uuid;

use super::{Fixture, at, conference_id, id, later, money, stream, uid};

fn ticket() -> TicketType {
    TicketType {
        slug: "individual".into(),
        name: "Individual".into(),
        description: "Full conference access".into(),
        price: money("400.00"),
        available_from: Some(at()),
        available_until: Some(later(60 * 24 * 30)),
        total_quantity: 2000,
        limit_per_user: 4,
        requires_voucher: false,
        is_active: true,
        bulk_enabled: true,
        order: 1,
    }
}

fn addon() -> Addon {
    Addon {
        slug: "tutorial".into(),
        name: "Tutorial".into(),
        description: "One tutorial session".into(),
        price: money("150.00"),
        requires: vec!["individual".into()],
        available_from: None,
        available_until: None,
        total_quantity: 300,
        is_active: true,
        bulk_enabled: false,
        order: 2,
    }
}

fn voucher(code: &str) -> Voucher {
    Voucher {
        code: code.into(),
        kind: VoucherKind::Percentage,
        value: money("20"),
        window: Window {
            from: Some(at()),
            until: Some(later(60 * 24 * 7)),
        },
        max_uses: 10,
        uses: 0,
        unlocks_hidden: false,
        is_active: true,
        scope: ProductScope {
            tickets: Scope::Listed(vec!["individual".into()]),
            addons: Scope::None,
        },
    }
}

fn order_id() -> Uuid {
    id("order", "PYCON-7K2M9QXA")
}

fn lines() -> Vec<HeldLine> {
    vec![
        HeldLine {
            product: ProductRef::ticket("individual"),
            name: "Individual".into(),
            unit_price: money("400.00"),
            quantity: 1,
        },
        HeldLine {
            product: ProductRef::addon("tutorial"),
            name: "Tutorial".into(),
            unit_price: money("150.00"),
            quantity: 2,
        },
    ]
}

pub fn inventory() -> Vec<Fixture> {
    let condition = Condition {
        id: id("condition", "early-bird"),
        name: "Early bird".into(),
        description: "10 % off the first 100 tickets".into(),
        is_active: true,
        priority: 1,
        kind: ConditionKind::TimeOrStockLimit {
            window: Window {
                from: None,
                until: Some(later(60 * 24 * 14)),
            },
            usage: UsageLimit {
                limit: 100,
                times_used: 0,
            },
            effect: DiscountEffect {
                discount_type: DiscountType::Percentage,
                value: money("10"),
                max_quantity: 1,
                scope: ProductScope::tickets_only(),
            },
        },
    };
    let priced = |line_id: u128, product: ProductRef, unit: &str, qty: u32, sub: &str| PricedLine {
        line_id: Uuid::from_u128(line_id),
        product,
        unit_price: money(unit),
        quantity: qty,
        subtotal: money(sub),
        condition_discount: money("0.00"),
        condition: None,
        voucher_discount: money("0.00"),
        total: money(sub),
    };
    let pricing = PricingSummary {
        lines: vec![
            PricedLine {
                condition_discount: money("40.00"),
                condition: Some(AppliedCondition {
                    id: id("condition", "early-bird"),
                    name: "Early bird".into(),
                }),
                voucher_discount: money("72.00"),
                total: money("288.00"),
                ..priced(1, ProductRef::ticket("individual"), "400.00", 1, "400.00")
            },
            priced(2, ProductRef::addon("tutorial"), "150.00", 2, "300.00"),
        ],
        subtotal: money("700.00"),
        condition_discount: money("40.00"),
        voucher_discount: money("72.00"),
        discount: money("112.00"),
        total: money("588.00"),
    };
    let events = vec![
        InventoryEvent::InventoryOpened {
            conference_id: conference_id(),
            at: at(),
        },
        InventoryEvent::TicketTypeAdded {
            ticket: ticket(),
            at: later(1),
        },
        InventoryEvent::TicketTypeUpdated {
            ticket: TicketType {
                price: money("450.00"),
                ..ticket()
            },
            at: later(2),
        },
        InventoryEvent::AddonAdded {
            addon: addon(),
            at: later(3),
        },
        InventoryEvent::AddonUpdated {
            addon: Addon {
                total_quantity: 320,
                ..addon()
            },
            at: later(4),
        },
        InventoryEvent::CapacitySet {
            total_capacity: 2500,
            at: later(5),
        },
        InventoryEvent::VoucherCreated {
            voucher: voucher("STUDENT20"),
            at: later(6),
        },
        InventoryEvent::VouchersGenerated {
            vouchers: vec![
                Voucher::sponsor_comp("GOLD-ACME-1"),
                Voucher::sponsor_comp("GOLD-ACME-2"),
            ],
            at: later(7),
        },
        InventoryEvent::VoucherDeactivated {
            code: "GOLD-ACME-2".into(),
            at: later(8),
        },
        InventoryEvent::ConditionDefined {
            condition,
            at: later(9),
        },
        InventoryEvent::ItemsHeld {
            order_id: order_id(),
            user: uid("ana"),
            lines: lines(),
            pricing,
            voucher: Some(VoucherSnapshot {
                code: "STUDENT20".into(),
                kind: VoucherKind::Percentage,
                value: money("20"),
                unlocks_hidden: false,
            }),
            condition_usage: vec![(id("condition", "early-bird"), 1)],
            expires_at: later(40),
            at: later(10),
        },
        InventoryEvent::HoldReleased {
            order_id: id("order", "PYCON-2B4D6F8H"),
            reason: ReleaseReason::Cancelled,
            voucher_code: None,
            at: later(11),
        },
        InventoryEvent::HoldExpired {
            order_id: id("order", "PYCON-3C5E7G9J"),
            voucher_code: Some("STUDENT20".into()),
            at: later(12),
        },
        InventoryEvent::HoldConverted {
            order_id: order_id(),
            oversold: false,
            voucher_overused: false,
            at: later(13),
        },
        InventoryEvent::SaleRecorded {
            order_id: id("order", "PYCON-DESK0001"),
            user: uid("bo"),
            lines: lines(),
            oversold: false,
            at: later(14),
        },
        InventoryEvent::SaleReturned {
            order_id: id("order", "PYCON-DESK0001"),
            at: later(15),
        },
        InventoryEvent::BulkVouchersIssued {
            purchase_id: id("bulk-purchase", "acme/1"),
            vouchers: vec![Voucher::new("BULK-ACME-A1B2C3D4")],
            at: later(16),
        },
    ];
    stream::<Inventory>(id("inventory", &conference_id().to_string()), events)
}

#[allow(dead_code)]
fn inventory_variants(e: &InventoryEvent) {
    use InventoryEvent::*;
    match e {
        InventoryOpened { .. }
        | TicketTypeAdded { .. }
        | TicketTypeUpdated { .. }
        | AddonAdded { .. }
        | AddonUpdated { .. }
        | CapacitySet { .. }
        | VoucherCreated { .. }
        | VouchersGenerated { .. }
        | VoucherDeactivated { .. }
        | ConditionDefined { .. }
        | ItemsHeld { .. }
        | HoldReleased { .. }
        | HoldExpired { .. }
        | HoldConverted { .. }
        | SaleRecorded { .. }
        | SaleReturned { .. }
        | BulkVouchersIssued { .. } => {}
    }
}

pub fn cart() -> Vec<Fixture> {
    let cart_id = id("cart-generation", "ana/1");
    let addon_item = id("cart-item", "ana/1/1");
    let events = vec![
        CartEvent::CartOpened {
            cart_id,
            conference_id: conference_id(),
            user: uid("ana"),
            expires_at: later(30),
            at: at(),
        },
        CartEvent::ItemAdded {
            cart_id,
            item_id: addon_item,
            product: ProductRef::addon("tutorial"),
            name: "Tutorial".into(),
            unit_price: money("150.00"),
            quantity: 1,
            requires: vec!["individual".into()],
            expires_at: later(31),
            at: later(1),
        },
        CartEvent::ItemQuantityChanged {
            cart_id,
            item_id: addon_item,
            quantity: 2,
            unit_price: money("150.00"),
            expires_at: later(33),
            at: later(3),
        },
        CartEvent::VoucherApplied {
            cart_id,
            voucher: VoucherInfo {
                code: "STUDENT20".into(),
                unlocks_hidden: false,
                scope: ProductScope {
                    tickets: Scope::Listed(vec!["individual".into()]),
                    addons: Scope::None,
                },
            },
            at: later(4),
        },
        CartEvent::VoucherRemoved {
            cart_id,
            code: "STUDENT20".into(),
            at: later(5),
        },
        CartEvent::ItemRemoved {
            cart_id,
            item_id: addon_item,
            product: ProductRef::addon("tutorial"),
            cascaded: true,
            at: later(6),
        },
        CartEvent::CartCheckedOut {
            cart_id,
            order_id: order_id(),
            at: later(7),
        },
        CartEvent::CartExpired {
            cart_id: id("cart-generation", "ana/2"),
            at: later(90),
        },
    ];
    stream::<Cart>(
        id("cart", &format!("{}/{}", conference_id(), uid("ana"))),
        events,
    )
}

#[allow(dead_code)]
fn cart_variants(e: &CartEvent) {
    use CartEvent::*;
    match e {
        CartOpened { .. }
        | CartExpired { .. }
        | ItemAdded { .. }
        | ItemQuantityChanged { .. }
        | ItemRemoved { .. }
        | VoucherApplied { .. }
        | VoucherRemoved { .. }
        | CartCheckedOut { .. } => {}
    }
}
