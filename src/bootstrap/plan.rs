//! The bootstrap plan and its parser (BOOT-1…13, BOOT-16 in-file part).

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};

use super::toml_read::local_instant;
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;
use toml::{Table, Value};

use super::{BootstrapError, slugify};
use crate::config::describe_toml_error;

/// 0.00: the default add-on price.
const ZERO_MONEY: Decimal = Decimal::from_parts(0, 0, 0, false, 2);

/// Default ticket `limit_per_user` (CAT-1).
pub const DEFAULT_LIMIT_PER_USER: u32 = 10;

/// Everything a bootstrap file asks for, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapPlan {
    pub conference: ConferencePlan,
    /// Never empty (BOOT-6).
    pub sections: Vec<SectionPlan>,
    pub tickets: Vec<TicketPlan>,
    pub addons: Vec<AddonPlan>,
    /// Created too (AMB-5).
    pub sponsor_levels: Vec<SponsorLevelPlan>,
    /// `[[conference.teams]]`: the year's volunteer teams (MY-5), created after
    /// the conference.
    pub teams: Vec<TeamPlan>,
    /// `[[conference.sponsors]]`, each at a level of this file (SPONSOR-2/3).
    pub sponsors: Vec<SponsorPlan>,
    /// `[[conference.sponsorship_tiers]]`: the year's tiers and prices (MY-5).
    pub sponsorship_tiers: Vec<TierPlan>,
    /// `[[conference.badge_templates]]`, `[[conference.surveys]]` (ATT-33,
    /// SURVEY-1), `[[conference.rooms]]` and `[[conference.talks]]`, created
    /// after the conference.
    pub program: super::ProgramPlan,
    /// Add-on `requires` slugs naming no ticket of this file, per add-on in file
    /// order. Not an error by itself: see [`BootstrapPlan::check_requires`].
    pub unresolved_requires: Vec<UnresolvedRequires>,
}

/// The `[conference]` table (BOOT-3/4) plus series and year (AMB-29).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConferencePlan {
    pub name: String,
    /// `slug`, or slugify(name) (BOOT-5).
    pub slug: String,
    /// `series`, or the name without a trailing 4-digit year ("PyCon US 2027" →
    /// "PyCon US").
    pub series_name: String,
    /// slugify(series_name).
    pub series_slug: String,
    /// `year`, or the start date's year.
    pub year: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// A valid IANA time zone name.
    pub timezone: String,
    pub venue: Option<String>,
    pub website_url: Option<String>,
    pub pretalx_event_slug: Option<String>,
    /// 0 = no global cap (CONF-4); 0 when absent.
    pub total_capacity: u32,
    pub revenue_budget: Option<Decimal>,
    pub target_attendance: Option<u32>,
    pub grant_budget: Option<Decimal>,
    /// The BOOT-4 keys (and `series`, `year`) the file actually gave, by key name
    /// (`"start"`, `"total_capacity"`, …). With `--update` (BOOT-15) only these
    /// overwrite stored values; e.g. an absent `total_capacity` must not reset a
    /// stored cap to 0.
    pub provided_fields: BTreeSet<&'static str>,
}

impl ConferencePlan {
    /// True when the file gave this key (see [`ConferencePlan::provided_fields`]).
    pub fn is_provided(&self, key: &str) -> bool {
        self.provided_fields.contains(key)
    }
}

/// One `[[conference.sections]]` (BOOT-6, BOOT-13).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionPlan {
    pub slug: String,
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Explicit `order`, else the 0-based position.
    pub order: i32,
}

/// One `[[conference.tickets]]` (BOOT-7, BOOT-12, BOOT-13).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketPlan {
    pub slug: String,
    pub name: String,
    /// Scale 2.
    pub price: Decimal,
    /// total_quantity; 0 = unlimited.
    pub quantity: u32,
    /// `per_user`, default 10 (CAT-1).
    pub limit_per_user: u32,
    /// `voucher_required`, default false.
    pub requires_voucher: bool,
    /// `available.opens` at 00:00:00 in the conference time zone.
    pub available_from: Option<DateTime<Utc>>,
    /// `available.closes` at 23:59:59 in the conference time zone.
    pub available_until: Option<DateTime<Utc>>,
    /// 0-based position.
    pub order: i32,
}

/// One `[[conference.addons]]` (BOOT-8, BOOT-12, BOOT-13, BOOT-16).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddonPlan {
    pub slug: String,
    /// `name`, or the slug when only a slug is given.
    pub name: String,
    /// Scale 2, default 0.00.
    pub price: Decimal,
    /// total_quantity, default 0 = unlimited.
    pub quantity: u32,
    /// Prerequisite ticket slugs (duplicates removed, file order). `None`: the
    /// file has no `requires`, leave prerequisites untouched (BOOT-16).
    pub requires: Option<Vec<String>>,
    pub available_from: Option<DateTime<Utc>>,
    pub available_until: Option<DateTime<Utc>>,
    /// 0-based position.
    pub order: i32,
}

/// One `[[conference.teams]]` (MY-5): slug (default slugify(name)), name and
/// description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamPlan {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// One `[[conference.sponsor_levels]]` (AMB-5: created, SPONSOR-1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SponsorLevelPlan {
    pub slug: String,
    /// `name`, or the slug when only a slug is given.
    pub name: String,
    /// Scale 2.
    pub cost: Option<Decimal>,
    /// `comp_tickets`, default 0.
    pub comp_ticket_count: u32,
    /// 0-based position.
    pub order: i32,
}

/// One `[[conference.sponsors]]` (SPONSOR-2); `level` names a level of the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SponsorPlan {
    pub slug: String,
    pub name: String,
    pub level: String,
    pub website_url: String,
    pub logo_url: String,
    pub description: String,
    pub contact_name: String,
    pub contact_email: String,
    /// Default true.
    pub is_active: bool,
}

/// One `[[conference.sponsorship_tiers]]` (MY-5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierPlan {
    pub slug: String,
    pub name: String,
    /// Scale 2; default 0.
    pub price: Decimal,
}

/// The `requires` slugs of one add-on that name no ticket of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnresolvedRequires {
    pub addon_slug: String,
    /// Sorted, unique.
    pub ticket_slugs: Vec<String>,
}

impl BootstrapPlan {
    /// BOOT-16: every `requires` slug must name a ticket type of the conference
    /// once the file's tickets are processed. `existing_ticket_slug` says whether
    /// the store already has a ticket type with that slug in this conference
    /// (always false in create mode). Fails on the first add-on (file order) with
    /// slugs still unknown: "Add-on '<slug>' references unknown required ticket
    /// slug(s): <sorted list>".
    pub fn check_requires(
        &self,
        existing_ticket_slug: impl Fn(&str) -> bool,
    ) -> Result<(), BootstrapError> {
        for u in &self.unresolved_requires {
            let unknown: Vec<&str> = u
                .ticket_slugs
                .iter()
                .map(String::as_str)
                .filter(|s| !existing_ticket_slug(s))
                .collect();
            if !unknown.is_empty() {
                return Err(BootstrapError::Invalid(format!(
                    "Add-on '{}' references unknown required ticket slug(s): {}",
                    u.addon_slug,
                    unknown.join(", ")
                )));
            }
        }
        Ok(())
    }
}

fn invalid(message: impl Into<String>) -> BootstrapError {
    BootstrapError::Invalid(message.into())
}

/// Parses and validates the text of a bootstrap file; `path_for_messages` names
/// it in the BOOT-1 TOML error.
pub fn parse_plan(text: &str, path_for_messages: &str) -> Result<BootstrapPlan, BootstrapError> {
    let root: Table = toml::from_str(text).map_err(|e| BootstrapError::InvalidToml {
        path: path_for_messages.to_string(),
        detail: describe_toml_error(text, &e),
    })?;
    let Some(Value::Table(conf)) = root.get("conference") else {
        return Err(BootstrapError::MissingConference);
    };

    let (conference, tz) = parse_conference(conf)?;
    let sections = parse_sections(conf)?;
    let tickets = parse_tickets(conf, tz)?;
    let addons = parse_addons(conf, tz)?;
    let sponsor_levels = parse_sponsor_levels(conf)?;
    let teams = parse_teams(conf)?;
    let sponsors = parse_sponsors(conf, &sponsor_levels)?;
    let sponsorship_tiers = parse_tiers(conf)?;
    let program = super::program::parse(conf, tz)?;

    let ticket_slugs: BTreeSet<&str> = tickets.iter().map(|t| t.slug.as_str()).collect();
    let unresolved_requires = addons
        .iter()
        .filter_map(|a| {
            let missing: BTreeSet<&String> = a
                .requires
                .iter()
                .flatten()
                .filter(|s| !ticket_slugs.contains(s.as_str()))
                .collect();
            (!missing.is_empty()).then(|| UnresolvedRequires {
                addon_slug: a.slug.clone(),
                ticket_slugs: missing.into_iter().cloned().collect(),
            })
        })
        .collect();

    Ok(BootstrapPlan {
        conference,
        sections,
        tickets,
        addons,
        sponsor_levels,
        teams,
        sponsors,
        sponsorship_tiers,
        program,
        unresolved_requires,
    })
}

// ---------------------------------------------------------------------------
// Typed access to the keys of one table, with messages naming the field.

struct Fields<'a> {
    label: String,
    table: &'a Table,
}

impl<'a> Fields<'a> {
    fn new(label: impl Into<String>, table: &'a Table) -> Self {
        Self {
            label: label.into(),
            table,
        }
    }

    fn name_of(&self, key: &str) -> String {
        format!("{}.{key}", self.label)
    }

    fn err(&self, key: &str, what: &str) -> BootstrapError {
        invalid(format!("{} {what}", self.name_of(key)))
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.table.get(key)
    }

    fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// "<label> is missing required field(s): <sorted list>".
    fn require(&self, keys: &[&str], always_plural: bool) -> Result<(), BootstrapError> {
        let mut missing: Vec<&str> = keys.iter().copied().filter(|k| !self.has(k)).collect();
        missing.sort_unstable();
        match missing.len() {
            0 => Ok(()),
            1 if !always_plural => Err(invalid(format!(
                "{} is missing required field: {}",
                self.label, missing[0]
            ))),
            _ => Err(invalid(format!(
                "{} is missing required fields: {}",
                self.label,
                missing.join(", ")
            ))),
        }
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, BootstrapError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.err(key, "must be a string")),
        }
    }

    fn opt_non_empty(&self, key: &str) -> Result<Option<String>, BootstrapError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(self.err(key, "must be a non-empty string")),
        }
    }

    fn opt_date(&self, key: &str) -> Result<Option<NaiveDate>, BootstrapError> {
        self.get(key)
            .map(|v| date_value(v).ok_or_else(|| self.not_a_date(key, v)))
            .transpose()
    }

    fn not_a_date(&self, key: &str, v: &Value) -> BootstrapError {
        let got = match v {
            Value::Datetime(d) if d.time.is_some() => "datetime",
            other => other.type_str(),
        };
        self.err(
            key,
            &format!("must be a TOML date (e.g. 2027-05-14, not quoted), got {got}"),
        )
    }

    fn opt_u32(&self, key: &str) -> Result<Option<u32>, BootstrapError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) => u32::try_from(*i)
                .map(Some)
                .map_err(|_| self.err(key, "must be a non-negative integer")),
            Some(_) => Err(self.err(key, "must be a non-negative integer")),
        }
    }

    fn opt_i32(&self, key: &str) -> Result<Option<i32>, BootstrapError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) => i32::try_from(*i)
                .map(Some)
                .map_err(|_| self.err(key, "is out of range")),
            Some(_) => Err(self.err(key, "must be an integer")),
        }
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>, BootstrapError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(self.err(key, "must be a boolean")),
        }
    }

    /// A money amount (BOOT-2): integer or float read as an exact decimal,
    /// non-negative, at most 2 decimal places; returned with scale 2.
    fn opt_money(&self, key: &str) -> Result<Option<Decimal>, BootstrapError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let mut d = match v {
            Value::Integer(i) => Decimal::from(*i),
            Value::Float(f) if f.is_finite() => {
                Decimal::from_str(&format!("{f}")).map_err(|_| self.err(key, "is out of range"))?
            }
            _ => return Err(self.err(key, "must be a number")),
        };
        if d.is_zero() {
            d = Decimal::ZERO;
        }
        if d.is_sign_negative() {
            return Err(self.err(key, "must not be negative"));
        }
        if d.normalize().scale() > 2 {
            return Err(self.err(
                key,
                &format!("must have at most 2 decimal places (got {})", d.normalize()),
            ));
        }
        d.rescale(2);
        Ok(Some(d))
    }

    /// `available = { opens, closes }` (BOOT-12); a non-table value is ignored.
    fn window(&self, tz: Tz) -> Result<Window, BootstrapError> {
        let Some(Value::Table(available)) = self.get("available") else {
            return Ok((None, None));
        };
        let w = Fields::new(self.name_of("available"), available);
        let opens = w.opt_date("opens")?;
        let closes = w.opt_date("closes")?;
        let from = opens
            .map(|d| {
                local_instant(tz, d, NaiveTime::MIN, true)
                    .ok_or_else(|| w.err("opens", "is out of range"))
            })
            .transpose()?;
        let until = closes
            .map(|d| {
                let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
                local_instant(tz, d, end_of_day, false)
                    .ok_or_else(|| w.err("closes", "is out of range"))
            })
            .transpose()?;
        Ok((from, until))
    }
}

/// An availability window: (available_from, available_until).
type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A TOML local date (no time, no offset) as a `NaiveDate`.
fn date_value(v: &Value) -> Option<NaiveDate> {
    match v {
        Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        _ => None,
    }
}

/// "PyCon US 2027" → "PyCon US": the trimmed name without a trailing,
/// whitespace-separated 4-digit year; the whole name when nothing would remain.
fn default_series_name(name: &str) -> String {
    let t = name.trim();
    let bytes = t.as_bytes();
    if bytes.len() > 4 && bytes[bytes.len() - 4..].iter().all(u8::is_ascii_digit) {
        let head = &t[..t.len() - 4];
        if head.chars().last().is_some_and(char::is_whitespace) {
            let series = head.trim_end();
            if !series.is_empty() {
                return series.to_string();
            }
        }
    }
    t.to_string()
}

fn parse_conference(conf: &Table) -> Result<(ConferencePlan, Tz), BootstrapError> {
    let f = Fields::new("conference", conf);
    f.require(&["name", "start", "end", "timezone"], true)?; // BOOT-3

    let name = f
        .opt_non_empty("name")?
        .ok_or_else(|| f.err("name", "must be a non-empty string"))?;
    let start_date = f
        .opt_date("start")?
        .ok_or_else(|| f.err("start", "is missing"))?;
    let end_date = f
        .opt_date("end")?
        .ok_or_else(|| f.err("end", "is missing"))?;
    let timezone = f
        .opt_string("timezone")?
        .ok_or_else(|| f.err("timezone", "is missing"))?;
    let tz = Tz::from_str(&timezone).map_err(|_| {
        invalid(format!(
            "conference.timezone: unknown time zone '{timezone}'"
        ))
    })?;

    let slug = match f.get("slug") {
        None => slugify(&name),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(f.err("slug", "must be a non-empty string")),
    };
    if slug.trim().is_empty() {
        return Err(f.err("slug", "must be a non-empty string"));
    }

    let series_name = match f.opt_non_empty("series")? {
        Some(s) => s.trim().to_string(),
        None => default_series_name(&name),
    };
    let series_slug = slugify(&series_name);
    if series_slug.is_empty() {
        return Err(f.err(
            "series",
            &format!("must contain a letter or digit (got '{series_name}')"),
        ));
    }
    let year = match f.opt_i32("year")? {
        None => start_date.year(),
        Some(y) if (1..=9999).contains(&y) => y,
        Some(_) => return Err(f.err("year", "must be a year between 1 and 9999")),
    };

    const KNOWN: [&str; 14] = [
        "name",
        "slug",
        "start",
        "end",
        "timezone",
        "venue",
        "website_url",
        "pretalx_event_slug",
        "total_capacity",
        "revenue_budget",
        "target_attendance",
        "grant_budget",
        "series",
        "year",
    ];
    let provided_fields = KNOWN.into_iter().filter(|k| f.has(k)).collect();

    let plan = ConferencePlan {
        name,
        slug,
        series_name,
        series_slug,
        year,
        start_date,
        end_date,
        timezone,
        venue: f.opt_string("venue")?,
        website_url: f.opt_string("website_url")?,
        pretalx_event_slug: f.opt_string("pretalx_event_slug")?,
        total_capacity: f.opt_u32("total_capacity")?.unwrap_or(0),
        revenue_budget: f.opt_money("revenue_budget")?,
        target_attendance: f.opt_u32("target_attendance")?,
        grant_budget: f.opt_money("grant_budget")?,
        provided_fields,
    };
    Ok((plan, tz))
}

/// One validated list element: its table, label ("conference.tickets[2]"), slug
/// and position.
struct Item<'a> {
    fields: Fields<'a>,
    slug: String,
    index: usize,
}

impl Item<'_> {
    fn order(&self) -> Result<i32, BootstrapError> {
        i32::try_from(self.index)
            .map_err(|_| invalid(format!("{} is out of range", self.fields.label)))
    }
}

/// BOOT-10/11 for `conference.<key>`: elements are tables, each has a slug or a
/// name, slugs are non-empty strings and unique within the list.
fn list_items<'a>(conf: &'a Table, key: &str) -> Result<Vec<Item<'a>>, BootstrapError> {
    let label = format!("conference.{key}");
    let elements = match conf.get(key) {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(v) => {
            return Err(invalid(format!(
                "{label} must be a list, got {}",
                v.type_str()
            )));
        }
    };
    let mut items = Vec::with_capacity(elements.len());
    for (index, element) in elements.iter().enumerate() {
        let item_label = format!("{label}[{index}]");
        let Value::Table(table) = element else {
            return Err(invalid(format!(
                "{item_label} must be a mapping, got {}",
                element.type_str()
            )));
        };
        let fields = Fields::new(item_label, table);
        let slug = match (fields.get("slug"), fields.get("name")) {
            (Some(Value::String(s)), _) => s.clone(),
            (Some(_), _) => return Err(fields.err("slug", "must be a non-empty string")),
            (None, None) => {
                return Err(invalid(format!(
                    "{} is missing required field: name",
                    fields.label
                )));
            }
            (None, Some(Value::String(name))) => slugify(name),
            (None, Some(_)) => return Err(fields.err("name", "must be a string")),
        };
        if slug.trim().is_empty() {
            return Err(fields.err("slug", "must be a non-empty string"));
        }
        items.push(Item {
            fields,
            slug,
            index,
        });
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for item in &items {
        *counts.entry(item.slug.as_str()).or_default() += 1;
    }
    let dupes: Vec<&str> = counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(s, _)| s)
        .collect();
    if !dupes.is_empty() {
        return Err(invalid(format!(
            "{label} has duplicate slugs: {}",
            dupes.join(", ")
        )));
    }
    Ok(items)
}

/// `name` when given (a non-empty string), else the slug.
fn name_or_slug(item: &Item<'_>) -> Result<String, BootstrapError> {
    Ok(item
        .fields
        .opt_non_empty("name")?
        .unwrap_or_else(|| item.slug.clone()))
}

fn required_name(item: &Item<'_>) -> Result<String, BootstrapError> {
    item.fields
        .opt_non_empty("name")?
        .ok_or_else(|| item.fields.err("name", "is missing"))
}

fn parse_sections(conf: &Table) -> Result<Vec<SectionPlan>, BootstrapError> {
    const REQUIRED: &str = "conference.sections is required and must be a non-empty list";
    match conf.get("sections") {
        Some(Value::Array(a)) if !a.is_empty() => {}
        _ => return Err(invalid(REQUIRED)),
    }
    list_items(conf, "sections")?
        .into_iter()
        .map(|item| {
            let f = &item.fields;
            f.require(&["name", "start", "end"], false)?;
            Ok(SectionPlan {
                name: required_name(&item)?,
                start_date: f
                    .opt_date("start")?
                    .ok_or_else(|| f.err("start", "is missing"))?,
                end_date: f
                    .opt_date("end")?
                    .ok_or_else(|| f.err("end", "is missing"))?,
                order: match f.opt_i32("order")? {
                    Some(o) => o,
                    None => item.order()?,
                },
                slug: item.slug,
            })
        })
        .collect()
}

fn parse_tickets(conf: &Table, tz: Tz) -> Result<Vec<TicketPlan>, BootstrapError> {
    list_items(conf, "tickets")?
        .into_iter()
        .map(|item| {
            let f = &item.fields;
            f.require(&["name", "price", "quantity"], false)?;
            let (available_from, available_until) = f.window(tz)?;
            Ok(TicketPlan {
                name: required_name(&item)?,
                price: f.opt_money("price")?.unwrap_or(ZERO_MONEY),
                quantity: f.opt_u32("quantity")?.unwrap_or(0),
                limit_per_user: f.opt_u32("per_user")?.unwrap_or(DEFAULT_LIMIT_PER_USER),
                requires_voucher: f.opt_bool("voucher_required")?.unwrap_or(false),
                available_from,
                available_until,
                order: item.order()?,
                slug: item.slug,
            })
        })
        .collect()
}

fn parse_addons(conf: &Table, tz: Tz) -> Result<Vec<AddonPlan>, BootstrapError> {
    list_items(conf, "addons")?
        .into_iter()
        .map(|item| {
            let f = &item.fields;
            let (available_from, available_until) = f.window(tz)?;
            let requires = match f.get("requires") {
                None => None,
                Some(Value::Array(slugs)) => {
                    let mut out: Vec<String> = Vec::with_capacity(slugs.len());
                    for s in slugs {
                        match s {
                            Value::String(s) if !s.trim().is_empty() => {
                                if !out.contains(s) {
                                    out.push(s.clone());
                                }
                            }
                            _ => return Err(f.err("requires", "must be a list of ticket slugs")),
                        }
                    }
                    Some(out)
                }
                Some(_) => return Err(f.err("requires", "must be a list of ticket slugs")),
            };
            Ok(AddonPlan {
                name: name_or_slug(&item)?,
                price: f.opt_money("price")?.unwrap_or(ZERO_MONEY),
                quantity: f.opt_u32("quantity")?.unwrap_or(0),
                requires,
                available_from,
                available_until,
                order: item.order()?,
                slug: item.slug,
            })
        })
        .collect()
}

fn parse_sponsor_levels(conf: &Table) -> Result<Vec<SponsorLevelPlan>, BootstrapError> {
    list_items(conf, "sponsor_levels")?
        .into_iter()
        .map(|item| {
            let f = &item.fields;
            Ok(SponsorLevelPlan {
                name: name_or_slug(&item)?,
                cost: f.opt_money("cost")?,
                comp_ticket_count: f.opt_u32("comp_tickets")?.unwrap_or(0),
                order: item.order()?,
                slug: item.slug,
            })
        })
        .collect()
}

fn parse_teams(conf: &Table) -> Result<Vec<TeamPlan>, BootstrapError> {
    list_items(conf, "teams")?
        .into_iter()
        .map(|item| {
            let f = &item.fields;
            let name = required_name(&item)?;
            if name.chars().count() > 100 {
                return Err(f.err("name", "must be at most 100 characters"));
            }
            if !tessera_aggregates::is_valid_slug(&item.slug) {
                return Err(f.err("slug", "must be lowercase letters, digits and hyphens"));
            }
            let description = f.opt_string("description")?.unwrap_or_default();
            if description.chars().count() > 2000 {
                return Err(f.err("description", "must be at most 2000 characters"));
            }
            Ok(TeamPlan {
                name,
                description,
                slug: item.slug,
            })
        })
        .collect()
}

/// SPONSOR-2/3: sponsors, each at a level of this file.
fn parse_sponsors(
    conf: &Table,
    levels: &[SponsorLevelPlan],
) -> Result<Vec<SponsorPlan>, BootstrapError> {
    list_items(conf, "sponsors")?
        .into_iter()
        .map(|item| {
            let f = &item.fields;
            let level = f
                .opt_non_empty("level")?
                .ok_or_else(|| f.err("level", "is missing"))?;
            if !levels.iter().any(|l| l.slug == level) {
                return Err(f.err(
                    "level",
                    &format!("names no sponsor level of this file ('{level}')"),
                ));
            }
            let text = |key: &str| f.opt_string(key).map(Option::unwrap_or_default);
            Ok(SponsorPlan {
                name: name_or_slug(&item)?,
                level,
                website_url: text("website_url")?,
                logo_url: text("logo_url")?,
                description: text("description")?,
                contact_name: text("contact_name")?,
                contact_email: text("contact_email")?,
                is_active: f.opt_bool("is_active")?.unwrap_or(true),
                slug: item.slug,
            })
        })
        .collect()
}

/// MY-5: the year's sponsorship tiers with their prices.
fn parse_tiers(conf: &Table) -> Result<Vec<TierPlan>, BootstrapError> {
    list_items(conf, "sponsorship_tiers")?
        .into_iter()
        .map(|item| {
            Ok(TierPlan {
                name: name_or_slug(&item)?,
                price: item.fields.opt_money("price")?.unwrap_or(ZERO_MONEY),
                slug: item.slug,
            })
        })
        .collect()
}
