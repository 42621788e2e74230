use super::*;

fn start(attempt: &str) -> OrderCommand {
    OrderCommand::StartPaymentAttempt {
        attempt_id: id(attempt),
        idempotency_key: format!("key-{attempt}"),
        amount: dec(100),
    }
}

fn started(attempt: &str) -> OrderEvent {
    OrderEvent::PaymentAttemptStarted {
        attempt_id: id(attempt),
        idempotency_key: format!("key-{attempt}"),
        amount: dec(100),
        at: t0(),
    }
}

fn intent(attempt: &str, pi: &str) -> OrderCommand {
    OrderCommand::RecordPaymentIntent {
        attempt_id: id(attempt),
        payment_intent_id: pi.into(),
        client_secret: format!("{pi}_secret_x"),
    }
}

fn intent_created(attempt: &str, pi: &str) -> OrderEvent {
    OrderEvent::PaymentIntentCreated {
        attempt_id: id(attempt),
        payment_intent_id: pi.into(),
        client_secret: format!("{pi}_secret_x"),
        at: t0(),
    }
}

#[test]
fn pay_4_starts_an_attempt_for_a_pending_order() {
    framework()
        .given(vec![placed(100)])
        .when(start("a1"))
        .then_expect_events(vec![started("a1")]);
    framework()
        .given(vec![placed(100), started("a1")])
        .when(start("a1"))
        .then_expect_events(vec![]);
}

#[test]
fn pay_4_refuses_to_initiate_a_payment_unless_pending() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", PaymentMethod::Manual, dec(100)),
            order_paid(),
        ])
        .when(start("a1"))
        .then_expect_error(OrderError::PaymentNotInitiable);
}

#[test]
fn pay_8_records_the_intent_of_an_attempt_once() {
    framework()
        .given(vec![placed(100), started("a1")])
        .when(intent("a1", "pi_1"))
        .then_expect_events(vec![intent_created("a1", "pi_1")]);
    framework()
        .given(vec![
            placed(100),
            started("a1"),
            intent_created("a1", "pi_1"),
        ])
        .when(intent("a1", "pi_1"))
        .then_expect_events(vec![]);
    framework()
        .given(vec![
            placed(100),
            started("a1"),
            intent_created("a1", "pi_1"),
        ])
        .when(intent("a1", "pi_2"))
        .then_expect_error(OrderError::AttemptHasAnotherIntent);
    framework()
        .given(vec![placed(100)])
        .when(intent("a1", "pi_1"))
        .then_expect_error(OrderError::AttemptNotFound);
}

#[test]
fn pay_8_a_retried_payment_finds_the_open_attempt_and_its_intent() {
    let order = state(vec![
        placed(100),
        started("a1"),
        intent_created("a1", "pi_1"),
    ]);
    let open = order.open_attempt();
    assert_eq!(open.map(|a| a.attempt_id), Some(id("a1")));
    assert_eq!(
        open.and_then(|a| order.client_secret(a.attempt_id)),
        Some("pi_1_secret_x")
    );
    assert_eq!(open.map(|a| a.idempotency_key.as_str()), Some("key-a1"));
}

#[test]
fn pay_46_a_failed_intent_fails_its_attempt_and_leaves_the_order() {
    let given = vec![placed(100), started("a1"), intent_created("a1", "pi_1")];
    framework()
        .given(given.clone())
        .when(OrderCommand::RecordPaymentFailure {
            payment_intent_id: "pi_1".into(),
        })
        .then_expect_events(vec![OrderEvent::PaymentAttemptFailed {
            attempt_id: id("a1"),
            payment_intent_id: "pi_1".into(),
            at: t0(),
        }]);
    framework()
        .given(given)
        .when(OrderCommand::RecordPaymentFailure {
            payment_intent_id: "pi_other".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn pay_45_the_payment_of_an_intent_closes_its_attempt() {
    let payment = OrderEvent::PaymentRecorded {
        payment_id: id("p1"),
        method: PaymentMethod::Stripe,
        amount: dec(100),
        stripe_payment_intent: Some("pi_1".into()),
        credit_id: None,
        reference: String::new(),
        note: String::new(),
        by: None,
        at: t0(),
    };
    let order = state(vec![
        placed(100),
        started("a1"),
        intent_created("a1", "pi_1"),
        payment,
        order_paid(),
    ]);
    assert_eq!(
        order.attempt(id("a1")).map(|a| a.status),
        Some(AttemptStatus::Succeeded)
    );
    assert!(order.open_attempt().is_none());
    assert_eq!(
        order
            .attempt(id("a1"))
            .and_then(|a| a.payment_intent_id.as_deref()),
        Some("pi_1")
    );
}
