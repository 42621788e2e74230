//! Badge templates of each conference (ATT-31…33).
//!
//! Keys: `template:{conference_id}:{slug}` → [`TemplateRow`]; a conference's
//! templates are the prefix [`templates_prefix`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::badge::{BadgeTemplate, BadgeTemplatesEvent};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Badges;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum BadgesRow {
    Template(TemplateRow),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRow {
    pub conference_id: Uuid,
    pub template: BadgeTemplate,
    pub created_at: DateTime<Utc>,
}

pub fn templates_prefix(conference: Uuid) -> String {
    format!("template:{conference}:")
}

pub fn template_key(conference: Uuid, slug: &str) -> String {
    format!("template:{conference}:{slug}")
}

impl Projection for Badges {
    const NAME: &'static str = "badges";
    const VERSION: u32 = 1;
    type Row = BadgesRow;

    fn apply(rows: &mut Rows<BadgesRow>, env: &Envelope) {
        let DomainEvent::BadgeTemplates(BadgeTemplatesEvent::BadgeTemplateCreated {
            conference_id,
            template,
            at,
        }) = &env.event
        else {
            return;
        };
        if template.is_default {
            // ATT-32: the new default replaces the previous one.
            let previous: Vec<String> = rows
                .with_prefix(&templates_prefix(*conference_id))
                .filter(|(_, r)| matches!(r, BadgesRow::Template(t) if t.template.is_default))
                .map(|(k, _)| k.clone())
                .collect();
            for key in previous {
                if let Some(BadgesRow::Template(t)) = rows.get_mut(&key) {
                    t.template.is_default = false;
                }
            }
        }
        rows.insert(
            template_key(*conference_id, &template.slug),
            BadgesRow::Template(TemplateRow {
                conference_id: *conference_id,
                template: (**template).clone(),
                created_at: *at,
            }),
        );
    }
}
