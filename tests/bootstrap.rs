//! `tessera bootstrap` end to end (SPEC BOOT-*, AMB-5, AMB-29), on SQLite and
//! PostgreSQL: the real binary against the test database, read back through the API.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::{Value, json};
use tessera::bootstrap::{BootstrapError, execute, parse_plan};
use tessera_replay::Db;

const SLUG: &str = "pycon-us-2027";

/// The documented configuration example, fleshed out: a hidden
/// speaker ticket, a second add-on without prerequisites, two sponsor levels.
const CONFERENCE: &str = r#"
[conference]
name = "PyCon US 2027"
start = 2027-05-14
end = 2027-05-22
timezone = "America/New_York"
venue = "Convention Center"
pretalx_event_slug = "pycon-us"
website_url = "https://us.pycon.org/2027/"
total_capacity = 2500

[[conference.sections]]
name = "Tutorials"
start = 2027-05-14
end = 2027-05-15

[[conference.sections]]
name = "Talks"
slug = "main-conference"
start = 2027-05-16
end = 2027-05-18

[[conference.sections]]
name = "Sprints"
start = 2027-05-19
end = 2027-05-22

[[conference.tickets]]
name = "Individual"
price = 100.00
quantity = 2500
per_user = 1
available = { opens = 2025-01-15, closes = 2027-05-13 }

[[conference.tickets]]
name = "Corporate"
price = 450.00
quantity = 500
per_user = 5

[[conference.tickets]]
name = "Speaker"
price = 0
quantity = 300
per_user = 1
voucher_required = true

[[conference.addons]]
name = "Tutorial: Intro to Django"
price = 150.00
quantity = 40
requires = ["individual", "corporate"]

[[conference.addons]]
slug = "pycon-t-shirt"
name = "PyCon T-Shirt"
price = 25.00

[[conference.sponsor_levels]]
name = "Visionary"
cost = 150_000.00
comp_tickets = 25

[[conference.sponsor_levels]]
name = "Community"
comp_tickets = 2
"#;

/// A temporary directory with conference files in it.
struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("tempdir"))
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).expect("write config");
        path
    }
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `tessera bootstrap --config <path> --database-url <app.url> <flags…>`.
fn bootstrap(app: &TestApp, path: &Path, flags: &[&str]) -> Run {
    let path = path.to_string_lossy().into_owned();
    let mut args = vec![
        "bootstrap",
        "--config",
        path.as_str(),
        "--database-url",
        app.url.as_str(),
    ];
    args.extend_from_slice(flags);
    let out: Output = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(&args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run tessera");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn head(db: &Db) -> i64 {
    db.head().await.expect("head")
}

/// `GET /api/v1/conferences/{slug}` once the read models reached the log head.
async fn conference(app: &TestApp) -> Value {
    let position = head(&app.app.db).await;
    let r = app
        .get(&format!("/api/v1/conferences/{SLUG}"))
        .after(Some(position))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

fn slugs(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|v| v["slug"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn find<'a>(list: &'a Value, slug: &str) -> &'a Value {
    list.as_array()
        .into_iter()
        .flatten()
        .find(|v| v["slug"] == slug)
        .unwrap_or_else(|| panic!("no '{slug}' in {list}"))
}

/// BOOT-14, BOOT-25, AMB-5, AMB-29: a realistic file creates the series, the
/// conference, its sections, tickets, add-ons with prerequisites and sponsor levels;
/// the public view hides the voucher-only ticket (CAT-5). The same file again,
/// without --update, is refused with the BOOT-14 message and changes nothing.
async fn boot_14_creates_a_conference_then_refuses_it_again(b: Backend) {
    let app = TestApp::start(b).await;
    let files = Files::new();
    let path = files.write("conference.toml", CONFERENCE);

    let run = bootstrap(&app, &path, &[]);
    assert!(run.ok, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "Created conference 'pycon-us-2027' (PyCon US 2027), series 'pycon-us', year 2027."
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Created series 'pycon-us'."),
        "{}",
        run.stdout
    );
    for line in [
        "Sections:       3 created, 0 updated",
        "Tickets:        3 created, 0 updated",
        "Add-ons:        2 created, 0 updated",
        "Sponsor levels: 2 created, 0 updated",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in {}",
            run.stdout
        );
    }

    let view = conference(&app).await;
    assert_eq!(view["series"], "pycon-us");
    assert_eq!(view["year"], 2027);
    assert_eq!(view["details"]["name"], "PyCon US 2027");
    assert_eq!(view["details"]["start_date"], "2027-05-14");
    assert_eq!(view["details"]["end_date"], "2027-05-22");
    assert_eq!(view["details"]["timezone"], "America/New_York");
    assert_eq!(view["details"]["venue"], "Convention Center");
    assert_eq!(view["details"]["website_url"], "https://us.pycon.org/2027/");
    assert_eq!(view["details"]["pretalx_event_slug"], "pycon-us");
    assert_eq!(view["details"]["total_capacity"], 2500);
    assert_eq!(
        slugs(&view["sections"]),
        ["tutorials", "main-conference", "sprints"]
    );
    // CAT-5: the voucher-only speaker ticket is not public.
    assert_eq!(slugs(&view["ticket_types"]), ["individual", "corporate"]);
    let individual = find(&view["ticket_types"], "individual");
    assert_eq!(individual["price"], "100.00");
    assert_eq!(individual["total_quantity"], 2500);
    assert_eq!(individual["limit_per_user"], 1);
    // BOOT-12: opens at 00:00 and closes at 23:59:59 New York time.
    assert_eq!(individual["available_from"], "2025-01-15T05:00:00Z");
    assert_eq!(individual["available_until"], "2027-05-14T03:59:59Z");
    assert_eq!(
        slugs(&view["addons"]),
        ["tutorial-intro-to-django", "pycon-t-shirt"]
    );
    let tutorial = find(&view["addons"], "tutorial-intro-to-django");
    assert_eq!(tutorial["price"], "150.00");
    assert_eq!(tutorial["total_quantity"], 40);
    assert_eq!(tutorial["requires"], json!(["corporate", "individual"]));
    assert_eq!(
        find(&view["addons"], "pycon-t-shirt")["requires"],
        json!([])
    );
    // AMB-5: sponsor levels with their comp ticket counts.
    let visionary = find(&view["sponsor_levels"], "visionary");
    assert_eq!(visionary["comp_ticket_count"], 25);
    assert_eq!(visionary["cost"], "150000.00");
    assert_eq!(
        find(&view["sponsor_levels"], "community")["comp_ticket_count"],
        2
    );

    // BOOT-14: the same file again is refused and writes nothing.
    let before = head(&app.app.db).await;
    let again = bootstrap(&app, &path, &[]);
    assert!(!again.ok, "{}", again.stdout);
    assert!(
        again.stderr.contains(
            "Conference with slug 'pycon-us-2027' already exists. Use --update to update it."
        ),
        "{}",
        again.stderr
    );
    assert_eq!(head(&app.app.db).await, before);
    app.finish().await;
}

/// BOOT-15/16/25: --update overwrites the provided fields (an absent key keeps its
/// value), updates a changed ticket, adds a new one, leaves what the file omits,
/// and resolves an add-on prerequisite against a ticket the store already has.
async fn boot_15_update_changes_a_price_and_adds_a_ticket(b: Backend) {
    let app = TestApp::start(b).await;
    let files = Files::new();
    let first = bootstrap(&app, &files.write("conference.toml", CONFERENCE), &[]);
    assert!(first.ok, "{}", first.stderr);

    let update = r#"
[conference]
name = "PyCon US 2027"
start = 2027-05-14
end = 2027-05-23
timezone = "America/New_York"
total_capacity = 3000

[[conference.sections]]
name = "Tutorials"
start = 2027-05-14
end = 2027-05-15

[[conference.tickets]]
name = "Individual"
price = 125.00
quantity = 2500
per_user = 1
available = { opens = 2025-01-15, closes = 2027-05-13 }

[[conference.tickets]]
name = "Student"
price = 25.00
quantity = 200
per_user = 1

[[conference.addons]]
name = "Tutorial: Intro to Django"
price = 150.00
quantity = 40
requires = ["corporate", "student"]
"#;
    let path = files.write("update.toml", update);
    let run = bootstrap(&app, &path, &["--update"]);
    assert!(run.ok, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Updated conference 'pycon-us-2027'"),
        "{}",
        run.stdout
    );
    for line in [
        "Sections:       0 created, 0 updated, 1 unchanged",
        "Tickets:        1 created, 1 updated",
        "Add-ons:        0 created, 1 updated",
        "Sponsor levels: 0 created, 0 updated",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in {}",
            run.stdout
        );
    }

    let view = conference(&app).await;
    assert_eq!(view["details"]["end_date"], "2027-05-23");
    assert_eq!(view["details"]["total_capacity"], 3000);
    // Not in the file: kept.
    assert_eq!(view["details"]["venue"], "Convention Center");
    assert_eq!(view["details"]["website_url"], "https://us.pycon.org/2027/");
    // Nothing is deleted.
    assert_eq!(
        slugs(&view["sections"]),
        ["tutorials", "main-conference", "sprints"]
    );
    assert_eq!(
        slugs(&view["ticket_types"]),
        ["individual", "corporate", "student"]
    );
    assert_eq!(find(&view["ticket_types"], "individual")["price"], "125.00");
    assert_eq!(find(&view["ticket_types"], "corporate")["price"], "450.00");
    assert_eq!(find(&view["ticket_types"], "student")["price"], "25.00");
    // BOOT-16: the listed set replaces the prerequisites; "corporate" is only in the store.
    assert_eq!(
        find(&view["addons"], "tutorial-intro-to-django")["requires"],
        json!(["corporate", "student"])
    );
    assert_eq!(slugs(&view["sponsor_levels"]), ["visionary", "community"]);

    // The same update again changes nothing.
    let before = head(&app.app.db).await;
    let again = bootstrap(&app, &path, &["--update"]);
    assert!(again.ok, "{}", again.stderr);
    assert!(
        again.stdout.contains("Unchanged: conference"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("Tickets:        0 created, 0 updated, 2 unchanged"),
        "{}",
        again.stdout
    );
    assert_eq!(head(&app.app.db).await, before);

    // --update on a conference that does not exist yet creates it.
    let other = CONFERENCE
        .replace("PyCon US 2027", "PyCon US 2028")
        .replace("2027-05-", "2028-05-");
    let run = bootstrap(&app, &files.write("next.toml", &other), &["--update"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "Created conference 'pycon-us-2028' (PyCon US 2028), series 'pycon-us', year 2028."
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Created series"), "{}", run.stdout);
    app.finish().await;
}

/// BOOT-16: with --update, a prerequisite that names no ticket of the file nor of
/// the store is refused with the SPEC message, and nothing is written.
async fn boot_16_unknown_prerequisite_is_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let files = Files::new();
    let first = bootstrap(&app, &files.write("conference.toml", CONFERENCE), &[]);
    assert!(first.ok, "{}", first.stderr);
    let before = head(&app.app.db).await;

    let text = CONFERENCE
        .replace("price = 100.00", "price = 110.00")
        .replace(
            "requires = [\"individual\", \"corporate\"]",
            "requires = [\"individual\", \"vip\", \"gold\"]",
        );
    let run = bootstrap(&app, &files.write("bad.toml", &text), &["--update"]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "Add-on 'tutorial-intro-to-django' references unknown required ticket slug(s): gold, vip"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(head(&app.app.db).await, before);
    let view = conference(&app).await;
    assert_eq!(find(&view["ticket_types"], "individual")["price"], "100.00");
    app.finish().await;
}

/// BOOT-17: a plan that passes the file checks but that a domain rule refuses
/// late (after the series, conference, sections and tickets were decided) writes
/// nothing at all; the error names the table, index and field.
async fn boot_17_a_refused_plan_writes_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let bus = &app.app.bus;
    let base = parse_plan(CONFERENCE, "conference.toml").expect("plan");
    let before = head(&app.app.db).await;

    // A ticket price the aggregate refuses.
    let mut plan = base.clone();
    plan.tickets[1].price = rust_decimal::Decimal::new(-1, 0);
    let err = execute(bus, &plan, false).await.expect_err("refused");
    assert_eq!(
        err.to_string(),
        "conference.tickets[1].price (ticket 'corporate'): \
         Price must be between 0.00 and 99999999.99, with at most 2 decimal places."
    );
    assert_eq!(err.code(), "boot.refused");
    assert_eq!(head(&app.app.db).await, before);

    // The last command of the file, an add-on, names an unknown prerequisite.
    let mut plan = base.clone();
    plan.addons[1].requires = Some(vec!["nope".to_string()]);
    let err = execute(bus, &plan, false).await.expect_err("refused");
    assert_eq!(
        err.to_string(),
        "conference.addons[1].requires (add-on 'pycon-t-shirt'): \
         Add-on 'pycon-t-shirt' references unknown required ticket slug(s): nope"
    );
    assert_eq!(head(&app.app.db).await, before);

    // Through the binary: a name the conference refuses (after the series steps).
    let files = Files::new();
    let long = "x".repeat(201);
    let text = CONFERENCE.replace(
        "name = \"PyCon US 2027\"",
        &format!("name = \"{long}\"\nslug = \"{SLUG}\"\nseries = \"PyCon US\""),
    );
    let run = bootstrap(&app, &files.write("long.toml", &text), &[]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "conference.name: Conference name must not be blank and must have at most 200 characters."
        ),
        "{}",
        run.stderr
    );
    assert_eq!(head(&app.app.db).await, before);
    let r = app.get(&format!("/api/v1/conferences/{SLUG}")).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The unmodified plan then goes through, from the same state.
    let summary = execute(bus, &base, false).await.expect("bootstrap");
    assert_eq!(summary.tickets.created, 3);
    assert!(summary.position.is_some());
    let again = execute(bus, &base, false).await.expect_err("exists");
    assert_eq!(
        again,
        BootstrapError::Exists {
            slug: SLUG.to_string()
        }
    );

    // AMB-29: another conference for the same year of the series is refused by
    // the Series, before anything is written.
    let before = head(&app.app.db).await;
    let mut twin = base.clone();
    twin.conference.slug = "pycon-us-2027-twin".to_string();
    let err = execute(bus, &twin, false).await.expect_err("year taken");
    assert_eq!(
        err.to_string(),
        "conference.year (series 'pycon-us', year 2027): \
         A conference for year 2027 already exists in this series."
    );
    assert_eq!(head(&app.app.db).await, before);
    app.finish().await;
}

/// BOOT-18: --dry-run validates and prints the preview, writes nothing, and wins
/// over --update and --seed-demo.
async fn boot_18_dry_run_previews_and_writes_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let files = Files::new();
    let path = files.write("conference.toml", CONFERENCE);
    let before = head(&app.app.db).await;
    let run = bootstrap(&app, &path, &["--dry-run", "--update", "--seed-demo"]);
    assert!(run.ok, "{}", run.stderr);
    for line in [
        "nothing was written",
        "Ignored with --dry-run: --update, --seed-demo",
        "Conference: PyCon US 2027",
        "  Slug:     pycon-us-2027",
        "  Dates:    2027-05-14 to 2027-05-22",
        "  Timezone: America/New_York",
        "  Venue:    Convention Center",
        "  Website:  https://us.pycon.org/2027/",
        "Sections (3):",
        "Tickets (3):",
        "  - speaker: Speaker, price 0.00, quantity 300, per user 1, voucher required",
        "Add-ons (2):",
        "Sponsor levels (2):",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in {}",
            run.stdout
        );
    }
    assert_eq!(head(&app.app.db).await, before);
    let r = app.get(&format!("/api/v1/conferences/{SLUG}")).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A dry run also applies the domain's rules.
    let text = CONFERENCE.replace("slug = \"main-conference\"", "slug = \"Main Conference\"");
    let run = bootstrap(&app, &files.write("bad.toml", &text), &["--dry-run"]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("conference.sections[1].slug 'Main Conference' is not a valid slug"),
        "{}",
        run.stderr
    );
    app.finish().await;
}

/// BOOT-1/3/7/10: a bad file prints the error naming the table, index and field,
/// exits non-zero and writes nothing.
async fn boot_1_bad_files_are_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let files = Files::new();
    let before = head(&app.app.db).await;
    let cases: Vec<(String, String)> = vec![
        (
            CONFERENCE.replace("price = 450.00\nquantity = 500\n", "price = 450.00\n"),
            "conference.tickets[1] is missing required field: quantity".into(),
        ),
        (
            CONFERENCE.replace("timezone = \"America/New_York\"\n", ""),
            "conference is missing required fields: timezone".into(),
        ),
        (
            CONFERENCE.replace("start = 2027-05-16", "start = \"2027-05-16\""),
            "conference.sections[1].start must be a TOML date".into(),
        ),
        (
            "title = \"no conference\"\n".into(),
            "Missing required [conference] table in config file".into(),
        ),
        ("[conference\n".into(), "Invalid TOML in".into()),
    ];
    for (i, (text, message)) in cases.into_iter().enumerate() {
        let path = files.write(&format!("bad{i}.toml"), &text);
        let run = bootstrap(&app, &path, &[]);
        assert!(!run.ok, "case {i}: {}", run.stdout);
        assert!(run.stderr.contains(&message), "case {i}: {}", run.stderr);
    }
    let missing = files.0.path().join("missing.toml");
    let run = bootstrap(&app, &missing, &[]);
    assert!(!run.ok);
    assert!(
        run.stderr.contains(&format!(
            "Conference config file not found: {}",
            missing.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(head(&app.app.db).await, before);
    app.finish().await;
}

/// BOOT-19/21/24: --seed-demo, after the bootstrap, creates the demo users (they
/// can log in) and the four demo activities with signups; a second run skips them.
async fn boot_21_seed_demo_users_and_activities(b: Backend) {
    let app = TestApp::start(b).await;
    let files = Files::new();
    let path = files.write("conference.toml", CONFERENCE);
    let run = bootstrap(&app, &path, &["--seed-demo"]);
    assert!(run.ok, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Created conference 'pycon-us-2027'"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Users: 5 created, 0 already present"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("not \"demo\""), "{}", run.stdout);
    assert!(
        run.stdout.contains("Activities: 4 created"),
        "{}",
        run.stdout
    );
    // BOOT-20: four vouchers with the documented prefixes; BOOT-22: Alice's credit.
    for prefix in ["SPKR-", "STU-", "EARLY-", "SAVE25-"] {
        assert!(run.stdout.contains(prefix), "{}", run.stdout);
    }
    assert!(run.stdout.contains("Vouchers: 4 created"), "{}", run.stdout);
    // ATT-33, SURVEY-1: a default badge template and an nps survey.
    assert!(
        run.stdout
            .contains("Badge template: standard (default) created.")
            && run.stdout.contains("Survey: feedback (nps) created."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Store credit: $25.00 for attendee_alice@example.com"),
        "{}",
        run.stdout
    );

    for name in [
        "attendee_alice",
        "attendee_bob",
        "speaker_carol",
        "attendee_dave",
        "attendee_eve",
    ] {
        let r = app
            .post("/api/v1/auth/login")
            .json(json!({ "email": format!("{name}@example.com"), "password": "demo-password" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text);
    }

    let position = head(&app.app.db).await;
    let r = app
        .get(&format!("/api/v1/conferences/{SLUG}/activities"))
        .after(Some(position))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut names: Vec<String> = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            a["details"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Django Sprint",
            "Lightning Talks",
            "Newcomer Orientation",
            "Open Source Workshop"
        ]
    );
    let sprint = find(&r.body["items"], "django-sprint");
    assert_eq!(sprint["details"]["max_participants"], 50);
    assert_eq!(sprint["details"]["activity_type"], "sprint");
    assert_eq!(sprint["confirmed"], 2);
    assert_eq!(sprint["spots_remaining"], 48);
    assert_eq!(
        find(&r.body["items"], "open-source-workshop")["details"]["max_participants"],
        30
    );
    assert_eq!(
        find(&r.body["items"], "lightning-talks")["details"]["max_participants"],
        Value::Null
    );

    // A second seed (with --update, the conference exists) skips both.
    let again = bootstrap(&app, &path, &["--update", "--seed-demo"]);
    assert!(again.ok, "{}", again.stderr);
    assert!(
        again.stdout.contains("Users: 0 created, 5 already present"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("Activities: skipped, the conference already has activities."),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("Vouchers: skipped, the conference already has vouchers."),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("Store credit: skipped, the conference already has credits."),
        "{}",
        again.stdout
    );
    let r = app
        .get(&format!("/api/v1/conferences/{SLUG}/activities"))
        .after(Some(head(&app.app.db).await))
        .send()
        .await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(4));
    app.finish().await;
}

/// The body of `GET path` as `user`, once the read models reached the log head.
async fn get_as(app: &TestApp, user: &common::User, path: &str) -> Value {
    let r = app
        .get(path)
        .as_user(user)
        .after(Some(head(&app.app.db).await))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.body
}

/// `user_id` of a demo user.
fn demo_user(name: &str) -> String {
    tessera::app::user_id(&format!("{name}@example.com")).to_string()
}

/// What the ledger of the conference says, read fresh from the store.
struct Ledger {
    sold: Vec<(String, u64)>,
    held: u64,
    remaining_individual: Option<i64>,
    global_sold: u64,
    /// (name, priority) in definition order.
    conditions: Vec<(String, i32)>,
    /// (code prefix, uses) of the vouchers.
    voucher_uses: Vec<(String, u32)>,
}

async fn ledger(app: &TestApp) -> Ledger {
    use tessera_aggregates::inventory::Inventory;
    use tessera_aggregates::pricing::ProductRef;
    let cid = tessera::app::conference_id(SLUG);
    let id = tessera::app::inventory_id(cid).to_string();
    let now = app.app.bus.services().now();
    app.app
        .bus
        .inspect(&Inventory::stream(id), |inv| {
            let products = [
                ProductRef::ticket("individual"),
                ProductRef::ticket("corporate"),
                ProductRef::ticket("speaker"),
                ProductRef::addon("pycon-t-shirt"),
                ProductRef::addon("tutorial-intro-to-django"),
            ];
            let mut vouchers: Vec<(String, u32)> = inv
                .vouchers(now)
                .into_iter()
                .map(|v| {
                    let prefix = v.voucher.code.split('-').next().unwrap_or_default();
                    (prefix.to_string(), v.voucher.uses)
                })
                .collect();
            vouchers.sort();
            Ledger {
                sold: products
                    .iter()
                    .map(|p| (p.slug.clone(), inv.sold(p)))
                    .collect(),
                held: products.iter().map(|p| inv.held(p, now)).sum(),
                remaining_individual: inv.remaining(&products[0], now),
                global_sold: inv.global_sold(now),
                conditions: inv
                    .conditions()
                    .iter()
                    .map(|c| (c.name.clone(), c.priority))
                    .collect(),
                voucher_uses: vouchers,
            }
        })
        .await
        .expect("inventory")
}

/// BOOT-22/23/25, ATT-3: --seed-demo places and pays Alice's, Bob's and Carol's
/// orders through the ledger (stock sold, the speaker voucher used once), the
/// process managers register their attendees, Bob gets an open cart with two
/// lines priced by the five seeded conditions; BOOT-19: a second run seeds nothing
/// and writes nothing.
async fn boot_22_seed_demo_orders_cart_and_conditions(b: Backend) {
    let app = TestApp::start(b).await;
    let files = Files::new();
    let path = files.write("conference.toml", CONFERENCE);
    let run = bootstrap(&app, &path, &["--seed-demo"]);
    assert!(run.ok, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    // BOOT-25: what was seeded is printed.
    for line in [
        "Orders: 3 created and paid.",
        "attendee_alice@example.com: Individual ×1, PyCon T-Shirt ×1; total 125.00, paid (manual).",
        "attendee_bob@example.com: Corporate ×1; total 450.00, paid (manual).",
        "speaker_carol@example.com: Speaker ×1 with voucher SPKR-",
        "; total 0.00, paid (comp).",
        "Cart: open cart for attendee_bob@example.com: Individual ×1, PyCon T-Shirt ×2",
        "Discount conditions: 5 created (Early Bird 20% Off, Speaker Complimentary, \
         Staff 50% Discount, Corporate $50 Off, Add-on 10% Off), 0 already present.",
        "Travel grants (BOOT-24): 5 created (submitted, accepted, offered, rejected, withdrawn), 0 already present.",
        "Visa letters: 3 requested (submitted, approved, rejected), 0 already present.",
        "Follow-ups: sales confirmed and attendees registered for the 3 paid order(s).",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in {}",
            run.stdout
        );
    }

    // BOOT-22: the orders, as an organizer sees them (orders read model).
    let admin = app.admin().await;
    let orders = get_as(&app, &admin, &format!("/api/v1/conferences/{SLUG}/orders")).await;
    let orders = orders["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(orders.len(), 3, "{orders:?}");
    let order_of = |name: &str| {
        let user = demo_user(name);
        orders
            .iter()
            .find(|o| o["user_id"] == user.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("no order of {name} in {orders:?}"))
    };
    let mut references = vec![];
    for (name, total, items, method) in [
        ("attendee_alice", "125.00", 2, "manual"),
        ("attendee_bob", "450.00", 1, "manual"),
        ("speaker_carol", "0.00", 1, "comp"),
    ] {
        let o = order_of(name);
        assert_eq!(o["status"], "paid", "{name}: {o}");
        assert_eq!(o["total"], total, "{name}: {o}");
        assert_eq!(o["balance"], "0.00", "{name}: {o}");
        assert_eq!(o["items"], items, "{name}: {o}");
        let reference = o["reference"].as_str().unwrap_or_default().to_string();
        let code = reference.strip_prefix("ORD-").unwrap_or_default();
        assert!(
            code.len() == 8
                && code
                    .bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
            "{reference}"
        );
        assert!(run.stdout.contains(&reference), "{}", run.stdout);
        let detail = get_as(
            &app,
            &admin,
            &format!("/api/v1/conferences/{SLUG}/orders/{reference}"),
        )
        .await;
        assert_eq!(detail["payments"][0]["method"], method, "{detail}");
        assert_eq!(detail["payments"][0]["status"], "succeeded", "{detail}");
        references.push((demo_user(name), o["order_id"].clone()));
    }
    let alice = get_as(
        &app,
        &admin,
        &format!(
            "/api/v1/conferences/{SLUG}/orders/{}",
            order_of("attendee_alice")["reference"]
                .as_str()
                .unwrap_or_default()
        ),
    )
    .await;
    let lines: Vec<(String, u64)> = alice["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l["slug"].as_str().unwrap_or_default().to_string(),
                l["quantity"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("individual".to_string(), 1),
            ("pycon-t-shirt".to_string(), 1)
        ]
    );
    let carol = order_of("speaker_carol");
    let carol = get_as(
        &app,
        &admin,
        &format!(
            "/api/v1/conferences/{SLUG}/orders/{}",
            carol["reference"].as_str().unwrap_or_default()
        ),
    )
    .await;
    assert!(
        carol["voucher_code"]
            .as_str()
            .is_some_and(|c| c.starts_with("SPKR-")),
        "{carol}"
    );

    // ATT-3: one attendee per paid order, on that order.
    let attendees = get_as(
        &app,
        &admin,
        &format!("/api/v1/conferences/{SLUG}/attendees"),
    )
    .await;
    let mut registered: Vec<(String, Value)> = attendees["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            assert_eq!(a["completed_registration"], true, "{a}");
            (
                a["user"].as_str().unwrap_or_default().to_string(),
                a["current_order"].clone(),
            )
        })
        .collect();
    registered.sort_by(|a, b| a.0.cmp(&b.0));
    references.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(registered, references);

    // BOOT-22: Bob's open cart, priced with the BOOT-23 conditions (CART-41).
    let login = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": "attendee_bob@example.com", "password": "demo-password" }))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let bob = common::User {
        id: demo_user("attendee_bob"),
        email: "attendee_bob@example.com".to_string(),
        token: login.body["token"].as_str().unwrap_or_default().to_string(),
    };
    let cart = get_as(&app, &bob, &format!("/api/v1/conferences/{SLUG}/cart")).await;
    assert_eq!(cart["status"], "open", "{cart}");
    let items: Vec<(String, String, u64)> = cart["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or_default().to_string(),
                i["slug"].as_str().unwrap_or_default().to_string(),
                i["quantity"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("ticket".to_string(), "individual".to_string(), 1),
            ("addon".to_string(), "pycon-t-shirt".to_string(), 2)
        ]
    );
    let applied: Vec<&str> = cart["summary"]["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l["condition"]["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(applied, ["Early Bird 20% Off", "Add-on 10% Off"]);
    assert_eq!(cart["summary"]["condition_discount"], "25.00", "{cart}");

    // BOOT-23: the five conditions; BOOT-22: stock reflects the three sales (the
    // open cart holds nothing), the speaker voucher was used once (DISC-4).
    let seeded = ledger(&app).await;
    assert_eq!(
        seeded.conditions,
        [
            ("Early Bird 20% Off".to_string(), 10),
            ("Speaker Complimentary".to_string(), 0),
            ("Staff 50% Discount".to_string(), 5),
            ("Corporate $50 Off".to_string(), 15),
            ("Add-on 10% Off".to_string(), 20),
        ]
    );
    assert_eq!(
        seeded.sold,
        [
            ("individual".to_string(), 1),
            ("corporate".to_string(), 1),
            ("speaker".to_string(), 1),
            ("pycon-t-shirt".to_string(), 1),
            ("tutorial-intro-to-django".to_string(), 0),
        ]
    );
    assert_eq!(seeded.held, 0);
    assert_eq!(seeded.remaining_individual, Some(2499));
    assert_eq!(seeded.global_sold, 3);
    assert_eq!(
        seeded.voucher_uses,
        [
            ("EARLY".to_string(), 0),
            ("SAVE25".to_string(), 0),
            ("SPKR".to_string(), 1),
            ("STU".to_string(), 0),
        ]
    );

    // BOOT-19: a second seed creates nothing and writes nothing.
    // Settled: the process managers and the e-mail outbox append their own
    // events in reaction to the seed's.
    let before = app.settled().await;
    let wait = std::time::Duration::from_secs(20);
    assert!(app.app.runner.wait_for(before, wait).await);
    let again = bootstrap(&app, &path, &["--update", "--seed-demo"]);
    assert!(
        again.ok,
        "stdout: {}\nstderr: {}",
        again.stdout, again.stderr
    );
    for line in [
        "Orders: 0 created and paid.",
        "attendee_alice@example.com: skipped, already has an order in this conference.",
        "attendee_bob@example.com: skipped, already has an order in this conference.",
        "speaker_carol@example.com: skipped, already has an order in this conference.",
        "Cart: skipped, attendee_bob@example.com already has a cart in this conference.",
        "Discount conditions: 0 created",
        "5 already present",
    ] {
        assert!(
            again.stdout.contains(line),
            "missing {line:?} in {}",
            again.stdout
        );
    }
    assert_eq!(head(&app.app.db).await, before, "{}", again.stdout);
    let orders = get_as(&app, &admin, &format!("/api/v1/conferences/{SLUG}/orders")).await;
    assert_eq!(orders["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(ledger(&app).await.conditions.len(), 5);
    app.finish().await;
}

on_both_backends!(
    boot_14_creates_a_conference_then_refuses_it_again,
    boot_15_update_changes_a_price_and_adds_a_ticket,
    boot_16_unknown_prerequisite_is_refused,
    boot_17_a_refused_plan_writes_nothing,
    boot_18_dry_run_previews_and_writes_nothing,
    boot_1_bad_files_are_refused,
    boot_21_seed_demo_users_and_activities,
    boot_22_seed_demo_orders_cart_and_conditions,
);
