use super::*;

fn apply(code: &str, lookup: Option<VoucherLookup>) -> CartCommand {
    CartCommand::ApplyVoucher {
        code: code.to_string(),
        voucher: lookup,
    }
}

fn found(info: VoucherInfo, valid: bool) -> Option<VoucherLookup> {
    Some(VoucherLookup { info, valid })
}

#[test]
fn cart_35_applies_a_valid_voucher() {
    framework()
        .given(vec![opened()])
        .when(apply("SAVE10", found(voucher("SAVE10", false), true)))
        .then_expect_events(vec![CartEvent::VoucherApplied {
            cart_id: cart1(),
            voucher: voucher("SAVE10", false),
            at: t0(),
        }]);
}

#[test]
fn cart_35_refuses_an_unknown_code() {
    framework()
        .given(vec![opened()])
        .when(apply("NOPE", None))
        .then_expect_error(CartError::VoucherNotFound {
            code: "NOPE".into(),
        });
}

#[test]
fn cart_35_refuses_a_voucher_that_is_no_longer_valid() {
    let error = CartError::VoucherInvalid { code: "OLD".into() };
    assert_eq!(error.to_string(), "Voucher code 'OLD' is no longer valid.");
    framework()
        .given(vec![opened()])
        .when(apply("OLD", found(voucher("OLD", false), false)))
        .then_expect_error(error);
}

#[test]
fn cart_35_checks_the_mutation_guard_first() {
    framework_at(mins(21))
        .given(vec![opened()])
        .when(apply("NOPE", None))
        .then_expect_error(CartError::Expired);
}

#[test]
fn cart_35_a_new_voucher_replaces_the_applied_one() {
    let cart = state(vec![
        opened(),
        voucher_applied(voucher("SAVE10", false)),
        voucher_applied(voucher("SPK", true)),
    ]);
    assert_eq!(cart.voucher(), Some(&voucher("SPK", true)));
    framework()
        .given(vec![opened(), voucher_applied(voucher("SAVE10", false))])
        .when(apply("SPK", found(voucher("SPK", true), true)))
        .then_expect_events(vec![CartEvent::VoucherApplied {
            cart_id: cart1(),
            voucher: voucher("SPK", true),
            at: t0(),
        }]);
}

#[test]
fn cart_36_re_applying_the_same_voucher_changes_nothing() {
    framework()
        .given(vec![opened(), voucher_applied(voucher("SAVE10", false))])
        .when(apply("SAVE10", found(voucher("SAVE10", false), true)))
        .then_expect_events(vec![]);
}

#[test]
fn cart_38_refuses_an_empty_code() {
    framework()
        .given(vec![opened()])
        .when(apply("  ", None))
        .then_expect_error(CartError::EmptyVoucherCode);
}

#[test]
fn cart_37_removing_the_voucher_keeps_hidden_tickets() {
    let mut hidden = ticket("speaker", 0);
    hidden.requires_voucher = true;
    let given = vec![
        opened(),
        voucher_applied(voucher("SPK", true)),
        added("i1", &hidden, 1),
    ];
    framework()
        .given(given.clone())
        .when(CartCommand::RemoveVoucher)
        .then_expect_events(vec![CartEvent::VoucherRemoved {
            cart_id: cart1(),
            code: "SPK".into(),
            at: t0(),
        }]);
    let mut after = given;
    after.push(CartEvent::VoucherRemoved {
        cart_id: cart1(),
        code: "SPK".into(),
        at: t0(),
    });
    let cart = state(after);
    assert_eq!(cart.voucher(), None);
    assert_eq!(cart.items().len(), 1);
}

#[test]
fn cart_37_removing_without_a_voucher_is_a_no_op() {
    framework()
        .given(vec![opened()])
        .when(CartCommand::RemoveVoucher)
        .then_expect_events(vec![]);
}
