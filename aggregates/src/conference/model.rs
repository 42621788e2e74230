//! The value types a conference holds.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ConferenceError;

fn utc() -> String {
    "UTC".to_string()
}

fn yes() -> bool {
    true
}

/// CONF-1, CONF-4, CONF-5, MY-3, MY-4: everything an organizer edits about a
/// conference, including the year-bound configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConferenceDetails {
    /// Non-blank, at most 200 characters (CONF-1).
    pub name: String,
    pub start_date: NaiveDate,
    /// CONF-8: no rule enforces end_date ≥ start_date.
    pub end_date: NaiveDate,
    /// An IANA name, default "UTC" (CONF-1).
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub venue: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub website_url: String,
    #[serde(default)]
    pub pretalx_event_slug: String,
    /// CONF-4: 0 = no global ticket cap.
    #[serde(default)]
    pub total_capacity: u32,
    #[serde(default)]
    pub revenue_budget: Option<Decimal>,
    #[serde(default)]
    pub target_attendance: Option<u32>,
    #[serde(default)]
    pub grant_budget: Option<Decimal>,
    #[serde(default)]
    pub sponsorship_goal: Decimal,
    #[serde(default)]
    pub donation_goal: Decimal,
    #[serde(default)]
    pub proposals_count: u32,
    /// At most 255 characters (MY-3).
    #[serde(default)]
    pub banner_text: String,
    #[serde(default)]
    pub volunteer_application_open: bool,
    #[serde(default)]
    pub sponsorship_open: bool,
    /// MY-3: default true.
    #[serde(default = "yes")]
    pub accepting_donations: bool,
}

impl Default for ConferenceDetails {
    fn default() -> Self {
        Self {
            name: String::new(),
            start_date: NaiveDate::default(),
            end_date: NaiveDate::default(),
            timezone: utc(),
            venue: String::new(),
            address: String::new(),
            website_url: String::new(),
            pretalx_event_slug: String::new(),
            total_capacity: 0,
            revenue_budget: None,
            target_attendance: None,
            grant_budget: None,
            sponsorship_goal: Decimal::ZERO,
            donation_goal: Decimal::ZERO,
            proposals_count: 0,
            banner_text: String::new(),
            volunteer_application_open: false,
            sponsorship_open: false,
            accepting_donations: true,
        }
    }
}

/// CONF-9: a section (e.g. tutorials, talks, sprints); slug unique in its
/// conference; sections sort by (order, start_date).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub slug: String,
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    #[serde(default)]
    pub order: i32,
}

/// AMB-5: a sponsor level; `comp_ticket_count` comp vouchers per sponsor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SponsorLevel {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub cost: Option<Decimal>,
    #[serde(default)]
    pub comp_ticket_count: u32,
    #[serde(default)]
    pub order: i32,
}

/// CONF-22: one tri-state value per flag: None = inherit the global default,
/// Some(true) = force on, Some(false) = force off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureOverrides {
    #[serde(default)]
    pub registration: Option<bool>,
    #[serde(default)]
    pub sponsors: Option<bool>,
    #[serde(default)]
    pub travel_grants: Option<bool>,
    #[serde(default)]
    pub programs: Option<bool>,
    #[serde(default)]
    pub pretalx_sync: Option<bool>,
    #[serde(default)]
    pub visa_letters: Option<bool>,
    #[serde(default)]
    pub public_ui: Option<bool>,
    #[serde(default)]
    pub manage_ui: Option<bool>,
    #[serde(default)]
    pub all_ui: Option<bool>,
}

/// CONF-13: None = use the default of ANA-7.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiTargets {
    #[serde(default)]
    pub target_conversion_rate: Option<Decimal>,
    #[serde(default)]
    pub target_refund_rate: Option<Decimal>,
    #[serde(default)]
    pub target_checkin_rate: Option<Decimal>,
    #[serde(default)]
    pub target_fulfillment_rate: Option<Decimal>,
    #[serde(default)]
    pub target_revenue_per_attendee: Option<Decimal>,
    #[serde(default)]
    pub target_room_utilization: Option<Decimal>,
}

impl KpiTargets {
    /// Every target with its field name.
    pub fn fields(&self) -> [(&'static str, Option<Decimal>); 6] {
        [
            ("target_conversion_rate", self.target_conversion_rate),
            ("target_refund_rate", self.target_refund_rate),
            ("target_checkin_rate", self.target_checkin_rate),
            ("target_fulfillment_rate", self.target_fulfillment_rate),
            (
                "target_revenue_per_attendee",
                self.target_revenue_per_attendee,
            ),
            ("target_room_utilization", self.target_room_utilization),
        ]
    }
}

/// Roles granted per conference; stored lower_snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Organizer,
    Reviewer,
    Checkin,
    Finance,
    /// Reads a conference's history, statistics and exports; sends no command.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Organizer,
        Role::Reviewer,
        Role::Checkin,
        Role::Finance,
        Role::Auditor,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Organizer => "organizer",
            Self::Reviewer => "reviewer",
            Self::Checkin => "checkin",
            Self::Finance => "finance",
            Self::Auditor => "auditor",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ConferenceError;

    /// Accepts the stored names ("checkin"), plus "check_in" / "check-in".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "organizer" => Ok(Self::Organizer),
            "reviewer" => Ok(Self::Reviewer),
            "checkin" | "check_in" | "check-in" => Ok(Self::Checkin),
            "finance" => Ok(Self::Finance),
            "auditor" => Ok(Self::Auditor),
            _ => Err(ConferenceError::UnknownRole {
                role: s.to_string(),
            }),
        }
    }
}
