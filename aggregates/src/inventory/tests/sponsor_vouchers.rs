//! Sponsor comp vouchers on the ledger (SPONSOR-12/13, AMB-32).

use super::*;
use crate::pricing::{ProductScope, Voucher};

fn issue(codes: &[&str]) -> InventoryCommand {
    InventoryCommand::IssueSponsorVouchers {
        codes: codes.iter().map(|c| c.to_string()).collect(),
    }
}

fn created(voucher: Voucher) -> InventoryEvent {
    InventoryEvent::VoucherCreated { voucher, at: t0() }
}

#[test]
fn sponsor_13_issues_comp_single_use_hidden_unlocking_ticket_only_vouchers() {
    framework()
        .given(history(vec![]))
        .when(issue(&["SPONSOR-ACME-1", "SPONSOR-ACME-2"]))
        .then_expect_events(vec![
            created(Voucher::sponsor_comp("SPONSOR-ACME-1")),
            created(Voucher::sponsor_comp("SPONSOR-ACME-2")),
        ]);
    let v = Voucher::sponsor_comp("X");
    assert_eq!((v.max_uses, v.unlocks_hidden, v.is_active), (1, true, true));
    assert_eq!(v.scope, ProductScope::tickets_only());
}

#[test]
fn sponsor_13_skips_codes_that_already_exist() {
    let given = history(vec![(
        t0(),
        InventoryCommand::CreateVoucher {
            voucher: Voucher::new("SPONSOR-ACME-2"),
        },
    )]);
    framework()
        .given(given)
        .when(issue(&[
            "SPONSOR-ACME-1",
            "SPONSOR-ACME-2",
            "SPONSOR-ACME-1",
        ]))
        .then_expect_events(vec![created(Voucher::sponsor_comp("SPONSOR-ACME-1"))]);
}

#[test]
fn sponsor_12_the_same_issue_again_is_a_no_op() {
    let given = history(vec![(t0(), issue(&["SPONSOR-ACME-1"]))]);
    framework()
        .given(given)
        .when(issue(&["SPONSOR-ACME-1"]))
        .then_expect_events(vec![]);
}
