//! Badge templates of one conference (SPEC ATT-31…34): one stream per conference,
//! [`templates_id`], so "slug unique" and "at most one default" (ATT-32) are checked
//! in one place. Badges themselves are files made from a template and an attendee
//! (`src/badges`); they are derived, so they are not events.

mod template;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainServices, Timestamp};

pub use template::{BadgeFormat, BadgeTemplate, BannerPosition, is_hex_colour, rgb};

/// The one stream of `conference`'s badge templates.
pub fn templates_id(conference: Uuid) -> Uuid {
    crate::natural_id("badge_templates", &conference.to_string())
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum BadgeTemplatesCommand {
    /// ATT-32/33. The same template again: no-op; another of that slug:
    /// `AlreadyExists`. A new default replaces the previous default.
    Create {
        conference_id: Uuid,
        template: Box<BadgeTemplate>,
    },
}

/// Facts about a conference's badge templates. Names are a stored format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BadgeTemplatesEvent {
    /// With `is_default`, the conference's previous default (if any) is no
    /// longer the default (ATT-32).
    BadgeTemplateCreated {
        conference_id: Uuid,
        template: Box<BadgeTemplate>,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for BadgeTemplatesEvent {
    fn event_type(&self) -> String {
        match self {
            Self::BadgeTemplateCreated { .. } => "BadgeTemplateCreated",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

/// Refused badge commands and requests. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BadgeError {
    #[error("Badge template not found.")]
    NotFound,
    #[error("A badge template with this slug already exists in this conference.")]
    AlreadyExists, // ATT-32
    #[error("Invalid colour '{0}': colours must match #RRGGBB.")]
    InvalidColour(String), // ATT-33
    #[error("A badge template name is 1 to 200 characters and its slug a valid slug.")]
    InvalidTemplate,
    #[error("Badge size must be between 20 and 600 mm.")]
    InvalidSize,
    #[error("Unsupported badge format '{0}'. Must be one of: pdf, png")]
    UnsupportedFormat(String), // ATT-30
    #[error("No default badge template found for conference '{0}'")]
    NoDefault(String), // ATT-31
}

impl BadgeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "badge.template_not_found",
            Self::AlreadyExists => "badge.template_exists",
            Self::InvalidColour(_) => "badge.invalid_colour",
            Self::InvalidTemplate => "badge.invalid_template",
            Self::InvalidSize => "badge.invalid_size",
            Self::UnsupportedFormat(_) => "badge.unsupported_format",
            Self::NoDefault(_) => "badge.no_default_template",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BadgeTemplates {
    templates: Vec<BadgeTemplate>,
}

impl BadgeTemplates {
    pub fn templates(&self) -> &[BadgeTemplate] {
        &self.templates
    }

    /// ATT-31: the template of that slug, else the default.
    pub fn pick(&self, slug: Option<&str>) -> Option<&BadgeTemplate> {
        match slug {
            Some(s) => self.templates.iter().find(|t| t.slug == s),
            None => self.templates.iter().find(|t| t.is_default),
        }
    }

    /// Pure: state + command + now -> facts.
    pub fn decide(
        &self,
        cmd: BadgeTemplatesCommand,
        now: Timestamp,
    ) -> Result<Vec<BadgeTemplatesEvent>, BadgeError> {
        let BadgeTemplatesCommand::Create {
            conference_id,
            template,
        } = cmd;
        let mut template = *template;
        template.name = template.name.trim().to_string();
        validate(&template)?;
        if let Some(existing) = self.templates.iter().find(|t| t.slug == template.slug) {
            return if *existing == template {
                Ok(vec![])
            } else {
                Err(BadgeError::AlreadyExists)
            };
        }
        Ok(vec![BadgeTemplatesEvent::BadgeTemplateCreated {
            conference_id,
            template: Box::new(template),
            at: now,
        }])
    }

    fn evolve(&mut self, event: BadgeTemplatesEvent) {
        let BadgeTemplatesEvent::BadgeTemplateCreated { template, .. } = event;
        if template.is_default {
            // ATT-32: at most one default.
            for t in &mut self.templates {
                t.is_default = false;
            }
        }
        self.templates.push(*template);
    }
}

/// ATT-33: colours `#RRGGBB`; a sane size; a name and a slug.
fn validate(t: &BadgeTemplate) -> Result<(), BadgeError> {
    if t.name.is_empty() || t.name.chars().count() > 200 || !crate::is_valid_slug(&t.slug) {
        return Err(BadgeError::InvalidTemplate);
    }
    if !(20..=600).contains(&t.width_mm) || !(20..=600).contains(&t.height_mm) {
        return Err(BadgeError::InvalidSize);
    }
    for c in [&t.background_color, &t.text_color, &t.accent_color] {
        if !is_hex_colour(c) {
            return Err(BadgeError::InvalidColour(c.clone()));
        }
    }
    Ok(())
}

impl Aggregate for BadgeTemplates {
    const TYPE: &'static str = "badge_templates";
    type Command = BadgeTemplatesCommand;
    type Event = BadgeTemplatesEvent;
    type Error = BadgeError;
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
