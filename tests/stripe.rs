//! The Stripe client against an in-process fake Stripe, and webhook deliveries
//! verified and read end to end (SPEC PAY-6…10, PAY-27, PAY-40…48, AMB-31).

#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use std::str::FromStr;

use fake_stripe::{
    Delivery, FakeStripe, Fault, charge_dispute_created, charge_object, charge_refunded, deliver,
    dispute_object,
};
use rust_decimal::Decimal;
use tessera::config::{Config, Secret, StripeConfig};
use tessera::stripe::webhook::{EventData, payload_digest};
use tessera::stripe::{
    AmountError, GatewayError, PaymentGateway, PaymentIntentRequest, RefundReason, RefundRequest,
    SharedGateway, StripeClient, WebhookError, parse_event, refund_idempotency_key,
    verify_with_config,
};
use uuid::Uuid;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn order_id() -> Uuid {
    Uuid::from_u128(0x0b6f_1c2e_3a4d_4e5f_8a9b_1c2d_3e4f_5a6b)
}

fn conference_id() -> Uuid {
    Uuid::from_u128(0x7d4e_2f1a_9b8c_4d3e_a2f1_0e9d_8c7b_6a5f)
}

fn intent_request(amount: &str, key: &str) -> PaymentIntentRequest {
    PaymentIntentRequest {
        amount: d(amount),
        currency: "USD".into(),
        order_id: order_id(),
        conference_id: conference_id(),
        reference: "ORD-A1B2C3D4".into(),
        description: Some("Order ORD-A1B2C3D4 for PyCon 2026".into()),
        customer: None,
        idempotency_key: key.into(),
    }
}

fn refund_request(intent: &str, amount: &str, key: &str) -> RefundRequest {
    RefundRequest {
        payment_intent: intent.into(),
        amount: d(amount),
        currency: "usd".into(),
        reason: RefundReason::RequestedByCustomer,
        idempotency_key: key.into(),
    }
}

const POST_INTENTS: (&str, &str) = ("POST", "/v1/payment_intents");
const POST_REFUNDS: (&str, &str) = ("POST", "/v1/refunds");

#[tokio::test]
async fn pay_6_creates_an_intent_with_amount_in_cents_metadata_and_key() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let intent = client
        .create_payment_intent(&intent_request("123.45", "ORD-A1B2C3D4"))
        .await
        .expect("intent");

    assert!(intent.id.starts_with("pi_"));
    assert_eq!(intent.amount_minor, 12345);
    assert_eq!(intent.amount, d("123.45"));
    assert_eq!(intent.currency, "usd");
    assert_eq!(intent.status, "requires_payment_method");
    assert_eq!(intent.order_id, Some(order_id()));
    let secret = intent.client_secret.as_deref().expect("client secret");
    assert!(secret.starts_with(&format!("{}_secret_", intent.id)));

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), POST_INTENTS);
    assert!(r.authorized);
    assert_eq!(r.idempotency_key.as_deref(), Some("ORD-A1B2C3D4"));
    assert!(r.stripe_version.is_some());
    assert_eq!(r.param("amount"), Some("12345"));
    assert_eq!(r.param("currency"), Some("usd"));
    assert_eq!(
        r.param("metadata[order_id]"),
        Some(order_id().to_string().as_str())
    );
    assert_eq!(
        r.param("metadata[conference_id]"),
        Some(conference_id().to_string().as_str())
    );
    assert_eq!(r.param("metadata[reference]"), Some("ORD-A1B2C3D4"));
    assert_eq!(
        r.param("description"),
        Some("Order ORD-A1B2C3D4 for PyCon 2026")
    );
}

#[tokio::test]
async fn pay_6_the_same_key_returns_the_same_intent() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let first = client
        .create_payment_intent(&intent_request("50.00", "ORD-A1B2C3D4"))
        .await
        .expect("first");
    let second = client
        .create_payment_intent(&intent_request("50.00", "ORD-A1B2C3D4"))
        .await
        .expect("second");
    assert_eq!(first, second);
    assert_eq!(fake.intent_count(), 1, "Stripe created one intent");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(!requests[0].replayed && requests[1].replayed);
}

#[tokio::test]
async fn another_key_creates_another_intent() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let a = client
        .create_payment_intent(&intent_request("50.00", "ORD-A1B2C3D4"))
        .await
        .expect("a");
    let b = client
        .create_payment_intent(&intent_request("50.00", "ORD-A1B2C3D4-2"))
        .await
        .expect("b");
    assert_ne!(a.id, b.id);
    assert_eq!(fake.intent_count(), 2);
}

#[tokio::test]
async fn the_same_key_with_other_parameters_is_an_idempotency_conflict() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    client
        .create_payment_intent(&intent_request("50.00", "ORD-A1B2C3D4"))
        .await
        .expect("first");
    let err = client
        .create_payment_intent(&intent_request("60.00", "ORD-A1B2C3D4"))
        .await
        .expect_err("conflict");
    assert!(
        matches!(err, GatewayError::IdempotencyConflict(_)),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(fake.intent_count(), 1);
}

#[tokio::test]
async fn pay_9_amounts_are_checked_before_calling_stripe() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let err = client
        .create_payment_intent(&intent_request("10.005", "k1"))
        .await
        .expect_err("three decimals");
    assert_eq!(err, GatewayError::Amount(AmountError::TooManyDecimals));
    assert_eq!(err.http_status(), 400);
    let err = client
        .create_payment_intent(&intent_request("0.00", "k2"))
        .await
        .expect_err("zero");
    assert!(matches!(err, GatewayError::InvalidRequest(_)), "{err:?}");
    let mut blank_key = intent_request("10.00", "");
    let err = client
        .create_payment_intent(&blank_key)
        .await
        .expect_err("blank key");
    assert!(matches!(err, GatewayError::InvalidRequest(_)), "{err:?}");
    blank_key.idempotency_key = "x".repeat(256);
    assert!(client.create_payment_intent(&blank_key).await.is_err());
    assert!(fake.requests().is_empty(), "nothing reached Stripe");
}

#[tokio::test]
async fn pay_9_zero_decimal_currencies_are_sent_as_is() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let mut request = intent_request("1500", "jpy-1");
    request.currency = "JPY".into();
    let intent = client
        .create_payment_intent(&request)
        .await
        .expect("intent");
    assert_eq!(intent.amount_minor, 1500);
    assert_eq!(intent.amount, d("1500"));
    assert_eq!(fake.requests()[0].param("amount"), Some("1500"));
    assert_eq!(fake.requests()[0].param("currency"), Some("jpy"));
    request.amount = d("1500.5");
    request.idempotency_key = "jpy-2".into();
    assert_eq!(
        client.create_payment_intent(&request).await.err(),
        Some(GatewayError::Amount(AmountError::NotWhole("JPY".into())))
    );
}

#[tokio::test]
async fn retrieves_an_intent_as_stripe_has_it() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let created = client
        .create_payment_intent(&intent_request("20.00", "k"))
        .await
        .expect("intent");
    fake.succeed_intent(&created.id).expect("succeeded");
    let got = client
        .retrieve_payment_intent(&created.id)
        .await
        .expect("retrieved");
    assert!(got.is_succeeded());
    assert!(
        got.latest_charge
            .as_deref()
            .is_some_and(|c| c.starts_with("ch_"))
    );
    assert_eq!(got.amount, d("20.00"));
    assert_eq!(
        fake.calls("GET", &format!("/v1/payment_intents/{}", created.id)),
        1
    );
}

#[tokio::test]
async fn an_unknown_intent_is_a_stripe_404() {
    let fake = FakeStripe::start().await;
    let err = fake
        .client()
        .retrieve_payment_intent("pi_nope")
        .await
        .expect_err("missing");
    match &err {
        GatewayError::Stripe {
            status, kind, code, ..
        } => {
            assert_eq!(*status, 404);
            assert_eq!(kind, "invalid_request_error");
            assert_eq!(code.as_deref(), Some("resource_missing"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.outcome_unknown());
    assert_eq!(err.http_status(), 502);
}

#[tokio::test]
async fn ids_that_would_change_the_path_never_reach_stripe() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    for id in ["", "../refunds", "pi_1?expand=x", "pi_1/cancel"] {
        let err = client
            .retrieve_payment_intent(id)
            .await
            .expect_err("bad id");
        assert!(matches!(err, GatewayError::InvalidRequest(_)), "{id}");
    }
    assert!(fake.requests().is_empty());
}

async fn paid_intent(fake: &FakeStripe, client: &StripeClient, amount: &str) -> String {
    let intent = client
        .create_payment_intent(&intent_request(amount, "ORD-A1B2C3D4"))
        .await
        .expect("intent");
    fake.succeed_intent(&intent.id).expect("succeeded");
    intent.id
}

#[tokio::test]
async fn pay_27_refunds_part_of_an_intent_once_per_key() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let pi = paid_intent(&fake, &client, "100.00").await;
    let key = refund_idempotency_key(&pi, d("30"), RefundReason::RequestedByCustomer);
    assert_eq!(key, format!("refund-{pi}-30.00-requested_by_customer"));

    let first = client
        .create_refund(&refund_request(&pi, "30.00", &key))
        .await
        .expect("refund");
    assert_eq!(first.amount_minor, 3000);
    assert_eq!(first.amount, d("30.00"));
    assert_eq!(first.payment_intent.as_deref(), Some(pi.as_str()));
    assert_eq!(first.status.as_deref(), Some("succeeded"));

    let again = client
        .create_refund(&refund_request(&pi, "30.00", &key))
        .await
        .expect("replayed refund");
    assert_eq!(first, again);
    assert_eq!(fake.refunds().len(), 1, "money moved once");
    assert_eq!(fake.calls(POST_REFUNDS.0, POST_REFUNDS.1), 2);

    let r = &fake.requests()[fake.requests().len() - 1];
    assert_eq!(r.param("payment_intent"), Some(pi.as_str()));
    assert_eq!(r.param("amount"), Some("3000"));
    assert_eq!(r.param("reason"), Some("requested_by_customer"));
    assert_eq!(r.idempotency_key.as_deref(), Some(key.as_str()));
}

#[tokio::test]
async fn a_refund_beyond_what_is_left_is_refused_by_stripe() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let pi = paid_intent(&fake, &client, "100.00").await;
    client
        .create_refund(&refund_request(&pi, "80.00", "r1"))
        .await
        .expect("first refund");
    let err = client
        .create_refund(&refund_request(&pi, "30.00", "r2"))
        .await
        .expect_err("too much");
    assert!(
        matches!(&err, GatewayError::Stripe { status: 400, code: Some(c), .. } if c == "amount_too_large"),
        "{err:?}"
    );
    assert_eq!(fake.refunds().len(), 1);
}

#[tokio::test]
async fn refunding_an_unpaid_intent_is_refused_by_stripe() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let intent = client
        .create_payment_intent(&intent_request("10.00", "k"))
        .await
        .expect("intent");
    let err = client
        .create_refund(&refund_request(&intent.id, "10.00", "r"))
        .await
        .expect_err("unpaid");
    assert!(
        matches!(err, GatewayError::Stripe { status: 400, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stripe_500_is_an_unknown_outcome_and_the_retry_with_the_same_key_succeeds() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    fake.fail_next(500);
    let err = client
        .create_payment_intent(&intent_request("10.00", "ORD-A1B2C3D4"))
        .await
        .expect_err("500");
    assert!(
        matches!(&err, GatewayError::Stripe { status: 500, kind, .. } if kind == "api_error"),
        "{err:?}"
    );
    assert!(err.outcome_unknown() && err.is_retryable());
    assert_eq!(err.http_status(), 502);
    assert_eq!(fake.intent_count(), 0);

    let intent = client
        .create_payment_intent(&intent_request("10.00", "ORD-A1B2C3D4"))
        .await
        .expect("retry");
    assert_eq!(fake.intent_count(), 1);
    assert_eq!(
        fake.intent(&intent.id).map(|v| v["amount"].clone()),
        Some(1000.into())
    );
}

#[tokio::test]
async fn a_lost_answer_retried_with_the_same_key_gives_the_intent_stripe_made() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    fake.lose_next_response();
    let err = client
        .create_payment_intent(&intent_request("10.00", "ORD-A1B2C3D4"))
        .await
        .expect_err("lost");
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(fake.intent_count(), 1, "Stripe did create it");

    let intent = client
        .create_payment_intent(&intent_request("10.00", "ORD-A1B2C3D4"))
        .await
        .expect("retry");
    assert_eq!(fake.intent_count(), 1, "and only once");
    assert!(fake.intent(&intent.id).is_some());
    assert!(fake.requests()[1].replayed);
}

#[tokio::test]
async fn a_lost_refund_answer_never_refunds_twice() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let pi = paid_intent(&fake, &client, "40.00").await;
    let request = refund_request(&pi, "40.00", "refund-key");
    fake.lose_next_response();
    assert!(client.create_refund(&request).await.is_err());
    let refund = client.create_refund(&request).await.expect("retry");
    assert_eq!(refund.amount, d("40.00"));
    assert_eq!(fake.refunds().len(), 1);
}

#[tokio::test]
async fn a_proxy_error_page_is_an_unknown_outcome() {
    let fake = FakeStripe::start().await;
    fake.push_fault(Fault::HtmlError);
    let err = fake
        .client()
        .create_payment_intent(&intent_request("10.00", "k"))
        .await
        .expect_err("html");
    assert!(matches!(err, GatewayError::InvalidResponse(_)), "{err:?}");
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn a_wrong_api_key_is_a_stripe_401() {
    let fake = FakeStripe::start().await;
    let client = StripeClient::new("sk_test_wrong", fake.base_url()).expect("client");
    let err = client
        .create_payment_intent(&intent_request("10.00", "k"))
        .await
        .expect_err("401");
    assert!(
        matches!(err, GatewayError::Stripe { status: 401, .. }),
        "{err:?}"
    );
    assert!(!fake.requests()[0].authorized);
    assert_eq!(fake.intent_count(), 0);
}

#[tokio::test]
async fn an_unreachable_stripe_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let client =
        StripeClient::new("sk_test_x", &format!("http://127.0.0.1:{port}")).expect("client");
    let err = client
        .retrieve_payment_intent("pi_1")
        .await
        .expect_err("refused");
    assert!(matches!(err, GatewayError::Transport(_)), "{err:?}");
    assert!(err.outcome_unknown() && err.is_retryable());
}

#[tokio::test]
async fn the_client_is_built_from_the_config_and_shared_as_a_trait_object() {
    let fake = FakeStripe::start().await;
    let mut config: StripeConfig = Config::default().stripe;
    config.secret_key = Some(Secret::new(fake.secret_key()));
    config.api_base = format!("{}/", fake.base_url());
    let gateway: SharedGateway =
        std::sync::Arc::new(StripeClient::from_config(&config).expect("client"));
    let intent = gateway
        .create_payment_intent(&intent_request("5.00", "k"))
        .await
        .expect("intent");
    assert_eq!(intent.amount_minor, 500);
    assert_eq!(fake.calls(POST_INTENTS.0, POST_INTENTS.1), 1);
}

// ---------------------------------------------------------------------------
// Webhooks, end to end at the function level

const NOW_SECRET: &str = "whsec_current";
const OLD_SECRET: &str = "whsec_previous";

fn webhook_config() -> StripeConfig {
    let mut config = Config::default().stripe;
    config.webhook_secret = Some(Secret::new(NOW_SECRET));
    config.webhook_secrets = vec![Secret::new(OLD_SECRET)];
    config
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn read(delivery: &Delivery, at: i64) -> Result<EventData, String> {
    verify_with_config(
        &delivery.payload,
        &delivery.signature,
        &webhook_config(),
        at,
    )
    .map_err(|e| e.code().to_string())?;
    let event = parse_event(&delivery.payload).map_err(|e| e.to_string())?;
    event.data().map_err(|e| e.to_string())
}

#[tokio::test]
async fn pay_45_a_paid_intent_arrives_as_a_verified_succeeded_event() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let pi = paid_intent(&fake, &client, "75.50").await;
    let event = fake.payment_intent_succeeded_event(&pi).expect("event");
    let t = now();
    let delivery = deliver(&event, NOW_SECRET, t);

    let data = read(&delivery, t + 5).expect("verified");
    let EventData::PaymentIntentSucceeded(intent) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(intent.id, pi);
    assert_eq!(intent.amount_decimal(), d("75.50"));
    assert_eq!(intent.order_id, Some(order_id()));
    assert_eq!(intent.conference_id, Some(conference_id()));
    assert!(intent.latest_charge.is_some());
    assert_eq!(data.payment_intent_id(), Some(pi.as_str()));

    let parsed = parse_event(&delivery.payload).expect("event");
    assert!(parsed.id.starts_with("evt_"));
    assert_eq!(payload_digest(&delivery.payload).len(), 64);
}

#[tokio::test]
async fn pay_46_a_failed_attempt_arrives_as_payment_failed() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let intent = client
        .create_payment_intent(&intent_request("10.00", "k"))
        .await
        .expect("intent");
    fake.fail_intent(&intent.id, "Your card was declined.");
    let event = fake.payment_intent_failed_event(&intent.id).expect("event");
    let t = now();
    let data = read(&deliver(&event, NOW_SECRET, t), t).expect("verified");
    let EventData::PaymentIntentPaymentFailed(pi) = data else {
        panic!("{data:?}");
    };
    assert_eq!(
        pi.last_payment_error.as_deref(),
        Some("Your card was declined.")
    );
    assert_eq!(pi.order_id, Some(order_id()));
}

#[tokio::test]
async fn pay_47_a_refund_arrives_as_charge_refunded() {
    let fake = FakeStripe::start().await;
    let client = fake.client();
    let pi = paid_intent(&fake, &client, "100.00").await;
    client
        .create_refund(&refund_request(&pi, "25.00", "r1"))
        .await
        .expect("refund");
    let event = fake.charge_refunded_event(&pi).expect("event");
    let t = now();
    // Signed with the previous secret during a rotation.
    let data = read(&deliver(&event, OLD_SECRET, t), t).expect("verified");
    let EventData::ChargeRefunded(charge) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(charge.payment_intent_id(), Some(pi.as_str()));
    assert_eq!(charge.amount_refunded_decimal(), d("25.00"));
    assert!(!charge.is_full_refund());
    assert_eq!(charge.refunds.len(), 1);
    assert_eq!(charge.order_id, Some(order_id()));

    client
        .create_refund(&refund_request(&pi, "75.00", "r2"))
        .await
        .expect("rest");
    let event = fake.charge_refunded_event(&pi).expect("event");
    let data = read(&deliver(&event, NOW_SECRET, t), t).expect("verified");
    let EventData::ChargeRefunded(charge) = data else {
        panic!("not a charge");
    };
    assert!(charge.is_full_refund());
}

#[test]
fn amb_31_a_refunded_charge_without_intent_matches_no_payment() {
    let event = charge_refunded(
        "evt_manual",
        charge_object("ch_1", None, 1000, 1000, "usd", &[]),
        now(),
    );
    let t = now();
    let data = read(&deliver(&event, NOW_SECRET, t), t).expect("verified");
    assert!(matches!(data, EventData::ChargeRefunded(_)));
    assert_eq!(data.payment_intent_id(), None);
}

#[test]
fn pay_48_a_dispute_is_read() {
    let event = charge_dispute_created(
        "evt_dispute",
        dispute_object("dp_1", "ch_1", Some("pi_1"), 1000, "usd", "fraudulent"),
        now(),
    );
    let t = now();
    let data = read(&deliver(&event, NOW_SECRET, t), t).expect("verified");
    let EventData::ChargeDisputeCreated(dispute) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(dispute.reason.as_deref(), Some("fraudulent"));
    assert_eq!(data.payment_intent_id(), Some("pi_1"));
}

#[test]
fn pay_40_forged_tampered_stale_and_unsigned_deliveries_are_refused() {
    let event = charge_refunded(
        "evt_1",
        charge_object("ch_1", Some("pi_1"), 1000, 1000, "usd", &[]),
        now(),
    );
    let t = now();
    let config = webhook_config();

    let forged = deliver(&event, "whsec_attacker", t);
    assert_eq!(
        verify_with_config(&forged.payload, &forged.signature, &config, t),
        Err(WebhookError::SignatureMismatch)
    );

    let mut tampered = deliver(&event, NOW_SECRET, t);
    tampered.payload = serde_json::to_vec(&charge_refunded(
        "evt_1",
        charge_object("ch_1", Some("pi_other"), 1000, 1000, "usd", &[]),
        t,
    ))
    .expect("json");
    assert_eq!(
        verify_with_config(&tampered.payload, &tampered.signature, &config, t),
        Err(WebhookError::SignatureMismatch)
    );

    let stale = deliver(&event, NOW_SECRET, t - 301);
    assert!(matches!(
        verify_with_config(&stale.payload, &stale.signature, &config, t),
        Err(WebhookError::TimestampOutOfTolerance { .. })
    ));

    let ok = deliver(&event, NOW_SECRET, t);
    assert_eq!(
        verify_with_config(&ok.payload, "", &config, t),
        Err(WebhookError::MissingHeader)
    );
    assert_eq!(
        verify_with_config(&ok.payload, "t=abc", &config, t),
        Err(WebhookError::MalformedHeader)
    );
    assert_eq!(
        verify_with_config(&ok.payload, &ok.signature, &config, t),
        Ok(())
    );
}
