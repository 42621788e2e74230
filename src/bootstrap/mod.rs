//! `tessera bootstrap --config FILE`: the pure part (SPEC BOOT-1…13, BOOT-16's
//! in-file reference check, BOOT-18's preview; AMB-5 sponsor levels; AMB-29 series
//! and year).
//!
//! [`load_plan`] / [`parse_plan`] turn a conference TOML file into a validated
//! [`BootstrapPlan`]; the executor ([`execute`], [`run_cli`]: create / `--update` /
//! `--dry-run` / `--seed-demo`, BOOT-14…25) turns the plan into commands. Only the
//! executor touches the store.
//!
//! Add-on prerequisites (BOOT-16): a `requires` slug that names a ticket of the same
//! file is resolved here. Slugs that name no ticket of the file are not an error
//! yet, because with `--update` they may name ticket types the conference already
//! has: they are listed in [`BootstrapPlan::unresolved_requires`], and the executor
//! calls [`BootstrapPlan::check_requires`] with the slugs of the tickets already in
//! the store (none in create mode) before writing anything.

mod demo_conditions;
mod demo_funding;
mod demo_orders;
pub mod demo_series;
mod execute;
mod plan;
mod program;
pub mod series_file;
mod sponsorships;
mod talks;
mod talks_seed;
mod toml_read;
mod volunteers;

use std::fmt::Write as _;
use std::path::Path;

pub use demo_conditions::{STAFF_GROUP, demo_conditions};
pub use demo_funding::{seed_fundraising, seed_grants, seed_letters};
pub use demo_orders::{OrdersSeeded, SeedTimes, SeededOrder};
pub use execute::*;
pub use plan::{
    AddonPlan, BootstrapPlan, ConferencePlan, SectionPlan, SponsorLevelPlan, SponsorPlan, TeamPlan,
    TicketPlan, TierPlan, UnresolvedRequires, parse_plan,
};
pub use program::{ProgramPlan, SurveyPlan, create_program, seed_program};
pub use sponsorships::{SponsorshipsReport, execute_sponsorships};
pub use talks::{SpeakerPlan, TalksPlan};
pub use talks_seed::{create_talks, seed_ratings};
pub use volunteers::{create_teams, seed_volunteers};

/// Why a bootstrap file was refused. `Display` is the user-facing message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BootstrapError {
    /// BOOT-1.
    #[error("Conference config file not found: {path}")]
    NotFound { path: String },
    /// The file exists but cannot be read (permissions, not UTF-8, …).
    #[error("Cannot read conference config file {path}: {detail}")]
    Read { path: String, detail: String },
    /// BOOT-1.
    #[error("Invalid TOML in {path}: {detail}")]
    InvalidToml { path: String, detail: String },
    /// BOOT-1.
    #[error("Missing required [conference] table in config file")]
    MissingConference,
    /// Any validation failure (BOOT-3, BOOT-6…13, BOOT-16, field types); the
    /// message names the table, index and field.
    #[error("{0}")]
    Invalid(String),
    /// BOOT-14: create mode and the slug is taken.
    #[error("Conference with slug '{slug}' already exists. Use --update to update it.")]
    Exists { slug: String },
    /// A domain rule refused one of the file's changes (BOOT-17: nothing was
    /// written); the message names the table, index and field.
    #[error("{0}")]
    Refused(String),
    /// The database failed before anything was written.
    #[error("database error: {0}")]
    Store(String),
    /// A write failed after others had succeeded (a concurrent writer changed the
    /// conference between validation and writing, or the database failed).
    #[error(
        "bootstrap stopped after writing {written} of {total} changes: {detail}. \
         The changes already written stay; fix the cause and run again with --update to finish."
    )]
    Interrupted {
        written: usize,
        total: usize,
        detail: String,
    },
}

impl BootstrapError {
    /// A stable code for this kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            BootstrapError::NotFound { .. } => "boot.file_not_found",
            BootstrapError::Read { .. } => "boot.file_unreadable",
            BootstrapError::InvalidToml { .. } => "boot.invalid_toml",
            BootstrapError::MissingConference => "boot.missing_conference",
            BootstrapError::Invalid(_) => "boot.invalid",
            BootstrapError::Exists { .. } => "boot.conference_exists",
            BootstrapError::Refused(_) => "boot.refused",
            BootstrapError::Store(_) => "boot.store",
            BootstrapError::Interrupted { .. } => "boot.interrupted",
        }
    }
}

/// Reads and validates a bootstrap file (BOOT-1: a missing file is an error).
pub fn load_plan(path: &Path) -> Result<BootstrapPlan, BootstrapError> {
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(BootstrapError::NotFound { path: shown });
    }
    let text = std::fs::read_to_string(path).map_err(|e| BootstrapError::Read {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    parse_plan(&text, &shown)
}

pub use crate::ids::slugify;

/// The `--dry-run` preview (BOOT-18): conference name, slug, dates, timezone,
/// venue, website, then each section, ticket, add-on and sponsor level, and the
/// rooms and talks when the file has any.
pub fn render_preview(plan: &BootstrapPlan) -> String {
    let c = &plan.conference;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut out = String::new();
    let _ = writeln!(out, "Conference: {}", c.name);
    let _ = writeln!(out, "  Slug:     {}", c.slug);
    let _ = writeln!(
        out,
        "  Series:   {} ({}), year {}",
        c.series_name, c.series_slug, c.year
    );
    let _ = writeln!(out, "  Dates:    {} to {}", c.start_date, c.end_date);
    let _ = writeln!(out, "  Timezone: {}", c.timezone);
    let _ = writeln!(out, "  Venue:    {}", opt(&c.venue));
    let _ = writeln!(out, "  Website:  {}", opt(&c.website_url));
    let capacity = if c.total_capacity == 0 {
        "unlimited".to_string()
    } else {
        c.total_capacity.to_string()
    };
    let _ = writeln!(out, "  Capacity: {capacity}");

    let _ = writeln!(out, "Sections ({}):", plan.sections.len());
    for s in &plan.sections {
        let _ = writeln!(
            out,
            "  - {}: {} ({} to {}), order {}",
            s.slug, s.name, s.start_date, s.end_date, s.order
        );
    }

    let _ = writeln!(out, "Tickets ({}):", plan.tickets.len());
    for t in &plan.tickets {
        let _ = writeln!(
            out,
            "  - {}: {}, price {}, quantity {}, per user {}{}{}",
            t.slug,
            t.name,
            t.price,
            quantity(t.quantity),
            t.limit_per_user,
            if t.requires_voucher {
                ", voucher required"
            } else {
                ""
            },
            window(t.available_from, t.available_until),
        );
    }

    let _ = writeln!(out, "Add-ons ({}):", plan.addons.len());
    for a in &plan.addons {
        let requires = match &a.requires {
            Some(r) if !r.is_empty() => format!(", requires {}", r.join(", ")),
            Some(_) => ", requires no ticket".to_string(),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  - {}: {}, price {}, quantity {}{}{}",
            a.slug,
            a.name,
            a.price,
            quantity(a.quantity),
            requires,
            window(a.available_from, a.available_until),
        );
    }

    let _ = writeln!(out, "Sponsor levels ({}):", plan.sponsor_levels.len());
    for l in &plan.sponsor_levels {
        let cost = l.cost.map(|c| format!(", cost {c}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {}: {}{}, comp tickets {}",
            l.slug, l.name, cost, l.comp_ticket_count
        );
    }

    out.push_str(&plan.program.talks.preview());

    for u in &plan.unresolved_requires {
        let _ = writeln!(
            out,
            "Note: add-on '{}' requires ticket slug(s) not in this file: {} (they must already exist)",
            u.addon_slug,
            u.ticket_slugs.join(", ")
        );
    }
    out
}

fn quantity(q: u32) -> String {
    if q == 0 {
        "unlimited".into()
    } else {
        q.to_string()
    }
}

fn window(
    from: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    let fmt = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    match (from, until) {
        (None, None) => String::new(),
        (f, u) => format!(
            ", available {} .. {}",
            f.map(fmt).unwrap_or_else(|| "-".into()),
            u.map(fmt).unwrap_or_else(|| "-".into())
        ),
    }
}

#[cfg(test)]
mod tests;
