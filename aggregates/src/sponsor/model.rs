//! What a sponsor is made of (SPONSOR-2, SPONSOR-4…7, SPONSOR-9).

use serde::{Deserialize, Serialize};

/// SPONSOR-2: everything an organizer edits about a sponsor (its level by slug).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SponsorDetails {
    pub name: String,
    /// The slug of a sponsor level of the sponsor's conference (SPONSOR-3).
    pub level: String,
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub website_url: String,
    /// An uploaded logo's location (SPONSOR-7 prefers it over `logo_url`).
    #[serde(default)]
    pub logo: String,
    #[serde(default)]
    pub logo_url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    pub is_active: bool,
}

impl SponsorDetails {
    /// SPONSOR-7: the uploaded logo, else the logo URL, else none.
    pub fn display_logo(&self) -> Option<&str> {
        [self.logo.as_str(), self.logo_url.as_str()]
            .into_iter()
            .find(|s| !s.is_empty())
    }
}

/// SPONSOR-4/5: the one override of a sponsor. Empty strings and `None` mean "use
/// the base value"; `note` is the organizer's remark and overrides nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SponsorOverride {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub website_url: String,
    #[serde(default)]
    pub logo_url: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub is_active: Option<bool>,
    /// A level slug of the same conference (SPONSOR-3 applies to it too).
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub note: String,
}

impl SponsorOverride {
    /// SPONSOR-6: no override field set (a note alone does not count).
    pub fn is_empty(&self) -> bool {
        [
            &self.name,
            &self.description,
            &self.website_url,
            &self.logo_url,
            &self.contact_name,
            &self.contact_email,
        ]
        .iter()
        .all(|s| s.is_empty())
            && self.is_active.is_none()
            && self.level.is_none()
    }
}

/// SPONSOR-5: the values shown once the override is applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effective {
    pub name: String,
    pub description: String,
    pub website_url: String,
    pub logo_url: String,
    pub contact_name: String,
    pub contact_email: String,
    pub is_active: bool,
    pub level: String,
}

/// SPONSOR-5: override value when non-empty (or set), else the base value.
pub fn effective(base: &SponsorDetails, over: Option<&SponsorOverride>) -> Effective {
    let empty = SponsorOverride::default();
    let o = over.unwrap_or(&empty);
    let pick = |o: &str, b: &str| if o.is_empty() { b } else { o }.to_string();
    Effective {
        name: pick(&o.name, &base.name),
        description: pick(&o.description, &base.description),
        website_url: pick(&o.website_url, &base.website_url),
        logo_url: pick(&o.logo_url, &base.logo_url),
        contact_name: pick(&o.contact_name, &base.contact_name),
        contact_email: pick(&o.contact_email, &base.contact_email),
        is_active: o.is_active.unwrap_or(base.is_active),
        level: o.level.clone().unwrap_or_else(|| base.level.clone()),
    }
}

/// SPONSOR-9: a benefit promised to a sponsor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Benefit {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub is_complete: bool,
    #[serde(default)]
    pub notes: String,
}

/// A sponsor level as the sponsor's conference defines it, looked up by the flow
/// (SPONSOR-3): `None` when the conference has no level with that slug.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LevelRef {
    pub slug: String,
    /// SPONSOR-12: the comp vouchers a sponsor created at this level gets.
    pub comp_ticket_count: u32,
}
