//! Feature flags: names, global defaults, per-conference overrides and their
//! resolution (SPEC CONF-20…31).
//!
//! Pure: no I/O, no clock. Global defaults come from [`crate::config::Config`]
//! (`[features]`, fixed for the process lifetime, CONF-27); per-conference
//! overrides ([`FeatureOverrides`]) are held by the Conference aggregate and take
//! effect immediately.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A feature that can be switched on or off (CONF-20).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Registration,
    Sponsors,
    TravelGrants,
    Programs,
    PretalxSync,
    VisaLetters,
    PublicUi,
    ManageUi,
    AllUi,
}

impl Feature {
    /// Every feature, in SPEC order.
    pub const ALL: [Feature; 9] = [
        Feature::Registration,
        Feature::Sponsors,
        Feature::TravelGrants,
        Feature::Programs,
        Feature::PretalxSync,
        Feature::VisaLetters,
        Feature::PublicUi,
        Feature::ManageUi,
        Feature::AllUi,
    ];

    /// The features exposed to templates (CONF-31: every flag but visa_letters).
    pub const TEMPLATE_EXPOSED: [Feature; 8] = [
        Feature::Registration,
        Feature::Sponsors,
        Feature::TravelGrants,
        Feature::Programs,
        Feature::PretalxSync,
        Feature::PublicUi,
        Feature::ManageUi,
        Feature::AllUi,
    ];

    /// The feature name, e.g. `"travel_grants"` (what [`FromStr`] accepts).
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Registration => "registration",
            Feature::Sponsors => "sponsors",
            Feature::TravelGrants => "travel_grants",
            Feature::Programs => "programs",
            Feature::PretalxSync => "pretalx_sync",
            Feature::VisaLetters => "visa_letters",
            Feature::PublicUi => "public_ui",
            Feature::ManageUi => "manage_ui",
            Feature::AllUi => "all_ui",
        }
    }

    /// The flag name `"<name>_enabled"` (CONF-20), as used in the `[features]`
    /// config section and in template flags.
    pub fn flag_name(self) -> &'static str {
        match self {
            Feature::Registration => "registration_enabled",
            Feature::Sponsors => "sponsors_enabled",
            Feature::TravelGrants => "travel_grants_enabled",
            Feature::Programs => "programs_enabled",
            Feature::PretalxSync => "pretalx_sync_enabled",
            Feature::VisaLetters => "visa_letters_enabled",
            Feature::PublicUi => "public_ui_enabled",
            Feature::ManageUi => "manage_ui_enabled",
            Feature::AllUi => "all_ui_enabled",
        }
    }

    /// True for the UI flags governed by the `all_ui` master switch (CONF-23/25).
    pub fn is_ui_under_master(self) -> bool {
        matches!(self, Feature::PublicUi | Feature::ManageUi)
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown feature name (CONF-20).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Unknown feature: '{0}'")]
pub struct UnknownFeature(pub String);

impl UnknownFeature {
    pub fn code(&self) -> &'static str {
        "conf.unknown_feature"
    }
}

impl FromStr for Feature {
    type Err = UnknownFeature;

    /// Accepts the plain names of CONF-20 only (`"registration"`, not
    /// `"registration_enabled"`); matching is exact (case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Feature::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFeature(s.to_string()))
    }
}

/// Global feature defaults: the `[features]` section of the config (CONF-21).
/// Every flag defaults to true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureDefaults {
    pub registration_enabled: bool,
    pub sponsors_enabled: bool,
    pub travel_grants_enabled: bool,
    pub programs_enabled: bool,
    pub pretalx_sync_enabled: bool,
    pub visa_letters_enabled: bool,
    pub public_ui_enabled: bool,
    pub manage_ui_enabled: bool,
    pub all_ui_enabled: bool,
}

impl Default for FeatureDefaults {
    fn default() -> Self {
        Self {
            registration_enabled: true,
            sponsors_enabled: true,
            travel_grants_enabled: true,
            programs_enabled: true,
            pretalx_sync_enabled: true,
            visa_letters_enabled: true,
            public_ui_enabled: true,
            manage_ui_enabled: true,
            all_ui_enabled: true,
        }
    }
}

impl FeatureDefaults {
    /// The configured default of one flag.
    pub fn get(&self, feature: Feature) -> bool {
        match feature {
            Feature::Registration => self.registration_enabled,
            Feature::Sponsors => self.sponsors_enabled,
            Feature::TravelGrants => self.travel_grants_enabled,
            Feature::Programs => self.programs_enabled,
            Feature::PretalxSync => self.pretalx_sync_enabled,
            Feature::VisaLetters => self.visa_letters_enabled,
            Feature::PublicUi => self.public_ui_enabled,
            Feature::ManageUi => self.manage_ui_enabled,
            Feature::AllUi => self.all_ui_enabled,
        }
    }

    /// Sets the default of one flag.
    pub fn set(&mut self, feature: Feature, value: bool) {
        *self.slot(feature) = value;
    }

    fn slot(&mut self, feature: Feature) -> &mut bool {
        match feature {
            Feature::Registration => &mut self.registration_enabled,
            Feature::Sponsors => &mut self.sponsors_enabled,
            Feature::TravelGrants => &mut self.travel_grants_enabled,
            Feature::Programs => &mut self.programs_enabled,
            Feature::PretalxSync => &mut self.pretalx_sync_enabled,
            Feature::VisaLetters => &mut self.visa_letters_enabled,
            Feature::PublicUi => &mut self.public_ui_enabled,
            Feature::ManageUi => &mut self.manage_ui_enabled,
            Feature::AllUi => &mut self.all_ui_enabled,
        }
    }
}

/// A conference's feature-flag record (CONF-22): one tri-state value per flag,
/// `None` = inherit the global default, `Some(true)` = force on, `Some(false)` =
/// force off. Held by the Conference aggregate (it is stored in its events); a
/// conference without a record behaves as `FeatureOverrides::default()`.
pub use tessera_aggregates::conference::FeatureOverrides;

/// Reading and writing one flag of a [`FeatureOverrides`] by [`Feature`].
pub trait FeatureOverridesExt {
    /// The override of one flag (`None` = inherit).
    fn get(&self, feature: Feature) -> Option<bool>;
    /// Sets (or clears, with `None`) the override of one flag.
    fn set(&mut self, feature: Feature, value: Option<bool>);
    /// True when every flag inherits (equivalent to having no record).
    fn is_empty(&self) -> bool {
        Feature::ALL.into_iter().all(|f| self.get(f).is_none())
    }
}

impl FeatureOverridesExt for FeatureOverrides {
    fn get(&self, feature: Feature) -> Option<bool> {
        match feature {
            Feature::Registration => self.registration,
            Feature::Sponsors => self.sponsors,
            Feature::TravelGrants => self.travel_grants,
            Feature::Programs => self.programs,
            Feature::PretalxSync => self.pretalx_sync,
            Feature::VisaLetters => self.visa_letters,
            Feature::PublicUi => self.public_ui,
            Feature::ManageUi => self.manage_ui,
            Feature::AllUi => self.all_ui,
        }
    }

    fn set(&mut self, feature: Feature, value: Option<bool>) {
        let slot = match feature {
            Feature::Registration => &mut self.registration,
            Feature::Sponsors => &mut self.sponsors,
            Feature::TravelGrants => &mut self.travel_grants,
            Feature::Programs => &mut self.programs,
            Feature::PretalxSync => &mut self.pretalx_sync,
            Feature::VisaLetters => &mut self.visa_letters,
            Feature::PublicUi => &mut self.public_ui,
            Feature::ManageUi => &mut self.manage_ui,
            Feature::AllUi => &mut self.all_ui,
        };
        *slot = value;
    }
}

/// Resolves one feature (CONF-23…26).
///
/// `overrides` is `None` when there is no conference in context; `Some` when there
/// is one (pass `&FeatureOverrides::default()` for a conference without a record).
///
/// - Without a conference (CONF-25): public_ui/manage_ui are false when the global
///   `all_ui_enabled` is false; otherwise every feature is its global default.
/// - With a conference (CONF-23/24): for public_ui/manage_ui the master switch is the
///   conference's all_ui override if set, else the global all_ui default; a false
///   master disables them whatever their own override says. Then the conference's
///   override of the feature wins when set, else the global default.
/// - all_ui never affects module flags, and asking for all_ui returns its own
///   override-or-default (CONF-26).
pub fn is_enabled(
    feature: Feature,
    defaults: &FeatureDefaults,
    overrides: Option<&FeatureOverrides>,
) -> bool {
    match overrides {
        None => {
            if feature.is_ui_under_master() && !defaults.all_ui_enabled {
                return false;
            }
            defaults.get(feature)
        }
        Some(o) => {
            if feature.is_ui_under_master() {
                let master = o.all_ui.unwrap_or(defaults.all_ui_enabled);
                if !master {
                    return false;
                }
            }
            o.get(feature).unwrap_or_else(|| defaults.get(feature))
        }
    }
}

/// True only if every listed feature is enabled (CONF-28); an empty list is
/// always available.
pub fn all_enabled(
    features: &[Feature],
    defaults: &FeatureDefaults,
    overrides: Option<&FeatureOverrides>,
) -> bool {
    features.iter().all(|f| is_enabled(*f, defaults, overrides))
}

/// The flags exposed to templates (CONF-31), keyed by flag name
/// (`"registration_enabled"`, …), each resolved through [`is_enabled`].
/// `visa_letters_enabled` is not exposed.
pub fn template_flags(
    defaults: &FeatureDefaults,
    overrides: Option<&FeatureOverrides>,
) -> BTreeMap<&'static str, bool> {
    Feature::TEMPLATE_EXPOSED
        .into_iter()
        .map(|f| (f.flag_name(), is_enabled(f, defaults, overrides)))
        .collect()
}

#[cfg(test)]
mod tests;

/// A conference that exists, with what handlers and flows need to know about
/// it: its id, its slug and its feature overrides.
#[derive(Debug, Clone)]
pub struct ConferenceRef {
    pub id: uuid::Uuid,
    pub slug: String,
    pub overrides: FeatureOverrides,
}
