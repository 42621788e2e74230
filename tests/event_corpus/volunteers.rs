//! Samples of the volunteer side: global profiles, applications per year, teams.

use tessera_aggregates::profile::{Profile, ProfileEvent};
use tessera_aggregates::team::{Team, TeamEvent, team_id};
use tessera_aggregates::volunteer::{
    ApplicationStatus, Volunteer, VolunteerEvent, VolunteerForm, Year, volunteer_id,
};

use tessera_aggregates::user::Sealed;

use super::{Fixture, at, conference_id, id, later, stream, uid};

fn sealed() -> Sealed {
    Sealed {
        v: 1,
        n: "AAAAAAAAAAAAAAAA".into(),
        c: "c2VhbGVkIHNvY2lhbCBoYW5kbGVz".into(),
    }
}

pub fn profile() -> Vec<Fixture> {
    let events = vec![
        ProfileEvent::ProfileSaved {
            user: uid("ana"),
            // Sealed: the profile is recorded only under the user's key.
            profile: Box::default(),
            sealed: Some(sealed()),
            at: at(),
        },
        ProfileEvent::TermsAccepted {
            user: uid("ana"),
            at: later(1),
        },
    ];
    stream::<Profile>(id("profile", &uid("ana").to_string()), events)
}

pub fn volunteer() -> Vec<Fixture> {
    let events = vec![
        VolunteerEvent::VolunteerApplied {
            year: Year {
                conference_id: conference_id(),
                series_id: id("series", "pycon-us"),
                year: 2027,
            },
            user: uid("ana"),
            form: Box::new(VolunteerForm {
                languages: vec!["en".into()],
                region: "Americas".into(),
                availability: "weekends".into(),
                previous_events: vec!["2026".into()],
                ..Default::default()
            }),
            brought_forward_from: Some(id("conference", "pycon-us/2026")),
            at: at(),
            sealed_social: Some(sealed()),
        },
        VolunteerEvent::VolunteerWaitlisted { at: later(1) },
        VolunteerEvent::VolunteerApproved {
            teams: vec!["design".into()],
            roles: vec!["member".into()],
            at: later(2),
        },
        VolunteerEvent::VolunteerRejected { at: later(3) },
        VolunteerEvent::VolunteerCancelled {
            was: ApplicationStatus::Approved,
            at: later(4),
        },
    ];
    stream::<Volunteer>(volunteer_id(conference_id(), uid("ana")), events)
}

pub fn team() -> Vec<Fixture> {
    let events = vec![
        TeamEvent::TeamCreated {
            conference_id: conference_id(),
            slug: "design".into(),
            name: "Design".into(),
            description: "Posters and slides".into(),
            leads: vec![uid("lea")],
            cloned_from: Some(id("conference", "pycon-us/2026")),
            at: at(),
        },
        TeamEvent::TeamLeadsSet {
            leads: vec![uid("ana")],
            at: later(1),
        },
    ];
    stream::<Team>(team_id(conference_id(), "design"), events)
}

#[allow(dead_code)]
fn profile_variants(e: &ProfileEvent) {
    use ProfileEvent::*;
    match e {
        ProfileSaved { .. } | TermsAccepted { .. } => {}
    }
}

#[allow(dead_code)]
fn volunteer_variants(e: &VolunteerEvent) {
    use VolunteerEvent::*;
    match e {
        VolunteerApplied { .. }
        | VolunteerApproved { .. }
        | VolunteerWaitlisted { .. }
        | VolunteerRejected { .. }
        | VolunteerCancelled { .. } => {}
    }
}

#[allow(dead_code)]
fn team_variants(e: &TeamEvent) {
    use TeamEvent::*;
    match e {
        TeamCreated { .. } | TeamLeadsSet { .. } => {}
    }
}
