//! Voucher and condition definitions (DISC-1…11, DISC-15…19) and the capacity
//! (CONF-4).

use rust_decimal::Decimal;

use super::*;
use crate::pricing::{
    Condition, ConditionKind, DiscountEffect, DiscountType, ProductScope, Scope, UsageLimit,
    Voucher, VoucherKind,
};

fn opened_ledger() -> Vec<InventoryEvent> {
    history(vec![])
}

fn with_voucher(code: &str) -> Vec<InventoryEvent> {
    history(vec![(
        t0(),
        InventoryCommand::CreateVoucher {
            voucher: Voucher::new(code),
        },
    )])
}

#[test]
fn conf_4_sets_the_global_capacity() {
    framework()
        .given(opened_ledger())
        .when(InventoryCommand::SetCapacity {
            total_capacity: 2500,
        })
        .then_expect_events(vec![InventoryEvent::CapacitySet {
            total_capacity: 2500,
            at: t0(),
        }]);
    let set = history(vec![(
        t0(),
        InventoryCommand::SetCapacity {
            total_capacity: 2500,
        },
    )]);
    assert_eq!(state(&set).total_capacity(), 2500);
    framework()
        .given(set)
        .when(InventoryCommand::SetCapacity {
            total_capacity: 2500,
        })
        .then_expect_events(vec![]);
    assert_eq!(state(&opened_ledger()).global_remaining(t0()), None);
}

#[test]
fn disc_1_creates_a_voucher_with_no_uses() {
    let given = Voucher {
        uses: 7,
        ..Voucher::new("WELCOME")
    };
    framework()
        .given(opened_ledger())
        .when(InventoryCommand::CreateVoucher { voucher: given })
        .then_expect_events(vec![InventoryEvent::VoucherCreated {
            voucher: Voucher::new("WELCOME"),
            at: t0(),
        }]);
}

#[test]
fn disc_1_codes_are_unique_and_case_sensitive() {
    framework()
        .given(with_voucher("WELCOME"))
        .when(InventoryCommand::CreateVoucher {
            voucher: Voucher {
                max_uses: 5,
                ..Voucher::new("WELCOME")
            },
        })
        .then_expect_error(InventoryError::DuplicateVoucherCode {
            code: "WELCOME".into(),
        });
    framework()
        .given(with_voucher("WELCOME"))
        .when(InventoryCommand::CreateVoucher {
            voucher: Voucher::new("WELCOME"),
        })
        .then_expect_events(vec![]);
    framework()
        .given(with_voucher("WELCOME"))
        .when(InventoryCommand::CreateVoucher {
            voucher: Voucher::new("welcome"),
        })
        .then_expect_events(vec![InventoryEvent::VoucherCreated {
            voucher: Voucher::new("welcome"),
            at: t0(),
        }]);
}

#[test]
fn disc_1_refuses_bad_codes_and_values() {
    let cases = [
        (Voucher::new(""), InventoryError::InvalidVoucherCode),
        (
            Voucher::new("X".repeat(101)),
            InventoryError::InvalidVoucherCode,
        ),
        (
            Voucher {
                kind: VoucherKind::Percentage,
                value: Decimal::new(101, 0),
                ..Voucher::new("P")
            },
            InventoryError::InvalidPercentage,
        ),
        (
            Voucher {
                kind: VoucherKind::FixedAmount,
                value: Decimal::new(-1, 2),
                ..Voucher::new("F")
            },
            InventoryError::NegativeDiscount,
        ),
    ];
    for (voucher, error) in cases {
        framework()
            .given(opened_ledger())
            .when(InventoryCommand::CreateVoucher { voucher })
            .then_expect_error(error);
    }
    // 100 characters is fine; a comp voucher's value is ignored (DISC-11).
    for voucher in [
        Voucher::new("X".repeat(100)),
        Voucher {
            value: Decimal::new(-5, 0),
            ..Voucher::new("COMP")
        },
    ] {
        framework()
            .given(opened_ledger())
            .when(InventoryCommand::CreateVoucher {
                voucher: voucher.clone(),
            })
            .then_expect_events(vec![InventoryEvent::VoucherCreated { voucher, at: t0() }]);
    }
}

#[test]
fn disc_2_deactivating_a_voucher() {
    framework()
        .given(with_voucher("WELCOME"))
        .when(InventoryCommand::DeactivateVoucher {
            code: "WELCOME".into(),
        })
        .then_expect_events(vec![InventoryEvent::VoucherDeactivated {
            code: "WELCOME".into(),
            at: t0(),
        }]);
    framework()
        .given(with_voucher("WELCOME"))
        .when(InventoryCommand::DeactivateVoucher {
            code: "welcome".into(),
        })
        .then_expect_error(InventoryError::VoucherNotFound {
            code: "welcome".into(),
        });
    let off = history(vec![
        (
            t0(),
            InventoryCommand::CreateVoucher {
                voucher: Voucher::new("WELCOME"),
            },
        ),
        (
            t0(),
            InventoryCommand::DeactivateVoucher {
                code: "WELCOME".into(),
            },
        ),
    ]);
    let inv = state(&off);
    assert!(!inv.voucher("WELCOME", t0()).unwrap().voucher.is_valid(t0()));
    assert_eq!(inv.vouchers(t0()).len(), 1);
    framework()
        .given(off)
        .when(InventoryCommand::DeactivateVoucher {
            code: "WELCOME".into(),
        })
        .then_expect_events(vec![]);
}

fn template() -> Voucher {
    Voucher {
        kind: VoucherKind::Percentage,
        value: Decimal::new(20, 0),
        max_uses: 3,
        unlocks_hidden: true,
        scope: ProductScope {
            tickets: Scope::Listed(vec!["individual".into()]),
            addons: Scope::None,
        },
        ..Voucher::new("IGNORED")
    }
}

fn generate(count: u32, codes: &[&str]) -> InventoryCommand {
    InventoryCommand::GenerateVouchers {
        prefix: "SPR-".into(),
        count,
        template: template(),
        codes: codes.iter().map(|c| c.to_string()).collect(),
    }
}

#[test]
fn disc_9_generates_a_batch_atomically_with_shared_terms() {
    let expected: Vec<Voucher> = ["SPR-AAAA1111", "SPR-BBBB2222"]
        .iter()
        .map(|code| Voucher {
            code: code.to_string(),
            ..template()
        })
        .collect();
    framework()
        .given(opened_ledger())
        .when(generate(2, &["SPR-AAAA1111", "SPR-BBBB2222"]))
        .then_expect_events(vec![InventoryEvent::VouchersGenerated {
            vouchers: expected,
            at: t0(),
        }]);
    // The same batch again (a process manager's retry) is a no-op.
    let generated = history(vec![(t0(), generate(2, &["SPR-AAAA1111", "SPR-BBBB2222"]))]);
    framework()
        .given(generated)
        .when(generate(2, &["SPR-AAAA1111", "SPR-BBBB2222"]))
        .then_expect_events(vec![]);
}

#[test]
fn disc_8_a_collision_refuses_the_whole_batch() {
    // With an existing code: nothing of the batch is created.
    framework()
        .given(with_voucher("SPR-BBBB2222"))
        .when(generate(2, &["SPR-AAAA1111", "SPR-BBBB2222"]))
        .then_expect_error(InventoryError::CodeCollision {
            code: "SPR-BBBB2222".into(),
        });
    // Within the batch.
    framework()
        .given(opened_ledger())
        .when(generate(
            3,
            &["SPR-AAAA1111", "SPR-CCCC3333", "SPR-AAAA1111"],
        ))
        .then_expect_error(InventoryError::CodeCollision {
            code: "SPR-AAAA1111".into(),
        });
}

#[test]
fn disc_8_checks_count_prefix_and_code_shape() {
    for count in [0, 501] {
        framework()
            .given(opened_ledger())
            .when(generate(count, &[]))
            .then_expect_error(InventoryError::InvalidCount { count });
    }
    assert_eq!(
        InventoryError::InvalidCount { count: 0 }.to_string(),
        "count must be between 1 and 500, got 0"
    );
    framework()
        .given(opened_ledger())
        .when(generate(2, &["SPR-AAAA1111"]))
        .then_expect_error(InventoryError::GeneratedCodeCount {
            expected: 2,
            got: 1,
        });
    for bad in [
        "SPR-aaaa1111",
        "SPR-AAAA111",
        "XYZ-AAAA1111",
        "SPR-AAAA-111",
    ] {
        framework()
            .given(opened_ledger())
            .when(generate(1, &[bad]))
            .then_expect_error(InventoryError::InvalidGeneratedCode { code: bad.into() });
    }
    framework()
        .given(opened_ledger())
        .when(InventoryCommand::GenerateVouchers {
            prefix: "P".repeat(21),
            count: 1,
            template: template(),
            codes: vec![format!("{}AAAA1111", "P".repeat(21))],
        })
        .then_expect_error(InventoryError::InvalidPrefix);
    framework()
        .given(opened_ledger())
        .when(InventoryCommand::GenerateVouchers {
            prefix: "SPR-".into(),
            count: 1,
            template: Voucher {
                value: Decimal::new(150, 0),
                ..template()
            },
            codes: vec!["SPR-AAAA1111".into()],
        })
        .then_expect_error(InventoryError::InvalidPercentage);
}

fn early_bird(value: Decimal, usage: UsageLimit) -> Condition {
    Condition {
        id: oid(7),
        name: "Early bird".into(),
        description: String::new(),
        is_active: true,
        priority: 0,
        kind: ConditionKind::TimeOrStockLimit {
            window: Default::default(),
            usage,
            effect: DiscountEffect {
                discount_type: DiscountType::Percentage,
                value,
                max_quantity: 0,
                scope: ProductScope::all(),
            },
        },
    }
}

#[test]
fn disc_17_refuses_a_negative_discount_value() {
    framework()
        .given(opened_ledger())
        .when(InventoryCommand::DefineCondition {
            condition: early_bird(Decimal::new(-1, 0), UsageLimit::default()),
        })
        .then_expect_error(InventoryError::NegativeDiscount);
    assert_eq!(
        InventoryError::NegativeDiscount.to_string(),
        "Discount value cannot be negative."
    );
}

#[test]
fn disc_16_defines_conditions_by_id_keeping_the_ledger_usage_count() {
    let limit = |limit, times_used| UsageLimit { limit, times_used };
    // The given times_used is ignored.
    framework()
        .given(opened_ledger())
        .when(InventoryCommand::DefineCondition {
            condition: early_bird(Decimal::new(10, 0), limit(50, 9)),
        })
        .then_expect_events(vec![InventoryEvent::ConditionDefined {
            condition: early_bird(Decimal::new(10, 0), limit(50, 0)),
            at: t0(),
        }]);
    let mut given = history(vec![(
        t0(),
        InventoryCommand::DefineCondition {
            condition: early_bird(Decimal::new(10, 0), limit(50, 0)),
        },
    )]);
    // As if two lines had been discounted.
    given.push(InventoryEvent::ConditionDefined {
        condition: early_bird(Decimal::new(10, 0), limit(50, 2)),
        at: t0(),
    });
    framework()
        .given(given.clone())
        .when(InventoryCommand::DefineCondition {
            condition: early_bird(Decimal::new(15, 0), limit(60, 0)),
        })
        .then_expect_events(vec![InventoryEvent::ConditionDefined {
            condition: early_bird(Decimal::new(15, 0), limit(60, 2)),
            at: t0(),
        }]);
    framework()
        .given(given.clone())
        .when(InventoryCommand::DefineCondition {
            condition: early_bird(Decimal::new(10, 0), limit(50, 0)),
        })
        .then_expect_events(vec![]);
    assert_eq!(state(&given).conditions().len(), 1);
}

/// DISC-9 (and AMB-23's retries): generated vouchers start unused whatever uses
/// the template carries, and a retry of the batch is still a no-op once some of
/// its vouchers were used (the terms are compared, not the uses). Both were
/// surviving mutants (docs/mutation-testing.md).
#[test]
fn disc_9_generated_vouchers_start_unused_and_a_retry_after_use_is_a_no_op() {
    framework()
        .given(opened_ledger())
        .when(InventoryCommand::GenerateVouchers {
            prefix: "SPR-".into(),
            count: 1,
            template: Voucher {
                uses: 2,
                ..template()
            },
            codes: vec!["SPR-AAAA1111".into()],
        })
        .then_expect_events(vec![InventoryEvent::VouchersGenerated {
            vouchers: vec![Voucher {
                code: "SPR-AAAA1111".into(),
                ..template()
            }],
            at: t0(),
        }]);
    let used = history(vec![
        define_ticket(limited("individual", 0)),
        (t0(), generate(2, &["SPR-AAAA1111", "SPR-BBBB2222"])),
        (
            t0(),
            hold_cmd(1, "ana", &[(tk("individual"), 1)], Some("SPR-AAAA1111"), 15),
        ),
        (t0(), InventoryCommand::ConfirmSale { order_id: oid(1) }),
    ]);
    let uses = state(&used)
        .voucher("SPR-AAAA1111", at(20))
        .map(|v| v.voucher.uses);
    assert_eq!(uses, Some(1), "the sale used the voucher");
    framework()
        .given(used)
        .when(generate(2, &["SPR-AAAA1111", "SPR-BBBB2222"]))
        .then_expect_events(vec![]);
}
