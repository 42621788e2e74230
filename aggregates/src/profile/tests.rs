use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn uid() -> Uuid {
    crate::natural_id("test-user", "ana")
}

fn framework() -> TestFramework<Profile> {
    TestFramework::with(DomainServices::at(t0()))
}

fn profile() -> PortalProfile {
    PortalProfile {
        pronouns: "she/her".into(),
        languages: vec!["en".into()],
        ..Default::default()
    }
}

#[test]
fn my_9_the_profile_is_saved_once_for_every_year() {
    framework()
        .given_no_previous_events()
        .when(ProfileCommand::Save {
            user: uid(),
            profile: Box::new(profile()),
            sealed: None,
        })
        .then_expect_events(vec![ProfileEvent::ProfileSaved {
            user: uid(),
            profile: Box::new(profile()),
            sealed: None,
            at: t0(),
        }]);
}

#[test]
fn my_9_a_sealed_profile_is_checked_but_only_recorded_sealed() {
    let sealed = Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: "Y2lwaGVy".into(),
    };
    framework()
        .given_no_previous_events()
        .when(ProfileCommand::Save {
            user: uid(),
            profile: Box::new(profile()),
            sealed: Some(sealed.clone()),
        })
        .then_expect_events(vec![ProfileEvent::ProfileSaved {
            user: uid(),
            profile: Box::default(),
            sealed: Some(sealed),
            at: t0(),
        }]);
}

#[test]
fn my_10_terms_are_accepted_once() {
    framework()
        .given(vec![ProfileEvent::TermsAccepted {
            user: uid(),
            at: t0(),
        }])
        .when(ProfileCommand::AcceptTerms { user: uid() })
        .then_expect_events(vec![]);
}

#[test]
fn my_9_overlong_fields_are_refused() {
    framework()
        .given_no_previous_events()
        .when(ProfileCommand::Save {
            user: uid(),
            profile: Box::new(PortalProfile {
                pronouns: "x".repeat(101),
                ..Default::default()
            }),
            sealed: None,
        })
        .then_expect_error(ProfileError::FieldTooLong);
}
