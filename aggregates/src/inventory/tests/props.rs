//! CAT-2/3, CAT-10…13, DISC-5, AMB-24 as properties: whatever the interleaving of
//! holds, releases, expiries, sales and returns, without a late payment no product
//! is sold past its stock, the venue past its capacity, a voucher past its uses or a
//! user past the per-user limit; and the sold counters match the holds. Desk sales
//! (PAY-39, no hold) join in when the ledger does not flag them oversold.

use proptest::prelude::*;

use super::*;
use crate::pricing::Voucher;

const TICKETS: [(&str, u32); 3] = [("a", 5), ("b", 3), ("c", 0)];
const ADDON_STOCK: u32 = 4;
const CAPACITY: u32 = 7;
const VOUCHER_USES: u32 = 2;
const LIMIT_B: u32 = 2;

#[derive(Debug, Clone)]
enum Op {
    Hold {
        user: usize,
        ticket: usize,
        qty: u32,
        addon_qty: u32,
        voucher: bool,
        ttl: i64,
    },
    Release(usize),
    Expire,
    /// A payment; applied only to a live hold (no late payment).
    Confirm(usize),
    Return(usize),
    Advance(i64),
    /// A paid desk order (PAY-39, no hold) of the desk's own user; kept only when
    /// the ledger does not flag it oversold (the flag must then be right).
    Desk {
        ticket: usize,
        qty: u32,
        addon_qty: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, 0usize..3, 1u32..=3, 0u32..=2, any::<bool>(), 1i64..=30).prop_map(
            |(user, ticket, qty, addon_qty, voucher, ttl)| Op::Hold {
                user,
                ticket,
                qty,
                addon_qty,
                voucher,
                ttl,
            }
        ),
        1 => (0usize..64).prop_map(Op::Release),
        1 => Just(Op::Expire),
        2 => (0usize..64).prop_map(Op::Confirm),
        1 => (0usize..64).prop_map(Op::Return),
        2 => (1i64..=20).prop_map(Op::Advance),
        1 => (0usize..3, 1u32..=3, 0u32..=2).prop_map(|(ticket, qty, addon_qty)| Op::Desk {
            ticket,
            qty,
            addon_qty,
        }),
    ]
}

fn setup() -> Inventory {
    let mut steps: Vec<(Timestamp, InventoryCommand)> = TICKETS
        .iter()
        .map(|(slug, total)| {
            let mut t = limited(slug, *total);
            if *slug == "b" {
                t.limit_per_user = LIMIT_B;
            }
            define_ticket(t)
        })
        .collect();
    steps.push((
        t0(),
        InventoryCommand::DefineAddon {
            addon: Addon {
                total_quantity: ADDON_STOCK,
                ..addon("x", &[])
            },
        },
    ));
    steps.push((
        t0(),
        InventoryCommand::SetCapacity {
            total_capacity: CAPACITY,
        },
    ));
    steps.push((
        t0(),
        InventoryCommand::CreateVoucher {
            voucher: Voucher {
                max_uses: VOUCHER_USES,
                ..Voucher::new("V")
            },
        },
    ));
    state(&history(steps))
}

fn run(inv: &mut Inventory, cmd: InventoryCommand, now: Timestamp) {
    if let Ok(facts) = inv.decide(cmd, now) {
        for fact in facts {
            inv.apply(fact);
        }
    }
}

fn order_of(n: u128, i: usize) -> Option<Uuid> {
    (n > 0).then(|| oid(i as u128 % n + 1))
}

/// Recounts from the hold records, independently of the ledger's own counting.
fn check(inv: &Inventory, now: Timestamp) -> Result<(), TestCaseError> {
    let live = |h: &&HoldRecord| h.status == HoldStatus::Held && h.expires_at > now;
    let sold = |h: &&HoldRecord| h.status == HoldStatus::Sold;
    let products = TICKETS
        .iter()
        .map(|(slug, total)| (ProductRef::ticket(*slug), *total))
        .chain([(ProductRef::addon("x"), ADDON_STOCK)]);
    for (product, total) in products {
        let sold_qty: u64 = inv
            .holds
            .values()
            .filter(sold)
            .map(|h| h.quantity_of(&product))
            .sum();
        let live_qty: u64 = inv
            .holds
            .values()
            .filter(live)
            .map(|h| h.quantity_of(&product))
            .sum();
        prop_assert_eq!(inv.sold(&product), sold_qty);
        prop_assert_eq!(inv.held(&product, now), live_qty);
        if total > 0 {
            prop_assert!(
                sold_qty + live_qty <= u64::from(total),
                "{:?} oversold",
                product
            );
        }
    }
    let tickets: u64 = inv
        .holds
        .values()
        .filter(|h| live(h) || sold(h))
        .map(HoldRecord::ticket_quantity)
        .sum();
    prop_assert_eq!(inv.global_sold(now), tickets);
    prop_assert!(tickets <= u64::from(CAPACITY));
    let voucher_uses = inv
        .holds
        .values()
        .filter(|h| live(h) || sold(h) || h.status == HoldStatus::Returned)
        .filter(|h| h.voucher_code.as_deref() == Some("V"))
        .count();
    prop_assert_eq!(
        inv.voucher("V", now).map(|v| v.voucher.uses as usize),
        Some(voucher_uses)
    );
    prop_assert!(voucher_uses <= VOUCHER_USES as usize);
    let b = ProductRef::ticket("b");
    for user in ["u0", "u1", "u2"] {
        let mine: u64 = inv
            .holds
            .values()
            .filter(|h| h.user == uid(user) && (live(h) || sold(h)))
            .map(|h| h.quantity_of(&b))
            .sum();
        prop_assert_eq!(
            u64::from(inv.purchased(uid(user), "b")),
            inv.holds
                .values()
                .filter(|h| h.user == uid(user))
                .filter(sold)
                .map(|h| h.quantity_of(&b))
                .sum::<u64>()
        );
        prop_assert!(mine <= u64::from(LIMIT_B));
    }
    for id in &inv.pending {
        prop_assert_eq!(inv.holds.get(id).map(|h| h.status), Some(HoldStatus::Held));
    }
    // ORDER-20: the sweeper's list, recounted from the records.
    let mut stale: Vec<&HoldRecord> = inv
        .holds
        .values()
        .filter(|h| h.status == HoldStatus::Held && h.expires_at <= now)
        .collect();
    stale.sort_by_key(|h| (h.expires_at, h.order_id));
    prop_assert_eq!(
        inv.expired_holds(now),
        stale.iter().map(|h| h.order_id).collect::<Vec<_>>()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn cat_2_no_interleaving_oversells_without_a_late_payment(
        ops in prop::collection::vec(op(), 1..60)
    ) {
        let mut inv = setup();
        let mut now = t0();
        let mut orders: u128 = 0;
        for op in ops {
            match op {
                Op::Hold { user, ticket, qty, addon_qty, voucher, ttl } => {
                    orders += 1;
                    let mut lines = vec![(ProductRef::ticket(TICKETS[ticket].0), qty)];
                    if addon_qty > 0 {
                        lines.push((ProductRef::addon("x"), addon_qty));
                    }
                    let mut cmd = hold_cmd(
                        orders,
                        &format!("u{user}"),
                        &lines,
                        voucher.then_some("V"),
                        0,
                    );
                    if let InventoryCommand::Hold { expires_at, .. } = &mut cmd {
                        *expires_at = now + chrono::Duration::minutes(ttl);
                    }
                    run(&mut inv, cmd, now);
                }
                Op::Release(i) => {
                    if let Some(order_id) = order_of(orders, i) {
                        let reason = if i % 2 == 0 {
                            ReleaseReason::Cancelled
                        } else {
                            ReleaseReason::Expired
                        };
                        run(&mut inv, InventoryCommand::ReleaseHold { order_id, reason }, now);
                    }
                }
                Op::Expire => run(&mut inv, InventoryCommand::ExpireHolds, now),
                Op::Confirm(i) => {
                    let live = order_of(orders, i)
                        .filter(|id| inv.hold(*id).is_some_and(|h| h.is_live(now)));
                    if let Some(order_id) = live {
                        let facts = inv.decide(InventoryCommand::ConfirmSale { order_id }, now);
                        for fact in facts.unwrap() {
                            let InventoryEvent::HoldConverted { oversold, voucher_overused, .. } =
                                &fact
                            else {
                                panic!("{fact:?}")
                            };
                            prop_assert!(!oversold && !voucher_overused);
                            inv.apply(fact);
                        }
                    }
                }
                Op::Return(i) => {
                    if let Some(order_id) = order_of(orders, i) {
                        run(&mut inv, InventoryCommand::ReturnSale { order_id }, now);
                    }
                }
                Op::Advance(minutes) => now += chrono::Duration::minutes(minutes),
                Op::Desk { ticket, qty, addon_qty } => {
                    orders += 1;
                    let line = |product: ProductRef, quantity: u32| HeldLine {
                        name: product.slug.clone(),
                        product,
                        unit_price: Decimal::ONE,
                        quantity,
                    };
                    let mut lines = vec![line(ProductRef::ticket(TICKETS[ticket].0), qty)];
                    if addon_qty > 0 {
                        lines.push(line(ProductRef::addon("x"), addon_qty));
                    }
                    let cmd = InventoryCommand::RecordSale {
                        order_id: oid(orders),
                        user: uid("desk"),
                        lines,
                    };
                    for fact in inv.decide(cmd, now).unwrap() {
                        let InventoryEvent::SaleRecorded { oversold, .. } = &fact else {
                            panic!("{fact:?}")
                        };
                        if !oversold {
                            inv.apply(fact);
                        }
                    }
                }
            }
            check(&inv, now)?;
        }
    }
}
