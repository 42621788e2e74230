//! `--seed-demo` discount conditions (SPEC BOOT-23, DISC-15…19), defined on the
//! conference's Inventory with `DefineCondition`, as `POST …/discounts` does.
//!
//! Windows are relative to the injected clock (`bus.services().now()`). Ids are
//! derived from the conference and the name, so a condition is the same stream
//! entry on every run; a condition whose name the conference already has is left
//! alone (BOOT-19: created only if absent), whoever defined it.
//!
//! Scopes where BOOT-23 names no products (DISC-17: empty = all of that kind):
//! "Speaker Complimentary" and "Staff 50% Discount" cover every product;
//! "Early Bird 20% Off" covers the tickets "individual" and "student" and no
//! add-on, and "Corporate $50 Off" only the ticket "corporate": under DISC-29 an
//! empty add-on list would discount every add-on too, which AMB-32 notes is
//! probably not what such promotions mean.

use std::fmt::Write as _;

use chrono::Duration;
use rust_decimal::Decimal;
use tessera_aggregates::Timestamp;
use tessera_aggregates::inventory::{Inventory, InventoryCommand};
use tessera_aggregates::natural_id;
use tessera_aggregates::pricing::{
    Condition, ConditionKind, DiscountEffect, DiscountType, ProductScope, Scope, UsageLimit, Window,
};
use uuid::Uuid;

use crate::bus::CommandBus;
use crate::ids::inventory_id;
use crate::meta::CommandMeta;

/// The group of "Staff 50% Discount".
pub const STAFF_GROUP: &str = "Conference Staff";

/// BOOT-23: the five demo conditions of conference `cid` at `now`, in the order
/// BOOT-23 lists them.
pub fn demo_conditions(cid: Uuid, now: Timestamp) -> Vec<Condition> {
    let id = |name: &str| natural_id("demo-condition", &format!("{cid}/{name}"));
    let condition = |name: &str, description: &str, priority: i32, kind| Condition {
        id: id(name),
        name: name.to_string(),
        description: description.to_string(),
        is_active: true,
        priority,
        kind,
    };
    let percent = |value: i64, scope: ProductScope| DiscountEffect {
        discount_type: DiscountType::Percentage,
        value: Decimal::from(value),
        max_quantity: 0,
        scope,
    };
    let tickets = |slugs: &[&str]| ProductScope {
        tickets: Scope::Listed(slugs.iter().map(|s| s.to_string()).collect()),
        addons: Scope::None,
    };
    vec![
        condition(
            "Early Bird 20% Off",
            "20% off individual and student tickets for the first 50 buyers.",
            10,
            ConditionKind::TimeOrStockLimit {
                window: Window {
                    from: Some(now - Duration::days(30)),
                    until: Some(now + Duration::days(60)),
                },
                usage: UsageLimit {
                    limit: 50,
                    times_used: 0,
                },
                effect: percent(20, tickets(&["individual", "student"])),
            },
        ),
        condition(
            "Speaker Complimentary",
            "Free registration for speakers and co-presenters.",
            0,
            ConditionKind::Speaker {
                is_presenter: true,
                is_copresenter: true,
                effect: percent(100, ProductScope::all()),
            },
        ),
        condition(
            "Staff 50% Discount",
            "Half price for conference staff.",
            5,
            ConditionKind::GroupMember {
                groups: vec![STAFF_GROUP.to_string()],
                effect: percent(50, ProductScope::all()),
            },
        ),
        condition(
            "Corporate $50 Off",
            "$50 off each corporate ticket.",
            15,
            ConditionKind::DiscountForProduct {
                window: Window {
                    from: Some(now - Duration::days(7)),
                    until: Some(now + Duration::days(90)),
                },
                usage: UsageLimit::default(),
                effect: DiscountEffect {
                    discount_type: DiscountType::FixedAmount,
                    value: Decimal::from(50),
                    max_quantity: 0,
                    scope: tickets(&["corporate"]),
                },
            },
        ),
        condition(
            "Add-on 10% Off",
            "10% off every add-on.",
            20,
            ConditionKind::DiscountForCategory {
                window: Window::default(),
                usage: UsageLimit::default(),
                percentage: Decimal::from(10),
                apply_to_tickets: false,
                apply_to_addons: true,
            },
        ),
    ]
}

/// BOOT-23: defines the demo conditions the conference does not have yet (by
/// name); returns how many were created.
pub async fn seed_conditions(
    bus: &CommandBus,
    cid: Uuid,
    out: &mut String,
) -> anyhow::Result<usize> {
    let ledger = Inventory::stream(inventory_id(cid));
    let existing: Vec<String> = bus
        .inspect(&ledger, |inv| {
            inv.conditions().iter().map(|c| c.name.clone()).collect()
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let meta = CommandMeta::system().for_conf(Some(cid));
    let (mut created, mut present) = (vec![], vec![]);
    for condition in demo_conditions(cid, bus.services().now()) {
        let name = condition.name.clone();
        if existing.contains(&name) {
            present.push(name);
            continue;
        }
        bus.send(
            &ledger,
            InventoryCommand::DefineCondition { condition },
            &meta,
        )
        .await
        .map_err(|e| anyhow::anyhow!("discount condition '{name}': {e}"))?;
        created.push(name);
    }
    let list = |names: &[String]| {
        if names.is_empty() {
            String::new()
        } else {
            format!(" ({})", names.join(", "))
        }
    };
    let _ = writeln!(
        out,
        "Discount conditions: {} created{}, {} already present{}.",
        created.len(),
        list(&created),
        present.len(),
        list(&present)
    );
    Ok(created.len())
}
