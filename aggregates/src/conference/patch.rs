//! The partial edits of a conference: each field absent = keep, present = set;
//! `Option<Option<_>>` fields also take null = clear. The conference merges them
//! into its current state when it decides (see `crate::edit`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{ConferenceDetails, KpiTargets, Section, SponsorLevel};
use crate::edit::{keep_or_set, nullable};

/// CONF-1/4/5, MY-3/4: a change of the conference's details. The slug and the year
/// are not editable (CONF-11).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DetailsPatch {
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub timezone: Option<String>,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub website_url: Option<String>,
    pub pretalx_event_slug: Option<String>,
    pub total_capacity: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    pub revenue_budget: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    pub target_attendance: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    pub grant_budget: Option<Option<Decimal>>,
    pub sponsorship_goal: Option<Decimal>,
    pub donation_goal: Option<Decimal>,
    pub proposals_count: Option<u32>,
    pub banner_text: Option<String>,
    pub volunteer_application_open: Option<bool>,
    pub sponsorship_open: Option<bool>,
    pub accepting_donations: Option<bool>,
}

impl DetailsPatch {
    /// Writes the fields this patch carries into `d`.
    pub fn apply_to(self, d: &mut ConferenceDetails) {
        keep_or_set(&mut d.name, self.name);
        keep_or_set(&mut d.start_date, self.start_date);
        keep_or_set(&mut d.end_date, self.end_date);
        keep_or_set(&mut d.timezone, self.timezone);
        keep_or_set(&mut d.venue, self.venue);
        keep_or_set(&mut d.address, self.address);
        keep_or_set(&mut d.website_url, self.website_url);
        keep_or_set(&mut d.pretalx_event_slug, self.pretalx_event_slug);
        keep_or_set(&mut d.total_capacity, self.total_capacity);
        keep_or_set(&mut d.revenue_budget, self.revenue_budget);
        keep_or_set(&mut d.target_attendance, self.target_attendance);
        keep_or_set(&mut d.grant_budget, self.grant_budget);
        keep_or_set(&mut d.sponsorship_goal, self.sponsorship_goal);
        keep_or_set(&mut d.donation_goal, self.donation_goal);
        keep_or_set(&mut d.proposals_count, self.proposals_count);
        keep_or_set(&mut d.banner_text, self.banner_text);
        keep_or_set(
            &mut d.volunteer_application_open,
            self.volunteer_application_open,
        );
        keep_or_set(&mut d.sponsorship_open, self.sponsorship_open);
        keep_or_set(&mut d.accepting_donations, self.accepting_donations);
    }
}

/// CONF-9: a change of a section; a new section needs a name and both dates.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SectionPatch {
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Default 0.
    pub order: Option<i32>,
}

impl SectionPatch {
    /// The section `slug` becomes: `current` with this patch written in, or, for a
    /// new section, the patch itself (None when it lacks a date).
    pub(super) fn applied(self, slug: String, current: Option<&Section>) -> Option<Section> {
        let mut s = match current {
            Some(s) => s.clone(),
            None => Section {
                slug,
                name: String::new(),
                start_date: self.start_date?,
                end_date: self.end_date?,
                order: 0,
            },
        };
        keep_or_set(&mut s.name, self.name);
        keep_or_set(&mut s.start_date, self.start_date);
        keep_or_set(&mut s.end_date, self.end_date);
        keep_or_set(&mut s.order, self.order);
        Some(s)
    }
}

/// AMB-5: a change of a sponsor level.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SponsorLevelPatch {
    pub name: Option<String>,
    /// Null clears.
    #[serde(default, deserialize_with = "nullable")]
    pub cost: Option<Option<Decimal>>,
    /// Default 0.
    pub comp_ticket_count: Option<u32>,
    /// Default 0.
    pub order: Option<i32>,
}

impl SponsorLevelPatch {
    /// Writes the fields this patch carries into `l`.
    pub fn apply_to(self, l: &mut SponsorLevel) {
        keep_or_set(&mut l.name, self.name);
        keep_or_set(&mut l.cost, self.cost);
        keep_or_set(&mut l.comp_ticket_count, self.comp_ticket_count);
        keep_or_set(&mut l.order, self.order);
    }
}

/// CONF-13: a change of the KPI targets; null clears a target (= use the ANA-7
/// default).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct KpiTargetsPatch {
    #[serde(default, deserialize_with = "nullable")]
    pub target_conversion_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    pub target_refund_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    pub target_checkin_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    pub target_fulfillment_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    pub target_revenue_per_attendee: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    pub target_room_utilization: Option<Option<Decimal>>,
}

impl KpiTargetsPatch {
    /// Writes the targets this patch carries into `t`.
    pub fn apply_to(self, t: &mut KpiTargets) {
        keep_or_set(&mut t.target_conversion_rate, self.target_conversion_rate);
        keep_or_set(&mut t.target_refund_rate, self.target_refund_rate);
        keep_or_set(&mut t.target_checkin_rate, self.target_checkin_rate);
        keep_or_set(&mut t.target_fulfillment_rate, self.target_fulfillment_rate);
        keep_or_set(
            &mut t.target_revenue_per_attendee,
            self.target_revenue_per_attendee,
        );
        keep_or_set(&mut t.target_room_utilization, self.target_room_utilization);
    }
}
