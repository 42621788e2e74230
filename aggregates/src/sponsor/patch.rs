use serde::Deserialize;

use super::SponsorDetails;

/// SPONSOR-2: a change of a sponsor; absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SponsorPatch {
    pub name: Option<String>,
    pub level: Option<String>,
    pub external_id: Option<String>,
    pub website_url: Option<String>,
    pub logo: Option<String>,
    pub logo_url: Option<String>,
    pub description: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub is_active: Option<bool>,
}

impl SponsorPatch {
    pub fn apply_to(self, d: &mut SponsorDetails) {
        let set = |slot: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut d.name, self.name);
        set(&mut d.level, self.level);
        set(&mut d.external_id, self.external_id);
        set(&mut d.website_url, self.website_url);
        set(&mut d.logo, self.logo);
        set(&mut d.logo_url, self.logo_url);
        set(&mut d.description, self.description);
        set(&mut d.contact_name, self.contact_name);
        set(&mut d.contact_email, self.contact_email);
        if let Some(v) = self.is_active {
            d.is_active = v;
        }
    }
}
