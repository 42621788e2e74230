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
        sealed: None,
    }
}

fn registered() -> UserEvent {
    UserEvent::UserRegistered {
        email: "ana@example.org".into(),
        name: "Ana".into(),
        password_hash: "$argon2id$hash".into(),
        at: t0(),
        sealed_email: None,
        sealed_name: None,
        email_hash: None,
    }
}

fn sealed(c: &str) -> Sealed {
    Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: c.into(),
    }
}

fn identity() -> SealedIdentity {
    SealedIdentity {
        email: sealed("ZW1haWw="),
        name: sealed("bmFtZQ=="),
        email_hash: "ab12".into(),
    }
}

#[test]
fn a_sealed_registration_records_no_plain_email_or_name() {
    framework()
        .given_no_previous_events()
        .when(UserCommand::Register {
            email: "  Ana@Example.ORG ".into(),
            name: " Ana ".into(),
            password_hash: "$argon2id$hash".into(),
            sealed: Some(identity()),
        })
        .then_expect_events(vec![UserEvent::UserRegistered {
            email: String::new(),
            name: String::new(),
            password_hash: "$argon2id$hash".into(),
            at: t0(),
            sealed_email: Some(identity().email),
            sealed_name: Some(identity().name),
            email_hash: Some(identity().email_hash),
        }]);
}

#[test]
fn a_sealed_registration_still_checks_the_plain_values() {
    framework()
        .given_no_previous_events()
        .when(UserCommand::Register {
            email: "ana".into(),
            name: "Ana".into(),
            password_hash: "$argon2id$hash".into(),
            sealed: Some(identity()),
        })
        .then_expect_error(UserError::InvalidEmail);
}

#[test]
fn the_state_keeps_the_sealed_identity() {
    let mut user = User::default();
    user.apply(UserEvent::UserRegistered {
        email: String::new(),
        name: String::new(),
        password_hash: "h".into(),
        at: t0(),
        sealed_email: Some(identity().email),
        sealed_name: Some(identity().name),
        email_hash: Some(identity().email_hash),
    });
    assert_eq!(user.sealed(), Some(&identity()));
    assert_eq!(user.email(), "");
}

#[test]
fn an_old_plain_registration_still_loads() {
    let json = r#"{"UserRegistered":{"email":"ana@example.org","name":"Ana","password_hash":"h","at":"2026-05-01T09:00:00Z"}}"#;
    let event: Result<UserEvent, _> = serde_json::from_str(json);
    assert!(matches!(
        event,
        Ok(UserEvent::UserRegistered { sealed_email: None, ref email, .. }) if email == "ana@example.org"
    ));
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
        UserCommand::RevokeSessions,
        sign_out("t-1", 1),
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

fn sign_out(token: &str, hours_left: i64) -> UserCommand {
    UserCommand::SignOut {
        token: token.into(),
        until: t0() + chrono::Duration::hours(hours_left),
    }
}

fn signed_out(token: &str, hours_left: i64) -> UserEvent {
    UserEvent::SignedOut {
        token: token.into(),
        until: t0() + chrono::Duration::hours(hours_left),
        at: t0(),
    }
}

#[test]
fn signs_a_token_out_once() {
    framework()
        .given(vec![registered()])
        .when(sign_out("t-1", 1))
        .then_expect_events(vec![signed_out("t-1", 1)]);
    framework()
        .given(vec![registered(), signed_out("t-1", 1)])
        .when(sign_out("t-1", 1))
        .then_expect_events(vec![]);
}

#[test]
fn signing_out_an_expired_token_records_nothing() {
    framework()
        .given(vec![registered()])
        .when(sign_out("t-1", 0))
        .then_expect_events(vec![]);
}

#[test]
fn revoking_sessions_starts_a_new_epoch_each_time() {
    framework()
        .given(vec![registered()])
        .when(UserCommand::RevokeSessions)
        .then_expect_events(vec![UserEvent::SessionsRevoked { epoch: 1, at: t0() }]);
    framework()
        .given(vec![
            registered(),
            UserEvent::SessionsRevoked { epoch: 1, at: t0() },
        ])
        .when(UserCommand::RevokeSessions)
        .then_expect_events(vec![UserEvent::SessionsRevoked { epoch: 2, at: t0() }]);
}

#[test]
fn sessions_are_accepted_until_signed_out_or_revoked() {
    let mut user = User::default();
    assert!(!user.accepts_session(0, "t-1"), "no user, no session");
    user.apply(registered());
    assert!(user.accepts_session(0, "t-1"));
    user.apply(signed_out("t-1", 1));
    assert!(!user.accepts_session(0, "t-1"));
    assert!(user.accepts_session(0, "t-2"));
    user.apply(UserEvent::SessionsRevoked { epoch: 1, at: t0() });
    assert_eq!(user.session_epoch(), 1);
    assert!(!user.accepts_session(0, "t-2"), "an older epoch is refused");
    assert!(user.accepts_session(1, "t-3"));
}

#[test]
fn expired_sign_outs_are_forgotten() {
    let mut user = User::default();
    user.apply(registered());
    user.apply(signed_out("t-1", 1));
    // A later sign-out, after t-1 expired, drops t-1 from the state (a token that
    // old fails its expiry check before its id is looked at).
    user.apply(UserEvent::SignedOut {
        token: "t-2".into(),
        until: t0() + chrono::Duration::hours(5),
        at: t0() + chrono::Duration::hours(2),
    });
    assert_eq!(user.signed_out.len(), 1);
    assert!(!user.accepts_session(0, "t-2"));
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

mod password_reset {
    use chrono::Duration;

    use super::*;

    fn requested(hash: &str, expires_in: Duration) -> UserEvent {
        UserEvent::PasswordResetRequested {
            request: crate::natural_id("reset", hash),
            token_hash: hash.into(),
            expires_at: t0() + expires_in,
            at: t0(),
        }
    }

    fn reset(hash: &str) -> UserCommand {
        UserCommand::ResetPassword {
            token_hash: hash.into(),
            password_hash: "$argon2id$new".into(),
        }
    }

    #[test]
    fn reset_1_a_request_records_only_the_tokens_hash() {
        framework()
            .given(vec![registered()])
            .when(UserCommand::RequestPasswordReset {
                request: crate::natural_id("reset", "h1"),
                token_hash: "h1".into(),
                expires_at: t0() + Duration::hours(1),
            })
            .then_expect_events(vec![requested("h1", Duration::hours(1))]);
    }

    #[test]
    fn reset_2_5_a_valid_token_sets_the_password_and_ends_every_session() {
        framework()
            .given(vec![registered(), requested("h1", Duration::hours(1))])
            .when(reset("h1"))
            .then_expect_events(vec![
                UserEvent::PasswordResetCompleted {
                    token_hash: "h1".into(),
                    password_hash: "$argon2id$new".into(),
                    at: t0(),
                },
                UserEvent::SessionsRevoked { epoch: 1, at: t0() },
            ]);
    }

    #[test]
    fn reset_2_an_unknown_token_is_refused() {
        framework()
            .given(vec![registered(), requested("h1", Duration::hours(1))])
            .when(reset("other"))
            .then_expect_error(UserError::ResetTokenInvalid);
    }

    #[test]
    fn reset_3_an_expired_token_is_refused() {
        framework()
            .given(vec![registered(), requested("h1", Duration::zero())])
            .when(reset("h1"))
            .then_expect_error(UserError::ResetTokenExpired);
    }

    #[test]
    fn reset_4_a_token_works_once_and_spends_the_others() {
        let done = UserEvent::PasswordResetCompleted {
            token_hash: "h1".into(),
            password_hash: "$argon2id$new".into(),
            at: t0(),
        };
        let given = || {
            vec![
                registered(),
                requested("h1", Duration::hours(1)),
                requested("h2", Duration::hours(1)),
                done.clone(),
            ]
        };
        framework()
            .given(given())
            .when(reset("h1"))
            .then_expect_error(UserError::ResetTokenUsed);
        framework()
            .given(given())
            .when(reset("h2"))
            .then_expect_error(UserError::ResetTokenUsed);
    }
}
