//! Bulk-purchase vouchers on the ledger (SPONSOR-20/26/27, AMB-23).

use super::*;
use crate::pricing::Voucher;

fn purchase() -> Uuid {
    Uuid::from_u128(42)
}

fn issue(quantity: u32, candidates: &[&str]) -> InventoryCommand {
    InventoryCommand::IssueBulkVouchers {
        purchase_id: purchase(),
        quantity,
        prefix: "BULK-ACME-".into(),
        template: Voucher::new(""),
        candidates: candidates.iter().map(|c| c.to_string()).collect(),
    }
}

fn issued(codes: &[&str]) -> InventoryEvent {
    InventoryEvent::BulkVouchersIssued {
        purchase_id: purchase(),
        vouchers: codes.iter().map(|c| Voucher::new(*c)).collect(),
        at: t0(),
    }
}

#[test]
fn sponsor_26_issues_quantity_vouchers_from_free_candidates() {
    let given = history(vec![(
        t0(),
        InventoryCommand::CreateVoucher {
            voucher: Voucher::new("BULK-ACME-AAAAAAAA"),
        },
    )]);
    framework()
        .given(given)
        .when(issue(
            2,
            &[
                "BULK-ACME-AAAAAAAA", // taken
                "BULK-ACME-BBBBBBBB",
                "BULK-ACME-BBBBBBBB", // twice in the batch
                "OTHER-CCCCCCCC",     // not the prefix
                "BULK-ACME-DDDDDDDD",
                "BULK-ACME-EEEEEEEE",
            ],
        ))
        .then_expect_events(vec![issued(&["BULK-ACME-BBBBBBBB", "BULK-ACME-DDDDDDDD"])]);
}

#[test]
fn amb_23_only_the_missing_vouchers_are_generated_and_never_a_second_batch() {
    let given = history(vec![(
        t0(),
        issue(2, &["BULK-ACME-AAAAAAAA", "BULK-ACME-BBBBBBBB"]),
    )]);
    // Fully linked: a second fulfilment is a no-op.
    framework()
        .given(given.clone())
        .when(issue(2, &["BULK-ACME-CCCCCCCC", "BULK-ACME-DDDDDDDD"]))
        .then_expect_events(vec![]);
    // A larger quantity tops up only what is missing.
    framework()
        .given(given)
        .when(issue(3, &["BULK-ACME-CCCCCCCC", "BULK-ACME-DDDDDDDD"]))
        .then_expect_events(vec![issued(&["BULK-ACME-CCCCCCCC"])]);
}

#[test]
fn disc_8_too_few_free_candidates_is_a_collision_to_draw_again() {
    let r = framework()
        .given(history(vec![]))
        .when(issue(2, &["BULK-ACME-AAAAAAAA"]));
    r.then_expect_error(InventoryError::CodeCollision {
        code: "BULK-ACME-…".into(),
    });
}

#[test]
fn sponsor_27_deactivates_every_linked_active_voucher() {
    let given = history(vec![
        (
            t0(),
            issue(2, &["BULK-ACME-AAAAAAAA", "BULK-ACME-BBBBBBBB"]),
        ),
        (
            t0(),
            InventoryCommand::DeactivateVoucher {
                code: "BULK-ACME-AAAAAAAA".into(),
            },
        ),
    ]);
    framework()
        .given(given.clone())
        .when(InventoryCommand::DeactivateBulkVouchers {
            purchase_id: purchase(),
        })
        .then_expect_events(vec![InventoryEvent::VoucherDeactivated {
            code: "BULK-ACME-BBBBBBBB".into(),
            at: t0(),
        }]);
    let mut all = given;
    all.push(InventoryEvent::VoucherDeactivated {
        code: "BULK-ACME-BBBBBBBB".into(),
        at: t0(),
    });
    framework()
        .given(all)
        .when(InventoryCommand::DeactivateBulkVouchers {
            purchase_id: purchase(),
        })
        .then_expect_events(vec![]);
}

/// SPONSOR-26: issued vouchers start unused whatever uses the template carries
/// (a surviving mutant of `issue_bulk_vouchers`, docs/mutation-testing.md).
#[test]
fn sponsor_26_issued_vouchers_start_unused() {
    framework()
        .given(history(vec![]))
        .when(InventoryCommand::IssueBulkVouchers {
            purchase_id: purchase(),
            quantity: 1,
            prefix: "BULK-ACME-".into(),
            template: Voucher {
                uses: 4,
                ..Voucher::new("")
            },
            candidates: vec!["BULK-ACME-BBBBBBBB".into()],
        })
        .then_expect_events(vec![issued(&["BULK-ACME-BBBBBBBB"])]);
}
