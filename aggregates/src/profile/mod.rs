//! A user's global portal profile (MY-9/10): pronouns, chapter, languages, region
//! and social handles, plus the one-time code-of-conduct / terms acceptance. One
//! stream per user (`natural_id("profile", user_id)`), shared by every year.

#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::user::Sealed;
use crate::{DomainServices, Timestamp};

/// MY-12: the social handles a volunteer form carries (and pre-fills from).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialHandles {
    #[serde(default)]
    pub github: String,
    #[serde(default)]
    pub linkedin: String,
    #[serde(default)]
    pub mastodon: String,
    #[serde(default)]
    pub bluesky: String,
}

impl SocialHandles {
    fn too_long(&self) -> bool {
        [&self.github, &self.linkedin, &self.mastodon, &self.bluesky]
            .iter()
            .any(|h| h.chars().count() > 100)
    }
}

/// MY-9: the global part of an account, the same in every conference year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalProfile {
    #[serde(default)]
    pub pronouns: String,
    #[serde(default)]
    pub chapter: String,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub social: SocialHandles,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProfileCommand {
    /// MY-9: replace the profile. `sealed`: the same profile (as JSON) sealed by
    /// the service under the user's key; then only it is recorded, the plain one
    /// is only checked. Same plain profile (unsealed): no-op.
    Save {
        user: Uuid,
        profile: Box<PortalProfile>,
        #[serde(default)]
        sealed: Option<Sealed>,
    },
    /// MY-10: accept the code of conduct and the terms, once. A no-op when accepted.
    AcceptTerms { user: Uuid },
}

/// Facts about one user's global profile. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProfileEvent {
    /// With `sealed`, `profile` is empty and the profile is in `sealed` (JSON,
    /// under the user's key): erasing the person forgets it.
    ProfileSaved {
        user: Uuid,
        profile: Box<PortalProfile>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed: Option<Sealed>,
        at: Timestamp,
    },
    TermsAccepted {
        user: Uuid,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for ProfileEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ProfileSaved { .. } => "ProfileSaved",
            Self::TermsAccepted { .. } => "TermsAccepted",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

/// Refused profile commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    #[error("Pronouns, chapter and region are at most 100 characters; social handles too.")]
    FieldTooLong, // MY-9
    #[error("At most 20 languages, each at most 50 characters.")]
    TooManyLanguages, // MY-9
}

impl ProfileError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::FieldTooLong => "profile.field_too_long",
            Self::TooManyLanguages => "profile.too_many_languages",
        }
    }

    pub fn is_not_found(&self) -> bool {
        false
    }
}

/// Checks a profile's (or a volunteer form's) shared fields.
pub fn check_profile(p: &PortalProfile) -> Result<(), ProfileError> {
    if [&p.pronouns, &p.chapter, &p.region]
        .iter()
        .any(|f| f.chars().count() > 100)
        || p.social.too_long()
    {
        return Err(ProfileError::FieldTooLong);
    }
    check_languages(&p.languages)
}

pub fn check_languages(languages: &[String]) -> Result<(), ProfileError> {
    if languages.len() > 20 || languages.iter().any(|l| l.chars().count() > 50) {
        return Err(ProfileError::TooManyLanguages);
    }
    Ok(())
}

/// The one stream of `user`'s profile, shared by every year.
pub fn stream_id(user: uuid::Uuid) -> uuid::Uuid {
    crate::natural_id("profile", &user.to_string())
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Profile {
    profile: PortalProfile,
    terms_accepted_at: Option<Timestamp>,
}

impl Profile {
    pub fn profile(&self) -> &PortalProfile {
        &self.profile
    }

    /// MY-10: when the code of conduct and terms were accepted, if ever.
    pub fn terms_accepted_at(&self) -> Option<Timestamp> {
        self.terms_accepted_at
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: ProfileCommand,
        now: Timestamp,
    ) -> Result<Vec<ProfileEvent>, ProfileError> {
        use ProfileCommand::*;
        use ProfileEvent::*;
        Ok(match cmd {
            Save {
                profile,
                sealed: None,
                ..
            } if *profile == self.profile => vec![],
            Save {
                user,
                profile,
                sealed,
            } => {
                check_profile(&profile)?;
                // Sealed: the plain profile is checked here but never stored.
                let profile = if sealed.is_some() {
                    Box::default()
                } else {
                    profile
                };
                vec![ProfileSaved {
                    user,
                    profile,
                    sealed,
                    at: now,
                }]
            }
            AcceptTerms { .. } if self.terms_accepted_at.is_some() => vec![], // MY-10
            AcceptTerms { user } => vec![TermsAccepted { user, at: now }],
        })
    }

    fn evolve(&mut self, event: ProfileEvent) {
        match event {
            ProfileEvent::ProfileSaved { profile, .. } => self.profile = *profile,
            ProfileEvent::TermsAccepted { at, .. } => self.terms_accepted_at = Some(at),
        }
    }
}

impl Aggregate for Profile {
    const TYPE: &'static str = "profile";
    type Command = ProfileCommand;
    type Event = ProfileEvent;
    type Error = ProfileError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}
