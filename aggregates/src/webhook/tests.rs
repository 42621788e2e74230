use chrono::{Duration, TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn services() -> DomainServices {
    DomainServices::at(t0())
}

fn conf() -> Uuid {
    crate::natural_id("conference", "2026")
}

fn secret(n: &str) -> Sealed {
    Sealed {
        v: 1,
        n: n.into(),
        c: format!("cipher-{n}"),
    }
}

fn register(url: &str, kinds: &[&str], insecure: bool) -> WebhookCommand {
    WebhookCommand::Register {
        conference_id: conf(),
        url: url.into(),
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        description: "CRM".into(),
        secret: secret("a"),
        allow_insecure_localhost: insecure,
    }
}

fn registered(url: &str, kinds: &[&str]) -> WebhookEvent {
    WebhookEvent::WebhookEndpointRegistered {
        conference_id: conf(),
        url: url.into(),
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        description: "CRM".into(),
        secret: secret("a"),
        at: t0(),
    }
}

fn disabled() -> WebhookEvent {
    WebhookEvent::WebhookEndpointDisabled { at: t0() }
}

#[test]
fn wh_2_registers_with_sorted_unique_kinds() {
    TestFramework::<WebhookEndpoint>::with(services())
        .given_no_previous_events()
        .when(register(
            "https://crm.example.org/hook",
            &["order.paid", "order.placed", "order.paid"],
            false,
        ))
        .then_expect_events(vec![registered(
            "https://crm.example.org/hook",
            &["order.paid", "order.placed"],
        )]);
}

#[test]
fn wh_1_refuses_plain_http() {
    TestFramework::<WebhookEndpoint>::with(services())
        .given_no_previous_events()
        .when(register(
            "http://crm.example.org/hook",
            &["order.paid"],
            true,
        ))
        .then_expect_error(WebhookError::InvalidUrl);
}

#[test]
fn wh_1_allows_http_to_localhost_only_when_configured() {
    TestFramework::<WebhookEndpoint>::with(services())
        .given_no_previous_events()
        .when(register(
            "http://127.0.0.1:8080/hook",
            &["order.paid"],
            false,
        ))
        .then_expect_error(WebhookError::InvalidUrl);
    TestFramework::<WebhookEndpoint>::with(services())
        .given_no_previous_events()
        .when(register(
            "http://127.0.0.1:8080/hook",
            &["order.paid"],
            true,
        ))
        .then_expect_events(vec![registered(
            "http://127.0.0.1:8080/hook",
            &["order.paid"],
        )]);
}

#[test]
fn wh_1_url_shapes() {
    assert!(url_allowed("https://a.example/x?y=1", false));
    assert!(url_allowed("http://localhost:9/x", true));
    assert!(url_allowed("http://[::1]:9/x", true));
    assert!(!url_allowed("http://localhost.evil.example/x", true));
    assert!(!url_allowed("https://user@a.example/x", false));
    assert!(!url_allowed("https:///x", false));
    assert!(!url_allowed("ftp://a.example", false));
    assert!(!url_allowed("https://a.example/ x", false));
}

#[test]
fn wh_2_refuses_unknown_kinds_and_none() {
    TestFramework::<WebhookEndpoint>::with(services())
        .given_no_previous_events()
        .when(register("https://a.example", &["order.exploded"], false))
        .then_expect_error(WebhookError::UnknownKind("order.exploded".into()));
    TestFramework::<WebhookEndpoint>::with(services())
        .given_no_previous_events()
        .when(register("https://a.example", &[], false))
        .then_expect_error(WebhookError::NoKinds);
}

#[test]
fn wh_5_rotation_records_the_grace_period_of_the_old_secret() {
    let until = t0() + Duration::hours(24);
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![registered("https://a.example", &["order.paid"])])
        .when(WebhookCommand::RotateSecret {
            secret: secret("b"),
            grace_until: until,
        })
        .then_expect_events(vec![WebhookEvent::WebhookSecretRotated {
            secret: secret("b"),
            previous_valid_until: until,
            at: t0(),
        }]);
}

#[test]
fn wh_6_disabling_twice_is_a_no_op_and_enable_restores() {
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![
            registered("https://a.example", &["order.paid"]),
            disabled(),
        ])
        .when(WebhookCommand::Disable)
        .then_expect_events(vec![]);
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![
            registered("https://a.example", &["order.paid"]),
            disabled(),
        ])
        .when(WebhookCommand::Enable)
        .then_expect_events(vec![WebhookEvent::WebhookEndpointEnabled { at: t0() }]);
}

#[test]
fn wh_7_a_deleted_endpoint_is_gone() {
    let deleted = WebhookEvent::WebhookEndpointDeleted { at: t0() };
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![
            registered("https://a.example", &["order.paid"]),
            deleted.clone(),
        ])
        .when(WebhookCommand::Enable)
        .then_expect_error(WebhookError::NotFound);
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![
            registered("https://a.example", &["order.paid"]),
            deleted,
        ])
        .when(WebhookCommand::Delete)
        .then_expect_events(vec![]);
}

#[test]
fn wh_12_replay_needs_a_valid_position_and_an_enabled_endpoint() {
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![registered("https://a.example", &["order.paid"])])
        .when(WebhookCommand::RequestReplay { from_position: -1 })
        .then_expect_error(WebhookError::InvalidPosition);
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![
            registered("https://a.example", &["order.paid"]),
            disabled(),
        ])
        .when(WebhookCommand::RequestReplay { from_position: 0 })
        .then_expect_error(WebhookError::Disabled);
    TestFramework::<WebhookEndpoint>::with(services())
        .given(vec![registered("https://a.example", &["order.paid"])])
        .when(WebhookCommand::RequestReplay { from_position: 7 })
        .then_expect_events(vec![WebhookEvent::WebhookReplayRequested {
            from_position: 7,
            at: t0(),
        }]);
}

#[test]
fn wh_commands_on_an_unknown_endpoint_are_not_found() {
    TestFramework::<WebhookEndpoint>::with(services())
        .given_no_previous_events()
        .when(WebhookCommand::Disable)
        .then_expect_error(WebhookError::NotFound);
}
