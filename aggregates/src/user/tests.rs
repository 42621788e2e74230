use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn framework() -> TestFramework<User> {
    TestFramework::with(DomainServices::at(t0()))
}

fn register(email: &str, name: &str) -> UserCommand {
    UserCommand::Register {
        email: email.into(),
        name: name.into(),
        password_hash: "$argon2id$hash".into(),
    }
}

fn registered() -> UserEvent {
    UserEvent::UserRegistered {
        email: "ana@example.org".into(),
        name: "Ana".into(),
        password_hash: "$argon2id$hash".into(),
        at: t0(),
    }
}

#[test]
fn my_9_registers_a_user_with_a_trimmed_lowercased_email() {
    framework()
        .given_no_previous_events()
        .when(register("  Ana@Example.ORG ", " Ana "))
        .then_expect_events(vec![registered()]);
}

#[test]
fn refuses_an_invalid_email() {
    for bad in [
        "",
        "ana",
        "@example.org",
        "ana@",
        "ana@@example.org",
        "a@b@c",
        "ana maria@example.org",
    ] {
        framework()
            .given_no_previous_events()
            .when(register(bad, "Ana"))
            .then_expect_error(UserError::InvalidEmail);
    }
}

#[test]
fn refuses_a_blank_name() {
    framework()
        .given_no_previous_events()
        .when(register("ana@example.org", "   "))
        .then_expect_error(UserError::BlankName);
}

#[test]
fn refuses_a_duplicate_registration_even_when_identical() {
    framework()
        .given(vec![registered()])
        .when(register("ana@example.org", "Ana"))
        .then_expect_error(UserError::EmailTaken);
}

#[test]
fn commands_on_a_missing_user_are_not_found() {
    for cmd in [
        UserCommand::GrantAdmin,
        UserCommand::RevokeAdmin,
        UserCommand::ChangePassword {
            password_hash: "x".into(),
        },
    ] {
        framework()
            .given_no_previous_events()
            .when(cmd)
            .then_expect_error(UserError::NotFound);
    }
}

#[test]
fn grants_admin_once() {
    framework()
        .given(vec![registered()])
        .when(UserCommand::GrantAdmin)
        .then_expect_events(vec![UserEvent::AdminGranted { at: t0() }]);
    framework()
        .given(vec![registered(), UserEvent::AdminGranted { at: t0() }])
        .when(UserCommand::GrantAdmin)
        .then_expect_events(vec![]);
}

#[test]
fn revokes_admin_only_from_an_admin() {
    framework()
        .given(vec![registered()])
        .when(UserCommand::RevokeAdmin)
        .then_expect_events(vec![]);
    framework()
        .given(vec![registered(), UserEvent::AdminGranted { at: t0() }])
        .when(UserCommand::RevokeAdmin)
        .then_expect_events(vec![UserEvent::AdminRevoked { at: t0() }]);
}

#[test]
fn changes_the_password_unless_unchanged() {
    framework()
        .given(vec![registered()])
        .when(UserCommand::ChangePassword {
            password_hash: "$argon2id$new".into(),
        })
        .then_expect_events(vec![UserEvent::PasswordChanged {
            password_hash: "$argon2id$new".into(),
            at: t0(),
        }]);
    framework()
        .given(vec![registered()])
        .when(UserCommand::ChangePassword {
            password_hash: "$argon2id$hash".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn state_follows_the_events() {
    let mut user = User::default();
    assert!(!user.exists());
    for e in [
        registered(),
        UserEvent::AdminGranted { at: t0() },
        UserEvent::PasswordChanged {
            password_hash: "h2".into(),
            at: t0(),
        },
    ] {
        user.apply(e);
    }
    assert!(user.exists());
    assert_eq!(user.email(), "ana@example.org");
    assert_eq!(user.name(), "Ana");
    assert_eq!(user.password_hash(), "h2");
    assert!(user.is_admin());
}

#[test]
fn the_stream_id_is_the_lowercased_email() {
    assert_eq!(
        normalize_email(" Ana@Example.org").map(|e| crate::natural_id("user", &e)),
        Some(crate::natural_id("user", "ana@example.org"))
    );
}
