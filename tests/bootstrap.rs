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

/// The documented example (seeds/configuration.txt), fleshed out: a hidden
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
         Price must be zero or more, with at most 2 decimal places."
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
    let mut names: Vec<String> = r
        .body
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
    let sprint = find(&r.body, "django-sprint");
    assert_eq!(sprint["details"]["max_participants"], 50);
    assert_eq!(sprint["details"]["activity_type"], "sprint");
    assert_eq!(sprint["confirmed"], 2);
    assert_eq!(sprint["spots_remaining"], 48);
    assert_eq!(
        find(&r.body, "open-source-workshop")["details"]["max_participants"],
        30
    );
    assert_eq!(
        find(&r.body, "lightning-talks")["details"]["max_participants"],
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
    assert_eq!(r.body.as_array().map(Vec::len), Some(4));
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
);
