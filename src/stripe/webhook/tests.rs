use serde_json::json;

use super::*;

const SECRET: &str = "whsec_test_current";
const OLD_SECRET: &str = "whsec_test_previous";
const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const PAYLOAD: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

fn ok(header: &str, secrets: &[&str]) -> Result<(), WebhookError> {
    verify(PAYLOAD, header, secrets, 300, NOW)
}

#[test]
fn pay_40_a_signature_made_with_the_secret_verifies() {
    assert_eq!(ok(&sign(PAYLOAD, SECRET, NOW), &[SECRET]), Ok(()));
}

#[test]
fn sign_matches_the_scheme_stripe_documents() {
    // HMAC-SHA256 over "{t}.{payload}", hex; vector computed independently
    // (Python: hmac.new(b"whsec_abc", b"1700000000.{}", sha256).hexdigest()).
    let expected = "bad9ac117e973d721c232d46744158d75e3f1b44e36771e13d01b9e6a580bc72";
    assert_eq!(
        sign(b"{}", "whsec_abc", 1_700_000_000),
        format!("t=1700000000,v1={expected}")
    );
    assert_eq!(signature(b"{}", "whsec_abc", 1_700_000_000), expected);
    assert_eq!(
        verify(
            b"{}",
            &format!("t=1700000000,v1={expected}"),
            &["whsec_abc"],
            300,
            1_700_000_100
        ),
        Ok(())
    );
}

#[test]
fn pay_40_any_v1_entry_may_match() {
    let good = signature(PAYLOAD, SECRET, NOW);
    let bad = signature(PAYLOAD, "whsec_wrong", NOW);
    let header = format!("t={NOW},v1={bad},v1={good}");
    assert_eq!(ok(&header, &[SECRET]), Ok(()));
    let header = format!("t={NOW},v1={good},v1={bad}");
    assert_eq!(ok(&header, &[SECRET]), Ok(()));
}

#[test]
fn pay_40_rotated_secrets_all_verify() {
    // During a rotation Stripe signs with both secrets; either configured one works.
    let header = sign(PAYLOAD, OLD_SECRET, NOW);
    assert_eq!(ok(&header, &[SECRET, OLD_SECRET]), Ok(()));
    assert_eq!(ok(&header, &[OLD_SECRET, SECRET]), Ok(()));
    let both = format!(
        "t={NOW},v1={},v1={}",
        signature(PAYLOAD, SECRET, NOW),
        signature(PAYLOAD, OLD_SECRET, NOW)
    );
    assert_eq!(ok(&both, &[OLD_SECRET]), Ok(()));
    assert_eq!(ok(&both, &[SECRET]), Ok(()));
}

#[test]
fn pay_40_v0_and_unknown_schemes_are_ignored() {
    let good = signature(PAYLOAD, SECRET, NOW);
    let header = format!("t={NOW},v0=deadbeef,v1={good},v9=whatever");
    assert_eq!(ok(&header, &[SECRET]), Ok(()));
    // A v0 signature alone is not enough.
    let header = format!("t={NOW},v0={good}");
    assert_eq!(ok(&header, &[SECRET]), Err(WebhookError::NoSignature));
}

#[test]
fn pay_40_whitespace_around_items_is_tolerated() {
    let good = signature(PAYLOAD, SECRET, NOW);
    assert_eq!(ok(&format!(" t={NOW}, v1={good} "), &[SECRET]), Ok(()));
}

#[test]
fn pay_40_uppercase_hex_verifies() {
    let good = signature(PAYLOAD, SECRET, NOW).to_ascii_uppercase();
    assert_eq!(ok(&format!("t={NOW},v1={good}"), &[SECRET]), Ok(()));
}

#[test]
fn pay_40_a_forged_signature_is_refused() {
    let forged = sign(PAYLOAD, "whsec_attacker", NOW);
    assert_eq!(ok(&forged, &[SECRET]), Err(WebhookError::SignatureMismatch));
}

#[test]
fn pay_40_a_tampered_payload_is_refused() {
    let header = sign(PAYLOAD, SECRET, NOW);
    let tampered = br#"{"id":"evt_1","type":"payment_intent.succeeded" }"#;
    assert_eq!(
        verify(tampered, &header, &[SECRET], 300, NOW),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn pay_40_a_signature_for_another_timestamp_is_refused() {
    // Replaying an old signature with a fresh t must fail.
    let old = signature(PAYLOAD, SECRET, NOW - 3600);
    assert_eq!(
        ok(&format!("t={NOW},v1={old}"), &[SECRET]),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn pay_40_a_truncated_or_non_hex_signature_matches_nothing() {
    let good = signature(PAYLOAD, SECRET, NOW);
    for sig in [&good[..63], &good[..62], "zz", ""] {
        assert_eq!(
            ok(&format!("t={NOW},v1={sig}"), &[SECRET]),
            Err(WebhookError::SignatureMismatch),
            "{sig}"
        );
    }
    let mut longer = good.clone();
    longer.push_str("00");
    assert_eq!(
        ok(&format!("t={NOW},v1={longer}"), &[SECRET]),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn pay_40_a_stale_timestamp_is_refused() {
    let t = NOW - 301;
    assert_eq!(
        ok(&sign(PAYLOAD, SECRET, t), &[SECRET]),
        Err(WebhookError::TimestampOutOfTolerance {
            timestamp: t,
            now: NOW
        })
    );
    // The bound itself is inside the tolerance.
    assert_eq!(ok(&sign(PAYLOAD, SECRET, NOW - 300), &[SECRET]), Ok(()));
}

#[test]
fn pay_40_a_future_timestamp_is_refused() {
    let t = NOW + 301;
    assert_eq!(
        ok(&sign(PAYLOAD, SECRET, t), &[SECRET]),
        Err(WebhookError::TimestampOutOfTolerance {
            timestamp: t,
            now: NOW
        })
    );
    assert_eq!(ok(&sign(PAYLOAD, SECRET, NOW + 300), &[SECRET]), Ok(()));
}

#[test]
fn pay_40_the_tolerance_is_configurable() {
    let header = sign(PAYLOAD, SECRET, NOW - 500);
    assert!(verify(PAYLOAD, &header, &[SECRET], 300, NOW).is_err());
    assert_eq!(verify(PAYLOAD, &header, &[SECRET], 600, NOW), Ok(()));
    // 0: only the very second.
    let header = sign(PAYLOAD, SECRET, NOW);
    assert_eq!(verify(PAYLOAD, &header, &[SECRET], 0, NOW), Ok(()));
    assert!(verify(PAYLOAD, &header, &[SECRET], 0, NOW + 1).is_err());
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let header = sign(PAYLOAD, SECRET, 0);
    assert!(matches!(
        verify(PAYLOAD, &header, &[SECRET], u64::MAX, i64::MIN),
        Ok(()) | Err(WebhookError::TimestampOutOfTolerance { .. })
    ));
    assert!(verify(PAYLOAD, &header, &[SECRET], 300, i64::MAX).is_err());
}

#[test]
fn pay_40_a_missing_header_is_refused() {
    assert_eq!(ok("", &[SECRET]), Err(WebhookError::MissingHeader));
    assert_eq!(ok("   ", &[SECRET]), Err(WebhookError::MissingHeader));
}

#[test]
fn pay_40_a_malformed_header_is_refused() {
    let good = signature(PAYLOAD, SECRET, NOW);
    for header in [
        "garbage".to_string(),
        format!("v1={good}"),                        // no timestamp
        format!("t=,v1={good}"),                     // empty timestamp
        format!("t=abc,v1={good}"),                  // not a number
        format!("t=-5,v1={good}"),                   // signed
        format!("t={NOW},t={NOW},v1={good}"),        // two timestamps
        format!("t={NOW},,v1={good}"),               // empty item
        format!("t={NOW},=x,v1={good}"),             // empty key
        format!("t=99999999999999999999,v1={good}"), // overflow
    ] {
        assert_eq!(
            ok(&header, &[SECRET]),
            Err(WebhookError::MalformedHeader),
            "{header}"
        );
    }
}

#[test]
fn pay_40_a_header_without_v1_is_refused() {
    assert_eq!(
        ok(&format!("t={NOW}"), &[SECRET]),
        Err(WebhookError::NoSignature)
    );
}

#[test]
fn pay_40_without_a_configured_secret_nothing_verifies() {
    let header = sign(PAYLOAD, SECRET, NOW);
    assert_eq!(ok(&header, &[]), Err(WebhookError::NoSecret));
    assert_eq!(ok(&header, &[""]), Err(WebhookError::NoSecret));
    // An empty secret never verifies a signature made with the empty key.
    let empty_key = sign(PAYLOAD, "", NOW);
    assert_eq!(
        ok(&empty_key, &["", SECRET]),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn every_webhook_error_has_a_stable_code() {
    let all = [
        WebhookError::MissingHeader,
        WebhookError::MalformedHeader,
        WebhookError::NoSignature,
        WebhookError::NoSecret,
        WebhookError::SignatureMismatch,
        WebhookError::TimestampOutOfTolerance {
            timestamp: 0,
            now: 0,
        },
    ];
    let codes: std::collections::BTreeSet<_> = all.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), all.len());
}

#[test]
fn payload_digest_is_sha256_hex() {
    assert_eq!(
        payload_digest(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

// ---------------------------------------------------------------------------
// Events

const ORDER: &str = "0b6f1c2e-3a4d-4e5f-8a9b-1c2d3e4f5a6b";
const CONF: &str = "7d4e2f1a-9b8c-4d3e-a2f1-0e9d8c7b6a5f";

fn event(kind: &str, object: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": "evt_123",
        "object": "event",
        "api_version": "2024-12-18.acacia",
        "created": NOW,
        "livemode": false,
        "type": kind,
        "data": { "object": object },
    }))
    .unwrap_or_default()
}

fn intent(metadata: Value) -> Value {
    json!({
        "id": "pi_123",
        "object": "payment_intent",
        "amount": 12345,
        "amount_received": 12345,
        "currency": "USD",
        "status": "succeeded",
        "latest_charge": "ch_123",
        "customer": "cus_9",
        "metadata": metadata,
    })
}

fn charge(payment_intent: Value) -> Value {
    json!({
        "id": "ch_123",
        "object": "charge",
        "amount": 5000,
        "amount_refunded": 2000,
        "currency": "usd",
        "refunded": false,
        "payment_intent": payment_intent,
        "metadata": { "order_id": ORDER },
        "refunds": { "object": "list", "data": [
            { "id": "re_1", "amount": 2000, "status": "succeeded", "reason": "requested_by_customer", "created": 1767225600 }
        ]},
    })
}

fn data_of(payload: &[u8]) -> EventData {
    parse_event(payload)
        .and_then(|e| e.data())
        .unwrap_or(EventData::Unhandled)
}

#[test]
fn pay_42_the_envelope_is_read() {
    let e = parse_event(&event(
        "payment_intent.succeeded",
        intent(json!({ "order_id": ORDER })),
    ));
    let Ok(e) = e else {
        panic!("not parsed: {e:?}");
    };
    assert_eq!(e.id, "evt_123");
    assert_eq!(e.kind, "payment_intent.succeeded");
    assert_eq!(e.created, NOW);
    assert!(!e.livemode);
    assert_eq!(e.api_version.as_deref(), Some("2024-12-18.acacia"));
    assert_eq!(e.object["id"], "pi_123");
    assert_eq!(e.customer_id().as_deref(), Some("cus_9"));
    assert_eq!(e.order_id(), Uuid::parse_str(ORDER).ok());
    assert_eq!(e.conference_id(), None);
}

#[test]
fn a_malformed_event_is_refused() {
    assert!(matches!(
        parse_event(b"not json"),
        Err(EventError::InvalidJson(_))
    ));
    assert!(matches!(
        parse_event(b"[1]"),
        Err(EventError::InvalidJson(_))
    ));
    let cases: [(Value, &str); 5] = [
        (
            json!({"type": "x", "created": 1, "data": {"object": {}}}),
            "id",
        ),
        (
            json!({"id": "", "type": "x", "created": 1, "data": {"object": {}}}),
            "id",
        ),
        (
            json!({"id": "evt", "created": 1, "data": {"object": {}}}),
            "type",
        ),
        (
            json!({"id": "evt", "type": "x", "data": {"object": {}}}),
            "created",
        ),
        (
            json!({"id": "evt", "type": "x", "created": 1, "data": {"object": "pi"}}),
            "data.object",
        ),
    ];
    for (v, field) in cases {
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        assert_eq!(
            parse_event(&bytes),
            Err(EventError::MissingField(field)),
            "{v}"
        );
    }
}

#[test]
fn pay_45_payment_intent_succeeded_is_typed() {
    let data = data_of(&event(
        "payment_intent.succeeded",
        intent(json!({ "order_id": ORDER, "conference_id": CONF, "reference": "ORD-A1B2C3D4" })),
    ));
    let EventData::PaymentIntentSucceeded(pi) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(pi.id, "pi_123");
    assert_eq!(pi.amount, 12345);
    assert_eq!(pi.amount_decimal(), Decimal::new(12345, 2));
    assert_eq!(pi.currency, "usd");
    assert_eq!(pi.latest_charge.as_deref(), Some("ch_123"));
    assert_eq!(pi.order_id, Uuid::parse_str(ORDER).ok());
    assert_eq!(pi.conference_id, Uuid::parse_str(CONF).ok());
    assert_eq!(
        pi.metadata.get("reference").map(String::as_str),
        Some("ORD-A1B2C3D4")
    );
    assert_eq!(data.payment_intent_id(), Some("pi_123"));
}

#[test]
fn pay_45_without_an_order_id_the_intent_names_no_order() {
    for metadata in [
        json!({}),
        json!({"order_id": ""}),
        json!({"order_id": "ORD-1"}),
        json!(null),
    ] {
        let data = data_of(&event("payment_intent.succeeded", intent(metadata.clone())));
        let EventData::PaymentIntentSucceeded(pi) = data else {
            panic!("{metadata}");
        };
        assert_eq!(pi.order_id, None, "{metadata}");
    }
}

#[test]
fn pay_46_payment_intent_payment_failed_is_typed() {
    let mut object = intent(json!({ "order_id": ORDER }));
    object["status"] = json!("requires_payment_method");
    object["last_payment_error"] = json!({ "message": "Your card was declined." });
    object["latest_charge"] = json!({ "id": "ch_expanded", "object": "charge" });
    let data = data_of(&event("payment_intent.payment_failed", object));
    let EventData::PaymentIntentPaymentFailed(pi) = data else {
        panic!("{data:?}");
    };
    assert_eq!(pi.status.as_deref(), Some("requires_payment_method"));
    assert_eq!(
        pi.last_payment_error.as_deref(),
        Some("Your card was declined.")
    );
    assert_eq!(pi.latest_charge.as_deref(), Some("ch_expanded"));
}

#[test]
fn pay_45_an_intent_without_id_or_amount_is_an_error() {
    let mut object = intent(json!({}));
    object["id"] = json!("");
    let e = parse_event(&event("payment_intent.succeeded", object)).and_then(|e| e.data());
    assert_eq!(e, Err(EventError::MissingField("id")));
    let mut object = intent(json!({}));
    object["amount"] = json!("12");
    let e = parse_event(&event("payment_intent.succeeded", object)).and_then(|e| e.data());
    assert_eq!(e, Err(EventError::MissingField("amount")));
}

#[test]
fn pay_47_charge_refunded_is_typed() {
    let data = data_of(&event("charge.refunded", charge(json!("pi_123"))));
    let EventData::ChargeRefunded(c) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(c.id, "ch_123");
    assert_eq!(c.payment_intent_id(), Some("pi_123"));
    assert_eq!(c.amount, 5000);
    assert_eq!(c.amount_refunded, 2000);
    assert_eq!(c.amount_refunded_decimal(), Decimal::new(2000, 2));
    assert!(!c.is_full_refund());
    assert_eq!(c.order_id, Uuid::parse_str(ORDER).ok());
    assert_eq!(
        c.refunds,
        vec![RefundObject {
            id: "re_1".into(),
            amount: 2000,
            status: Some("succeeded".into()),
            reason: Some("requested_by_customer".into()),
            created: Some(1_767_225_600),
        }]
    );
    assert_eq!(data.payment_intent_id(), Some("pi_123"));
}

#[test]
fn pay_47_a_full_refund_is_amount_refunded_at_least_amount() {
    let mut object = charge(json!("pi_123"));
    object["amount_refunded"] = json!(5000);
    object["refunded"] = json!(true);
    let EventData::ChargeRefunded(c) = data_of(&event("charge.refunded", object)) else {
        panic!("not a charge");
    };
    assert!(c.is_full_refund());
    assert!(c.refunded);
}

#[test]
fn amb_31_a_charge_without_payment_intent_matches_no_payment() {
    for pi in [json!(null), json!(""), json!({"object": "payment_intent"})] {
        let mut object = charge(pi.clone());
        if pi.is_null()
            && let Some(o) = object.as_object_mut()
        {
            o.remove("payment_intent");
        }
        let data = data_of(&event("charge.refunded", object));
        let EventData::ChargeRefunded(c) = &data else {
            panic!("{pi}");
        };
        assert_eq!(c.payment_intent, None, "{pi}");
        assert_eq!(data.payment_intent_id(), None, "{pi}");
    }
    // An explicit JSON null too.
    let data = data_of(&event("charge.refunded", charge(json!(null))));
    assert_eq!(data.payment_intent_id(), None);
}

#[test]
fn an_expanded_payment_intent_gives_its_id() {
    let data = data_of(&event(
        "charge.refunded",
        charge(json!({"id": "pi_exp", "object": "payment_intent"})),
    ));
    assert_eq!(data.payment_intent_id(), Some("pi_exp"));
}

#[test]
fn pay_48_charge_dispute_created_is_typed() {
    let data = data_of(&event(
        "charge.dispute.created",
        json!({
            "id": "dp_1", "object": "dispute", "amount": 5000, "currency": "usd",
            "charge": "ch_123", "payment_intent": "pi_123",
            "reason": "fraudulent", "status": "needs_response",
        }),
    ));
    let EventData::ChargeDisputeCreated(d) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(d.id, "dp_1");
    assert_eq!(d.charge.as_deref(), Some("ch_123"));
    assert_eq!(d.reason.as_deref(), Some("fraudulent"));
    assert_eq!(data.payment_intent_id(), Some("pi_123"));

    let data = data_of(&event(
        "charge.dispute.created",
        json!({"id": "dp_2", "payment_intent": null}),
    ));
    assert_eq!(data.payment_intent_id(), None);
}

#[test]
fn pay_49_checkout_sessions_are_typed() {
    let bulk = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b";
    let object = json!({
        "id": "cs_1", "object": "checkout.session", "payment_intent": "pi_9",
        "payment_status": "paid", "status": "complete",
        "metadata": { "bulk_purchase_id": bulk },
    });
    let data = data_of(&event("checkout.session.completed", object.clone()));
    let EventData::CheckoutSessionCompleted(s) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(s.payment_status.as_deref(), Some("paid"));
    assert_eq!(s.bulk_purchase_id(), Uuid::parse_str(bulk).ok());
    assert_eq!(data.payment_intent_id(), Some("pi_9"));
    assert!(matches!(
        data_of(&event("checkout.session.expired", object)),
        EventData::CheckoutSessionExpired(_)
    ));
}

#[test]
fn pay_43_other_kinds_are_unhandled() {
    let payload = event("customer.created", json!({"id": "cus_1"}));
    assert_eq!(
        parse_event(&payload).and_then(|e| e.data()),
        Ok(EventData::Unhandled)
    );
    assert_eq!(EventData::Unhandled.payment_intent_id(), None);
}
