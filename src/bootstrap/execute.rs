//! The executor of `tessera bootstrap` (SPEC BOOT-14…25, AMB-5, AMB-29).
//!
//! All-or-nothing (BOOT-17) over several event streams is done as
//! validate-everything-first: the series, conference and inventory streams are
//! loaded fresh (uncached), every command of the file is decided in order against
//! those private copies (each decision's events applied, so later commands see
//! earlier ones), and only when every decision succeeded are the commands sent for
//! real. A refusal names the table, index and field and writes nothing.
//!
//! What remains is the window between validation and writing: a concurrent writer
//! (an organizer editing the same conference at that moment) can make a later
//! command fail after earlier ones were written. Every command is an idempotent
//! upsert, so the error ([`BootstrapError::Interrupted`]) says so and running again
//! with `--update` finishes the job.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use cqrs_es::Aggregate;
use tessera_aggregates::activity::{Activity, ActivityCommand, ActivityDetails, ActivityType};
use tessera_aggregates::conference::{
    Conference, ConferenceCommand, ConferenceDetails, ConferenceError, Section,
};
use tessera_aggregates::inventory::{
    Addon, Inventory, InventoryCommand, InventoryError, TicketType,
};
use tessera_aggregates::series::{Series, SeriesError};
use tessera_aggregates::user::User;
use tessera_aggregates::{DomainServices, Timestamp, is_valid_slug};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::{BootstrapError, BootstrapPlan, ConferencePlan, load_plan, render_preview};
use crate::bus::{BusError, CommandBus};
use crate::ids::activity_id;
use crate::ids::{conference_id, inventory_id, series_id, user_id};
use crate::meta::CommandMeta;
use crate::provision::{ConferenceProvision, series_create};
use crate::server::{SystemClock, database_url, open_db};

/// The password of the `--seed-demo` users. SPEC BOOT-21 says "demo", but Tessera
/// refuses passwords shorter than [`crate::identity::MIN_PASSWORD_LEN`] (8).
pub const DEMO_PASSWORD: &str = "demo-password";

/// The `--seed-demo` users (BOOT-21); emails are `<name>@example.com`.
pub const DEMO_USERS: [&str; 5] = [
    "attendee_alice",
    "attendee_bob",
    "speaker_carol",
    "attendee_dave",
    "attendee_eve",
];

/// `tessera bootstrap --config FILE [--update] [--dry-run] [--seed-demo]
/// [--database-url URL]`. A refused file is an `Err` (the binary prints it and
/// exits non-zero).
pub async fn run_cli(
    config: &Path,
    update: bool,
    dry_run: bool,
    seed_demo: bool,
    database_url_flag: Option<String>,
) -> anyhow::Result<ExitCode> {
    // A `[series]` file with `[[years]]` (MY-21…26) is bootstrapped as a whole series.
    if let Ok(text) = std::fs::read_to_string(config)
        && let Some(file) = super::series_file::parse(&text)?
    {
        return super::series_file::run(config, &file, dry_run, database_url_flag).await;
    }
    let plan = load_plan(config)?;

    // BOOT-18: a dry run validates and previews; it wins over --update and
    // --seed-demo and never opens the database.
    if dry_run {
        check_plan(&plan, update)?;
        println!(
            "Dry run: {} is valid; nothing was written.",
            config.display()
        );
        let ignored: Vec<&str> = [("--update", update), ("--seed-demo", seed_demo)]
            .into_iter()
            .filter_map(|(flag, on)| on.then_some(flag))
            .collect();
        if !ignored.is_empty() {
            println!("Ignored with --dry-run: {}", ignored.join(", "));
        }
        print!("{}", render_preview(&plan));
        return Ok(ExitCode::SUCCESS);
    }

    let url = database_url(database_url_flag);
    let db = open_db(&url).await?;
    let bus = Arc::new(CommandBus::new(
        db,
        DomainServices::new(Arc::new(SystemClock)),
        None,
    ));
    let summary = execute(&bus, &plan, update).await?;
    print!("{}", summary.render(false));
    print!("{}", super::create_teams(&bus, &plan).await?);
    print!("{}", super::create_program(&bus, &plan).await?);
    print!("{}", super::create_talks(&bus, &plan).await?);
    if !plan.sponsors.is_empty() || !plan.sponsorship_tiers.is_empty() {
        let s = super::execute_sponsorships(&bus, &plan).await?;
        println!(
            "Sponsors: {} created, {} updated; sponsorship tiers: {} saved.",
            s.sponsors_created, s.sponsors_updated, s.tiers_saved
        );
    }

    // BOOT-19: after the bootstrap has committed, as a separate step.
    if seed_demo {
        let report = seed_demo_data(&bus, &plan).await?;
        print!("{}", report.text);
        print!("{}", super::seed_program(&bus, &plan).await?);
        print!("{}", super::seed_ratings(&bus, &plan).await?);
        let paid = report.orders.orders.len();
        if !run_process_managers(&bus, PROCESS_MANAGER_WAIT).await? {
            println!(
                "Follow-ups: not finished within {} s; the server's process managers finish \
                 them (sales confirmed, attendees registered) when it runs.",
                PROCESS_MANAGER_WAIT.as_secs()
            );
        } else if paid > 0 {
            println!(
                "Follow-ups: sales confirmed and attendees registered for the {paid} paid order(s)."
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How long `--seed-demo` waits for the process managers.
const PROCESS_MANAGER_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// BOOT-22, ATT-3: a payment's follow-ups (sale confirmed on the ledger, attendee
/// registered) are the process managers' (src/process/), whoever recorded it. The
/// server runs them in the background; this runs them up to the current log head,
/// so that the seeded attendees exist when the command exits even with no server
/// running. The checkpoint is shared and every reaction idempotent (src/reactor.rs),
/// so a server running meanwhile only repeats no-ops. True when they got there
/// within `wait`.
pub async fn run_process_managers(
    bus: &Arc<CommandBus>,
    wait: std::time::Duration,
) -> anyhow::Result<bool> {
    let head = bus.db().head().await?;
    let processes = Arc::new(crate::process::Processes::detached(bus.clone()));
    let reactor = crate::reactor::Reactor::load(bus.db().clone(), processes).await?;
    // The task ends with the process; stopping it between steps only repeats no-ops.
    let handle = reactor.spawn(Arc::new(tokio::sync::Notify::new()));
    Ok(handle.wait_for(head, wait).await)
}

/// Which part of the file a change belongs to (BOOT-25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Sections,
    Tickets,
    Addons,
    SponsorLevels,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Sections => "Sections",
            Category::Tickets => "Tickets",
            Category::Addons => "Add-ons",
            Category::SponsorLevels => "Sponsor levels",
        }
    }
}

/// What a command did to one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

/// Per-category counts (BOOT-25).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Counts {
    fn add(&mut self, change: Change) {
        match change {
            Change::Created => self.created += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

/// One section, ticket, add-on or sponsor level of the file, and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemChange {
    pub category: Category,
    pub slug: String,
    pub change: Change,
}

/// What a bootstrap did (or, from [`check_plan`], would do to an empty store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub conference_id: Uuid,
    pub slug: String,
    pub name: String,
    /// The series' slug.
    pub series: String,
    pub year: i32,
    pub series_created: bool,
    pub conference: Change,
    pub sections: Counts,
    pub tickets: Counts,
    pub addons: Counts,
    pub sponsor_levels: Counts,
    /// In file order: sections, sponsor levels, tickets, add-ons.
    pub items: Vec<ItemChange>,
    /// How many commands change something (each writes one or more events); all
    /// of them were sent when [`execute`] returns `Ok`.
    pub changes: usize,
    /// The newest log position written (None when nothing changed): send it as
    /// `X-Tessera-After` to read the result back.
    pub position: Option<i64>,
}

impl Summary {
    fn counts_mut(&mut self, category: Category) -> &mut Counts {
        match category {
            Category::Sections => &mut self.sections,
            Category::Tickets => &mut self.tickets,
            Category::Addons => &mut self.addons,
            Category::SponsorLevels => &mut self.sponsor_levels,
        }
    }

    pub fn counts(&self, category: Category) -> Counts {
        match category {
            Category::Sections => self.sections,
            Category::Tickets => self.tickets,
            Category::Addons => self.addons,
            Category::SponsorLevels => self.sponsor_levels,
        }
    }

    /// BOOT-25: per category the number created and updated; `verbose` also lists
    /// each item ("+" created, "~" updated).
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        let what = match self.conference {
            Change::Created => "Created",
            Change::Updated => "Updated",
            Change::Unchanged => "Unchanged:",
        };
        let _ = writeln!(
            out,
            "{what} conference '{}' ({}), series '{}', year {}.",
            self.slug, self.name, self.series, self.year
        );
        if self.series_created {
            let _ = writeln!(out, "Created series '{}'.", self.series);
        }
        for category in [
            Category::Sections,
            Category::Tickets,
            Category::Addons,
            Category::SponsorLevels,
        ] {
            let c = self.counts(category);
            let unchanged = if c.unchanged > 0 {
                format!(", {} unchanged", c.unchanged)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{:<15} {} created, {} updated{unchanged}",
                format!("{}:", category.label()),
                c.created,
                c.updated
            );
            if verbose {
                for item in self.items.iter().filter(|i| i.category == category) {
                    let mark = match item.change {
                        Change::Created => "+",
                        Change::Updated => "~",
                        Change::Unchanged => "=",
                    };
                    let _ = writeln!(out, "  {mark} {}", item.slug);
                }
            }
        }
        out
    }
}

/// Validates a plan without a database (`--dry-run`): slug formats and every
/// domain rule, decided against an empty store. In create mode an add-on
/// prerequisite that names no ticket of the file is an error (BOOT-16: a new
/// conference has no other tickets); with `--update` it may name a stored ticket
/// and is only noted in the preview.
pub fn check_plan(plan: &BootstrapPlan, update: bool) -> Result<Summary, BootstrapError> {
    let draft = Draft::build(
        plan,
        update,
        Stores::default(),
        Utc::now(),
        LenientRequires(update),
    )?;
    Ok(draft.summary)
}

/// Runs a plan against the store (BOOT-14…17, BOOT-25): validates everything
/// first, then writes. With `update` false an existing conference is refused.
pub async fn execute(
    bus: &CommandBus,
    plan: &BootstrapPlan,
    update: bool,
) -> Result<Summary, BootstrapError> {
    let c = &plan.conference;
    let cid = conference_id(&c.slug);
    let sid = series_id(&c.series_slug);
    let iid = inventory_id(cid);
    let stores = Stores {
        series: bus
            .load_fresh(&Series::stream(sid))
            .await
            .map_err(store_error)?,
        conference: bus
            .load_fresh(&Conference::stream(cid))
            .await
            .map_err(store_error)?,
        inventory: bus
            .load_fresh(&Inventory::stream(iid))
            .await
            .map_err(store_error)?,
    };
    let draft = Draft::build(
        plan,
        update,
        stores,
        bus.services().now(),
        LenientRequires(false),
    )?;
    draft.send(bus).await
}

fn store_error<E: std::error::Error>(e: BusError<E>) -> BootstrapError {
    BootstrapError::Store(e.to_string())
}

/// The streams a bootstrap writes to, as loaded.
#[derive(Default)]
struct Stores {
    series: Series,
    conference: Conference,
    inventory: Inventory,
}

/// Dry run with `--update`: add-on prerequisites naming tickets outside the file
/// cannot be checked without the store, so they are left out of the simulation.
#[derive(Clone, Copy)]
struct LenientRequires(bool);

enum Command {
    Series(tessera_aggregates::series::SeriesCommand),
    Conference(ConferenceCommand),
    Inventory(InventoryCommand),
}

struct Planned {
    command: Command,
    /// What the file calls this change (for an error while writing).
    label: String,
    /// Series creation is not about one conference (no conference_id metadata).
    conference_scoped: bool,
}

/// The commands of a plan, each already decided successfully against the state
/// the earlier ones leave.
struct Draft {
    now: Timestamp,
    stores: Stores,
    series_id: Uuid,
    conference_id: Uuid,
    inventory_id: Uuid,
    steps: Vec<Planned>,
    summary: Summary,
}

/// `conference.tickets[2]`.
fn item_label(key: &str, index: usize) -> String {
    format!("conference.{key}[{index}]")
}

/// The file field a conference refusal is about.
fn conference_field(e: &ConferenceError) -> Option<&'static str> {
    match e {
        ConferenceError::InvalidName => Some("name"),
        ConferenceError::InvalidTimezone => Some("timezone"),
        ConferenceError::InvalidSlug => Some("slug"),
        ConferenceError::InvalidYear => Some("year"),
        ConferenceError::NegativeAmount { field } => Some(field),
        ConferenceError::InvalidSection | ConferenceError::InvalidSponsorLevel => Some("name"),
        _ => None,
    }
}

fn inventory_field(e: &InventoryError) -> Option<&'static str> {
    match e {
        InventoryError::InvalidPrice => Some("price"),
        InventoryError::InvalidProduct => Some("name"),
        InventoryError::UnknownPrerequisites { .. } => Some("requires"),
        _ => None,
    }
}

fn series_field(e: &SeriesError) -> Option<&'static str> {
    match e {
        SeriesError::InvalidSlug | SeriesError::InvalidName | SeriesError::AlreadyExists => {
            Some("series")
        }
        SeriesError::InvalidYear
        | SeriesError::YearTaken { .. }
        | SeriesError::ConferenceAlreadyRegistered { .. } => Some("year"),
        _ => None,
    }
}

/// "<table>[.field]: <rule's message>".
fn refused(at: &str, field: Option<&str>, what: &str, e: &dyn std::fmt::Display) -> BootstrapError {
    let place = match field {
        Some(f) => format!("{at}.{f}"),
        None => at.to_string(),
    };
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" ({what})")
    };
    BootstrapError::Refused(format!("{place}{what}: {e}"))
}

/// Checks what the store requires of slugs beyond the file format: lowercase
/// letters, digits and hyphens (the slugs of the API, CONF-1).
fn check_slugs(plan: &BootstrapPlan) -> Result<(), BootstrapError> {
    let bad = |place: String, slug: &str| {
        BootstrapError::Invalid(format!(
            "{place} '{slug}' is not a valid slug: use lowercase letters, digits and hyphens, at most 200 characters"
        ))
    };
    if !is_valid_slug(&plan.conference.slug) {
        return Err(bad("conference.slug".into(), &plan.conference.slug));
    }
    if !is_valid_slug(&plan.conference.series_slug) {
        return Err(bad(
            "conference.series (slug)".into(),
            &plan.conference.series_slug,
        ));
    }
    let lists: [(&str, Vec<&str>); 4] = [
        (
            "sections",
            plan.sections.iter().map(|s| s.slug.as_str()).collect(),
        ),
        (
            "tickets",
            plan.tickets.iter().map(|t| t.slug.as_str()).collect(),
        ),
        (
            "addons",
            plan.addons.iter().map(|a| a.slug.as_str()).collect(),
        ),
        (
            "sponsor_levels",
            plan.sponsor_levels
                .iter()
                .map(|l| l.slug.as_str())
                .collect(),
        ),
    ];
    for (key, slugs) in lists {
        for (i, slug) in slugs.into_iter().enumerate() {
            if !is_valid_slug(slug) {
                return Err(bad(format!("{}.slug", item_label(key, i)), slug));
            }
        }
    }
    Ok(())
}

/// Writes the file's `[conference]` keys into `d`: every key when creating; with
/// `--update` only the keys the file gives (BOOT-15).
fn apply_conference_fields(d: &mut ConferenceDetails, c: &ConferencePlan, all: bool) {
    let has = |key: &str| all || c.is_provided(key);
    // name, start, end and timezone are required (BOOT-3).
    d.name = c.name.clone();
    d.start_date = c.start_date;
    d.end_date = c.end_date;
    d.timezone = c.timezone.clone();
    if has("venue") {
        d.venue = c.venue.clone().unwrap_or_default();
    }
    if has("website_url") {
        d.website_url = c.website_url.clone().unwrap_or_default();
    }
    if has("pretalx_event_slug") {
        d.pretalx_event_slug = c.pretalx_event_slug.clone().unwrap_or_default();
    }
    if has("total_capacity") {
        d.total_capacity = c.total_capacity;
    }
    if has("revenue_budget") {
        d.revenue_budget = c.revenue_budget;
    }
    if has("target_attendance") {
        d.target_attendance = c.target_attendance;
    }
    if has("grant_budget") {
        d.grant_budget = c.grant_budget;
    }
}

impl Draft {
    fn build(
        plan: &BootstrapPlan,
        update: bool,
        stores: Stores,
        now: Timestamp,
        lenient: LenientRequires,
    ) -> Result<Self, BootstrapError> {
        let c = &plan.conference;
        check_slugs(plan)?;
        if stores.conference.exists() && !update {
            return Err(BootstrapError::Exists {
                slug: c.slug.clone(),
            });
        }
        // BOOT-16: against the tickets the conference will have.
        let inventory = &stores.inventory;
        if !lenient.0 {
            plan.check_requires(|s| inventory.ticket_type(s).is_some())?;
        }

        let cid = conference_id(&c.slug);
        let mut draft = Draft {
            now,
            series_id: series_id(&c.series_slug),
            conference_id: cid,
            inventory_id: inventory_id(cid),
            steps: Vec::new(),
            summary: Summary {
                conference_id: cid,
                slug: c.slug.clone(),
                name: c.name.clone(),
                series: c.series_slug.clone(),
                year: c.year,
                series_created: false,
                conference: Change::Unchanged,
                sections: Counts::default(),
                tickets: Counts::default(),
                addons: Counts::default(),
                sponsor_levels: Counts::default(),
                items: Vec::new(),
                changes: 0,
                position: None,
            },
            stores,
        };

        if draft.stores.conference.exists() {
            draft.update_conference(c)?;
        } else {
            draft.create_conference(c)?;
        }

        for (i, s) in plan.sections.iter().enumerate() {
            let at = item_label("sections", i);
            let existed = draft.stores.conference.section(&s.slug).is_some();
            let section = Section {
                slug: s.slug.clone(),
                name: s.name.clone(),
                start_date: s.start_date,
                end_date: s.end_date,
                order: s.order,
            };
            let changed = draft.conference(
                ConferenceCommand::UpsertSection { section },
                &at,
                &format!("section '{}'", s.slug),
            )?;
            draft.record(Category::Sections, &s.slug, existed, changed);
        }

        // AMB-5: sponsor levels are created too.
        for (i, l) in plan.sponsor_levels.iter().enumerate() {
            let at = item_label("sponsor_levels", i);
            let current = draft.stores.conference.sponsor_level(&l.slug).cloned();
            let existed = current.is_some();
            let mut level = current.unwrap_or_default();
            level.slug = l.slug.clone();
            level.name = l.name.clone();
            if l.cost.is_some() {
                level.cost = l.cost;
            }
            level.comp_ticket_count = l.comp_ticket_count;
            level.order = l.order;
            let changed = draft.conference(
                ConferenceCommand::UpsertSponsorLevel { level },
                &at,
                &format!("sponsor level '{}'", l.slug),
            )?;
            draft.record(Category::SponsorLevels, &l.slug, existed, changed);
        }

        for (i, t) in plan.tickets.iter().enumerate() {
            let at = item_label("tickets", i);
            let current = draft.stores.inventory.ticket_type(&t.slug).cloned();
            let existed = current.is_some();
            // Fields the file does not know (description, is_active, bulk) keep
            // their stored value.
            let ticket = TicketType {
                slug: t.slug.clone(),
                name: t.name.clone(),
                price: t.price,
                total_quantity: t.quantity,
                limit_per_user: t.limit_per_user,
                requires_voucher: t.requires_voucher,
                available_from: t.available_from,
                available_until: t.available_until,
                order: t.order,
                ..current.unwrap_or_default()
            };
            let changed = draft.inventory(
                InventoryCommand::DefineTicketType { ticket },
                &at,
                &format!("ticket '{}'", t.slug),
            )?;
            draft.record(Category::Tickets, &t.slug, existed, changed);
        }

        for (i, a) in plan.addons.iter().enumerate() {
            let at = item_label("addons", i);
            let current = draft.stores.inventory.addon(&a.slug).cloned();
            let existed = current.is_some();
            let mut addon = Addon {
                slug: a.slug.clone(),
                name: a.name.clone(),
                price: a.price,
                total_quantity: a.quantity,
                available_from: a.available_from,
                available_until: a.available_until,
                order: a.order,
                ..current.unwrap_or_default()
            };
            // BOOT-16: a given `requires` replaces the set; an absent one keeps it.
            if let Some(requires) = &a.requires {
                addon.requires = requires.clone();
            }
            if lenient.0 {
                let inventory = &draft.stores.inventory;
                addon
                    .requires
                    .retain(|s| inventory.ticket_type(s).is_some());
            }
            let changed = draft.inventory(
                InventoryCommand::DefineAddon { addon },
                &at,
                &format!("add-on '{}'", a.slug),
            )?;
            draft.record(Category::Addons, &a.slug, existed, changed);
        }
        draft.summary.changes = draft.steps.len();
        Ok(draft)
    }

    /// BOOT-14 (and BOOT-15 when no conference matches): the series when missing,
    /// then the provisioning steps the API uses.
    fn create_conference(&mut self, c: &ConferencePlan) -> Result<(), BootstrapError> {
        if !self.stores.series.exists() {
            let (_, create) = series_create(&c.series_slug, &c.series_name);
            self.series(
                create,
                "conference",
                &format!("series '{}'", c.series_slug),
                false,
            )?;
            self.summary.series_created = true;
        }
        let mut details = ConferenceDetails::default();
        apply_conference_fields(&mut details, c, true);
        let steps = ConferenceProvision::new(&c.series_slug, &c.slug, c.year, details);
        self.series(
            steps.register,
            "conference",
            &format!("series '{}', year {}", c.series_slug, c.year),
            true,
        )?;
        self.conference(steps.create, "conference", "")?;
        self.inventory(steps.open, "conference", "sales ledger")?;
        self.inventory(steps.capacity, "conference", "total_capacity")?;
        self.summary.conference = Change::Created;
        Ok(())
    }

    /// BOOT-15: the provided fields overwrite the stored ones. The series and the
    /// year of an existing conference are fixed (CONF-11, AMB-29).
    fn update_conference(&mut self, c: &ConferencePlan) -> Result<(), BootstrapError> {
        let stored_series = self.stores.conference.series_slug().to_string();
        let stored_year = self.stores.conference.year();
        if c.is_provided("series") && c.series_slug != stored_series {
            return Err(BootstrapError::Invalid(format!(
                "conference.series: conference '{}' belongs to series '{stored_series}'; \
                 the series of an existing conference cannot be changed (got '{}')",
                c.slug, c.series_slug
            )));
        }
        if c.is_provided("year") && c.year != stored_year {
            return Err(BootstrapError::Invalid(format!(
                "conference.year: conference '{}' is registered for {stored_year}; \
                 the year of an existing conference cannot be changed (got {})",
                c.slug, c.year
            )));
        }
        self.summary.series = stored_series;
        self.summary.year = stored_year;
        self.series_id = self.stores.conference.series_id();

        let mut details = self.stores.conference.details().clone();
        apply_conference_fields(&mut details, c, false);
        let total_capacity = details.total_capacity;
        let changed = self.conference(
            ConferenceCommand::UpdateDetails { details },
            "conference",
            "",
        )?;
        self.summary.conference = if changed {
            Change::Updated
        } else {
            Change::Unchanged
        };
        if !self.stores.inventory.exists() {
            // Only after an interrupted creation: finish it.
            self.inventory(
                InventoryCommand::Open {
                    conference_id: self.conference_id,
                },
                "conference",
                "sales ledger",
            )?;
        }
        // The Inventory enforces the venue capacity (CAT-14): keep it in step.
        self.inventory(
            InventoryCommand::SetCapacity { total_capacity },
            "conference",
            "total_capacity",
        )?;
        Ok(())
    }

    fn record(&mut self, category: Category, slug: &str, existed: bool, changed: bool) {
        let change = match (changed, existed) {
            (false, _) => Change::Unchanged,
            (true, true) => Change::Updated,
            (true, false) => Change::Created,
        };
        self.summary.counts_mut(category).add(change);
        self.summary.items.push(ItemChange {
            category,
            slug: slug.to_string(),
            change,
        });
    }

    fn push(&mut self, command: Command, at: &str, what: &str, conference_scoped: bool) {
        let label = if what.is_empty() {
            at.to_string()
        } else {
            format!("{at} ({what})")
        };
        self.steps.push(Planned {
            command,
            label,
            conference_scoped,
        });
    }

    /// Decides `cmd` on the series copy; true when it changes something.
    fn series(
        &mut self,
        cmd: tessera_aggregates::series::SeriesCommand,
        at: &str,
        what: &str,
        conference_scoped: bool,
    ) -> Result<bool, BootstrapError> {
        let events = self
            .stores
            .series
            .decide(cmd.clone(), self.now)
            .map_err(|e| refused(at, series_field(&e), what, &e))?;
        let changed = !events.is_empty();
        for e in events {
            self.stores.series.apply(e);
        }
        if changed {
            self.push(Command::Series(cmd), at, what, conference_scoped);
        }
        Ok(changed)
    }

    fn conference(
        &mut self,
        cmd: ConferenceCommand,
        at: &str,
        what: &str,
    ) -> Result<bool, BootstrapError> {
        let events = self
            .stores
            .conference
            .decide(cmd.clone(), self.now)
            .map_err(|e| refused(at, conference_field(&e), what, &e))?;
        let changed = !events.is_empty();
        for e in events {
            self.stores.conference.apply(e);
        }
        if changed {
            self.push(Command::Conference(cmd), at, what, true);
        }
        Ok(changed)
    }

    fn inventory(
        &mut self,
        cmd: InventoryCommand,
        at: &str,
        what: &str,
    ) -> Result<bool, BootstrapError> {
        let events = self
            .stores
            .inventory
            .decide(cmd.clone(), self.now)
            .map_err(|e| refused(at, inventory_field(&e), what, &e))?;
        let changed = !events.is_empty();
        for e in events {
            self.stores.inventory.apply(e);
        }
        if changed {
            self.push(Command::Inventory(cmd), at, what, true);
        }
        Ok(changed)
    }

    /// Every decision succeeded: send the commands for real, in order.
    async fn send(self, bus: &CommandBus) -> Result<Summary, BootstrapError> {
        let system = CommandMeta::system();
        let scoped = system.for_conf(Some(self.conference_id));
        let unscoped = system.for_conf(None);
        let (sid, cid, iid) = (
            self.series_id.to_string(),
            self.conference_id.to_string(),
            self.inventory_id.to_string(),
        );
        let total = self.steps.len();
        let mut summary = self.summary;
        for (written, step) in self.steps.into_iter().enumerate() {
            let meta = if step.conference_scoped {
                &scoped
            } else {
                &unscoped
            };
            let sent = match step.command {
                Command::Series(cmd) => bus
                    .send(&Series::stream(&sid), cmd, meta)
                    .await
                    .map_err(|e| e.to_string()),
                Command::Conference(cmd) => bus
                    .send(&Conference::stream(&cid), cmd, meta)
                    .await
                    .map_err(|e| e.to_string()),
                Command::Inventory(cmd) => bus
                    .send(&Inventory::stream(&iid), cmd, meta)
                    .await
                    .map_err(|e| e.to_string()),
            };
            match sent {
                Ok(sent) => {
                    summary.position = summary.position.max(sent.position);
                }
                Err(detail) if written == 0 => {
                    return Err(BootstrapError::Store(format!("{}: {detail}", step.label)));
                }
                Err(detail) => {
                    return Err(BootstrapError::Interrupted {
                        written,
                        total,
                        detail: format!("{}: {detail}", step.label),
                    });
                }
            }
        }
        Ok(summary)
    }
}

// ---------------------------------------------------------------------------
// --seed-demo (BOOT-19…24)

/// What `--seed-demo` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub users_created: usize,
    pub users_existing: usize,
    /// True when the conference already had activities (BOOT-19: skipped).
    pub activities_skipped: bool,
    pub activities_created: usize,
    pub signups: usize,
    /// BOOT-22: the orders placed and paid, and whether Bob's cart was seeded.
    pub orders: super::OrdersSeeded,
    /// BOOT-23: discount conditions defined.
    pub conditions_created: usize,
    /// The lines printed.
    pub text: String,
}

/// One demo activity (BOOT-24).
struct DemoActivity {
    name: &'static str,
    kind: ActivityType,
    max: Option<u32>,
    description: &'static str,
    location: &'static str,
    /// Day offset from the conference's start, local start and end hour.
    day: i64,
    hours: (u32, u32),
    /// Demo users who sign up.
    signups: &'static [&'static str],
}

const DEMO_ACTIVITIES: [DemoActivity; 4] = [
    DemoActivity {
        name: "Django Sprint",
        kind: ActivityType::Sprint,
        max: Some(50),
        description: "Contribute to Django with the help of core developers.",
        location: "Sprint Room A",
        day: 3,
        hours: (9, 17),
        signups: &["attendee_alice", "attendee_bob"],
    },
    DemoActivity {
        name: "Newcomer Orientation",
        kind: ActivityType::Other,
        max: None,
        description: "First time here? Meet other newcomers and learn your way around.",
        location: "Main Hall",
        day: 0,
        hours: (8, 9),
        signups: &["attendee_dave", "attendee_eve"],
    },
    DemoActivity {
        name: "Open Source Workshop",
        kind: ActivityType::Workshop,
        max: Some(30),
        description: "Make your first open source contribution, step by step.",
        location: "Room 101",
        day: 1,
        hours: (13, 15),
        signups: &["attendee_alice"],
    },
    DemoActivity {
        name: "Lightning Talks",
        kind: ActivityType::LightningTalk,
        max: None,
        description: "Five minutes, any topic.",
        location: "Main Hall",
        day: 1,
        hours: (17, 18),
        signups: &["speaker_carol"],
    },
];

/// `<name>@example.com`.
pub fn demo_email(name: &str) -> String {
    format!("{name}@example.com")
}

fn local_time(tz: &str, date: NaiveDate, hour: u32) -> Option<DateTime<Utc>> {
    let tz: chrono_tz::Tz = tz.parse().ok()?;
    let local = date.and_time(NaiveTime::from_hms_opt(hour, 0, 0)?);
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// BOOT-20: the four demo vouchers, printed; skipped when the conference has
/// vouchers already (BOOT-19).
async fn seed_vouchers(bus: &CommandBus, cid: Uuid, out: &mut String) -> anyhow::Result<()> {
    use tessera_aggregates::inventory::{Inventory, InventoryCommand};
    use tessera_aggregates::pricing::{ProductScope, Scope, Voucher, VoucherKind};
    let ledger = Inventory::stream(inventory_id(cid));
    let now = bus.services().now();
    let has_vouchers = bus
        .inspect(&ledger, |inv| !inv.vouchers(now).is_empty())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if has_vouchers {
        let _ = writeln!(
            out,
            "Vouchers: skipped, the conference already has vouchers."
        );
        return Ok(());
    }
    let only = |slug: &str| ProductScope {
        tickets: Scope::Listed(vec![slug.to_string()]),
        addons: Scope::None,
    };
    let specs: [(&str, VoucherKind, i64, u32, bool, ProductScope); 4] = [
        ("SPKR-", VoucherKind::Comp, 0, 200, true, only("speaker")),
        ("STU-", VoucherKind::Comp, 0, 500, true, only("student")),
        (
            "EARLY-",
            VoucherKind::Percentage,
            20,
            100,
            false,
            ProductScope::all(),
        ),
        (
            "SAVE25-",
            VoucherKind::FixedAmount,
            25,
            50,
            false,
            ProductScope::all(),
        ),
    ];
    let meta = CommandMeta::system().for_conf(Some(cid));
    let mut codes = vec![];
    for (prefix, kind, value, max_uses, unlocks_hidden, scope) in specs {
        let mut voucher = Voucher::new(crate::codes::random_code(prefix, 8));
        voucher.kind = kind;
        voucher.value = rust_decimal::Decimal::from(value);
        voucher.max_uses = max_uses;
        voucher.unlocks_hidden = unlocks_hidden;
        voucher.scope = scope;
        codes.push(voucher.code.clone());
        bus.send(&ledger, InventoryCommand::CreateVoucher { voucher }, &meta)
            .await
            .map_err(|e| anyhow::anyhow!("voucher {prefix}: {e}"))?;
    }
    let _ = writeln!(out, "Vouchers: 4 created: {}.", codes.join(", "));
    Ok(())
}

/// BOOT-22 (the credit part): $25.00 of spendable store credit for Alice; skipped
/// when the conference has credits already.
async fn seed_credit(
    bus: &CommandBus,
    cid: Uuid,
    history: &[tessera_replay::RawEvent],
    out: &mut String,
) -> anyhow::Result<()> {
    use tessera_aggregates::credit::{Credit, CreditCommand, CreditSource, IssuedCredit};
    if history
        .iter()
        .any(|e| e.aggregate_type == <Credit as Aggregate>::TYPE)
    {
        let _ = writeln!(
            out,
            "Store credit: skipped, the conference already has credits."
        );
        return Ok(());
    }
    let alice = user_id(&demo_email("attendee_alice"));
    let credit_id = tessera_aggregates::natural_id("demo-credit", &cid.to_string());
    bus.send(
        &Credit::stream(credit_id),
        CreditCommand::Issue(IssuedCredit {
            credit_id,
            conference_id: cid,
            user: alice,
            amount: rust_decimal::Decimal::new(2500, 2),
            spendable: true,
            source: CreditSource::Manual {
                note: "Demo credit (bootstrap --seed-demo)".into(),
            },
            at: bus.services().now(),
        }),
        &CommandMeta::system().for_conf(Some(cid)),
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo credit: {e}"))?;
    let _ = writeln!(
        out,
        "Store credit: $25.00 for {}.",
        demo_email("attendee_alice")
    );
    Ok(())
}

/// BOOT-19…24, for the capabilities Tessera has: the demo users (created only if
/// absent), the demo activities with a few signups (skipped when the conference
/// already has activities), vouchers, Alice's credit, the paid demo orders and
/// Bob's open cart (BOOT-22) and the discount conditions (BOOT-23), each created
/// only if absent. Runs after the bootstrap committed; not all-or-nothing with it.
/// The paid orders' attendees come from the process managers
/// ([`run_process_managers`]).
pub async fn seed_demo_data(bus: &CommandBus, plan: &BootstrapPlan) -> anyhow::Result<SeedReport> {
    let personal = crate::personal::PersonalData::for_cli(bus.db()).await?;
    let c = &plan.conference;
    let cid = conference_id(&c.slug);
    let mut report = SeedReport::default();
    let mut out = String::new();
    let _ = writeln!(out, "Seeding demo data for '{}':", c.slug);

    // BOOT-21: users.
    for name in DEMO_USERS {
        let email = demo_email(name);
        let exists = bus
            .inspect(&User::stream(user_id(&email)), |u| u.exists())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if exists {
            report.users_existing += 1;
        } else {
            crate::process::accounts::create_user_with(
                bus,
                &personal,
                &email,
                DEMO_PASSWORD,
                name,
                false,
            )
            .await?;
            report.users_created += 1;
        }
    }
    let _ = writeln!(
        out,
        "Users: {} created, {} already present ({}; password \"{DEMO_PASSWORD}\").",
        report.users_created,
        report.users_existing,
        DEMO_USERS
            .iter()
            .map(|n| demo_email(n))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "  Note: the password is \"{DEMO_PASSWORD}\", not \"demo\" (BOOT-21): passwords need at least {} characters. \
         Tessera has no staff flag; grant conference roles to give a demo user access.",
        crate::identity::MIN_PASSWORD_LEN
    );

    // BOOT-24: activities, unless the conference has some already.
    let history = tessera_replay::log::conference_history(bus.db(), &cid.to_string()).await?;
    report.activities_skipped = history
        .iter()
        .any(|e| e.aggregate_type == <Activity as Aggregate>::TYPE);
    if report.activities_skipped {
        let _ = writeln!(
            out,
            "Activities: skipped, the conference already has activities."
        );
    } else {
        let system = CommandMeta::system().for_conf(Some(cid));
        for demo in &DEMO_ACTIVITIES {
            let slug = super::slugify(demo.name);
            let id = Activity::stream(activity_id(cid, &slug));
            let day = c.start_date + chrono::Duration::days(demo.day);
            let day = if day > c.end_date { c.end_date } else { day };
            let details = ActivityDetails {
                name: demo.name.to_string(),
                activity_type: demo.kind,
                description: demo.description.to_string(),
                location: demo.location.to_string(),
                start_time: local_time(&c.timezone, day, demo.hours.0),
                end_time: local_time(&c.timezone, day, demo.hours.1),
                max_participants: demo.max,
                is_active: true,
                ..Default::default()
            };
            bus.send(
                &id,
                ActivityCommand::Create {
                    conference_id: cid,
                    slug: slug.clone(),
                    details,
                },
                &system,
            )
            .await
            .map_err(|e| anyhow::anyhow!("activity '{slug}': {e}"))?;
            report.activities_created += 1;
            for user in demo.signups {
                let uid = user_id(&demo_email(user));
                let meta = EventMeta {
                    actor: uid.to_string(),
                    ..system.clone()
                };
                bus.send(
                    &id,
                    ActivityCommand::SignUp {
                        user: uid,
                        note: String::new(),
                    },
                    &meta,
                )
                .await
                .map_err(|e| anyhow::anyhow!("signup of {user} to '{slug}': {e}"))?;
                report.signups += 1;
            }
        }
        let _ = writeln!(
            out,
            "Activities: {} created ({}), {} signups by demo users.",
            report.activities_created,
            DEMO_ACTIVITIES
                .iter()
                .map(|a| a.name)
                .collect::<Vec<_>>()
                .join(", "),
            report.signups
        );
    }

    seed_vouchers(bus, cid, &mut out).await?;
    seed_credit(bus, cid, &history, &mut out).await?;
    // BOOT-22 after the vouchers (Carol's comp uses a speaker voucher); BOOT-23
    // after the orders, so the demo orders are at list price.
    report.orders = super::demo_orders::seed_orders_and_cart(
        bus,
        cid,
        &history,
        super::SeedTimes::from_service_config(),
        &mut out,
    )
    .await?;
    report.conditions_created = super::demo_conditions::seed_conditions(bus, cid, &mut out).await?;
    super::seed_volunteers(bus, plan, &mut out).await?;
    // BOOT-24's travel grants; deals and donations on the file's tiers.
    super::seed_grants(bus, plan, &mut out).await?;
    super::seed_letters(bus, plan, &mut out).await?;
    super::seed_fundraising(bus, plan, &mut out).await?;
    report.text = out;
    Ok(report)
}
