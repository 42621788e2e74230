use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::*;

const PATH: &str = "conference.toml";

/// The documented example (configuration.txt), extended.
const EXAMPLE: &str = r#"
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
start = 2027-05-16
end = 2027-05-18
slug = "main-conference"

[[conference.tickets]]
name = "Individual"
price = 100.00
quantity = 2500
per_user = 1
voucher_required = false
available = { opens = 2025-01-15, closes = 2027-05-13 }

[[conference.tickets]]
name = "Corporate"
price = 49.99
quantity = 0

[[conference.addons]]
name = "Tutorial: Intro to Django"
price = 150.00
quantity = 40
requires = ["individual", "corporate"]

[[conference.sponsor_levels]]
name = "Visionary"
cost = 150_000.00
comp_tickets = 25
"#;

fn plan(text: &str) -> BootstrapPlan {
    match parse_plan(text, PATH) {
        Ok(p) => p,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn err(text: &str) -> String {
    parse_plan(text, PATH).unwrap_err().to_string()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A minimal valid file with `extra` appended inside [conference] (before the
/// section array) and `tail` appended at the end.
fn minimal(extra: &str, tail: &str) -> String {
    format!(
        "[conference]\nname = \"Conf 2027\"\nstart = 2027-05-14\nend = 2027-05-16\ntimezone = \"UTC\"\n{extra}\n\
         [[conference.sections]]\nname = \"Main\"\nstart = 2027-05-14\nend = 2027-05-16\n{tail}"
    )
}

// ---- BOOT-1 ----

#[test]
fn boot_1_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let e = load_plan(&path).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("Conference config file not found: {}", path.display())
    );
    assert_eq!(e.code(), "boot.file_not_found");
}

#[test]
fn boot_1_load_plan_reads_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conference.toml");
    std::fs::write(&path, EXAMPLE).unwrap();
    assert_eq!(load_plan(&path).unwrap(), plan(EXAMPLE));
}

#[test]
fn boot_1_unparsable_toml_names_the_path() {
    let e = err("[conference\nname = 1\n");
    assert!(e.starts_with("Invalid TOML in conference.toml: "), "{e}");
    assert!(e.contains("line 1"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "x = = 1").unwrap();
    let e = load_plan(&path).unwrap_err();
    assert!(matches!(e, BootstrapError::InvalidToml { .. }));
    assert!(
        e.to_string()
            .starts_with(&format!("Invalid TOML in {}: ", path.display()))
    );
}

#[test]
fn boot_1_missing_conference_table_is_an_error() {
    for text in [
        "",
        "[other]\nx = 1\n",
        "conference = 5\n",
        "conference = [1]\n",
    ] {
        assert_eq!(
            parse_plan(text, PATH).unwrap_err(),
            BootstrapError::MissingConference
        );
    }
    assert_eq!(
        err(""),
        "Missing required [conference] table in config file"
    );
}

// ---- BOOT-2 ----

#[test]
fn boot_2_float_price_is_an_exact_decimal() {
    let p = plan(EXAMPLE);
    assert_eq!(p.tickets[1].price, d("49.99"));
    assert_eq!(p.tickets[1].price.to_string(), "49.99");
}

#[test]
fn boot_2_integer_price_becomes_scale_two() {
    let p = plan(&minimal(
        "",
        "[[conference.tickets]]\nname = \"A\"\nprice = 100\nquantity = 1\n",
    ));
    assert_eq!(p.tickets[0].price.to_string(), "100.00");
    assert_eq!(p.tickets[0].price.scale(), 2);
}

#[test]
fn boot_2_float_amounts_keep_cents_and_underscores() {
    let p = plan(EXAMPLE);
    assert_eq!(p.tickets[0].price.to_string(), "100.00");
    assert_eq!(p.addons[0].price.to_string(), "150.00");
    assert_eq!(
        p.sponsor_levels[0].cost.map(|c| c.to_string()),
        Some("150000.00".into())
    );
    let p = plan(&minimal(
        "revenue_budget = 0.1\ngrant_budget = 12345678.9",
        "",
    ));
    assert_eq!(
        p.conference.revenue_budget.map(|x| x.to_string()),
        Some("0.10".into())
    );
    assert_eq!(
        p.conference.grant_budget.map(|x| x.to_string()),
        Some("12345678.90".into())
    );
}

#[test]
fn boot_2_amount_must_be_a_number() {
    let text = minimal(
        "",
        "[[conference.tickets]]\nname = \"A\"\nprice = 1\nquantity = 1\n\
         [[conference.tickets]]\nname = \"B\"\nprice = 1\nquantity = 1\n\
         [[conference.tickets]]\nname = \"C\"\nprice = \"10.00\"\nquantity = 1\n",
    );
    assert_eq!(err(&text), "conference.tickets[2].price must be a number");
    assert_eq!(
        err(&minimal("revenue_budget = true", "")),
        "conference.revenue_budget must be a number"
    );
    assert_eq!(
        err(&minimal("grant_budget = nan", "")),
        "conference.grant_budget must be a number"
    );
}

#[test]
fn boot_2_amount_with_more_than_two_decimals_or_negative_is_refused() {
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.addons]]\nname = \"T\"\nprice = 9.999\n"
        )),
        "conference.addons[0].price must have at most 2 decimal places (got 9.999)"
    );
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.sponsor_levels]]\nname = \"Gold\"\ncost = -5\n"
        )),
        "conference.sponsor_levels[0].cost must not be negative"
    );
}

#[test]
fn boot_2_string_date_is_an_error_naming_the_field() {
    let text = EXAMPLE.replace(
        "start = 2027-05-14\nend = 2027-05-22",
        "start = \"2027-05-14\"\nend = 2027-05-22",
    );
    assert_eq!(
        err(&text),
        "conference.start must be a TOML date (e.g. 2027-05-14, not quoted), got string"
    );
    let text = minimal(
        "",
        "[[conference.sections]]\nname = \"B\"\nstart = 2027-05-14\nend = \"soon\"\n",
    );
    assert_eq!(
        err(&text),
        "conference.sections[1].end must be a TOML date (e.g. 2027-05-14, not quoted), got string"
    );
}

#[test]
fn boot_2_datetimes_are_not_dates() {
    let text = EXAMPLE.replace("end = 2027-05-22", "end = 2027-05-22T10:00:00");
    assert_eq!(
        err(&text),
        "conference.end must be a TOML date (e.g. 2027-05-14, not quoted), got datetime"
    );
}

// ---- BOOT-3 ----

#[test]
fn boot_3_missing_required_fields_are_listed_sorted() {
    assert_eq!(
        err("[conference]\nname = \"X\"\n"),
        "conference is missing required fields: end, start, timezone"
    );
    assert_eq!(
        err("[conference]\n"),
        "conference is missing required fields: end, name, start, timezone"
    );
    assert_eq!(
        err("[conference]\nname = \"X\"\nstart = 2027-01-01\nend = 2027-01-02\n"),
        "conference is missing required fields: timezone"
    );
}

#[test]
fn boot_3_required_fields_must_have_the_right_type() {
    let text = EXAMPLE.replace("name = \"PyCon US 2027\"", "name = 2027");
    assert_eq!(err(&text), "conference.name must be a non-empty string");
    let text = EXAMPLE.replace("timezone = \"America/New_York\"", "timezone = 5");
    assert_eq!(err(&text), "conference.timezone must be a string");
}

// ---- BOOT-4 ----

#[test]
fn boot_4_conference_keys_are_mapped() {
    let c = plan(EXAMPLE).conference;
    assert_eq!(c.name, "PyCon US 2027");
    assert_eq!(c.slug, "pycon-us-2027");
    assert_eq!(c.start_date, date("2027-05-14"));
    assert_eq!(c.end_date, date("2027-05-22"));
    assert_eq!(c.timezone, "America/New_York");
    assert_eq!(c.venue.as_deref(), Some("Convention Center"));
    assert_eq!(c.website_url.as_deref(), Some("https://us.pycon.org/2027/"));
    assert_eq!(c.pretalx_event_slug.as_deref(), Some("pycon-us"));
    assert_eq!(c.total_capacity, 2500);
    assert_eq!(c.revenue_budget, None);
    assert_eq!(c.target_attendance, None);
    assert_eq!(c.grant_budget, None);
}

#[test]
fn boot_4_planning_fields_are_read() {
    let c = plan(&minimal(
        "revenue_budget = 500000\ntarget_attendance = 3000\ngrant_budget = 75000.50",
        "",
    ))
    .conference;
    assert_eq!(c.revenue_budget, Some(d("500000.00")));
    assert_eq!(c.target_attendance, Some(3000));
    assert_eq!(c.grant_budget, Some(d("75000.50")));
    assert_eq!(c.total_capacity, 0);
}

#[test]
fn boot_4_unknown_conference_keys_are_ignored() {
    let p = plan(&minimal("address = \"1 Main St\"\nfoo = [1, 2]", ""));
    assert_eq!(p.conference.name, "Conf 2027");
}

#[test]
fn boot_4_optional_fields_default_to_absent() {
    let c = plan(&minimal("", "")).conference;
    assert_eq!(c.venue, None);
    assert_eq!(c.website_url, None);
    assert_eq!(c.pretalx_event_slug, None);
    assert_eq!(c.total_capacity, 0);
}

#[test]
fn boot_4_provided_fields_record_what_the_file_gave() {
    let c = plan(EXAMPLE).conference;
    for k in [
        "name",
        "start",
        "end",
        "timezone",
        "venue",
        "total_capacity",
    ] {
        assert!(c.is_provided(k), "{k}");
    }
    for k in ["slug", "revenue_budget", "grant_budget", "series", "year"] {
        assert!(!c.is_provided(k), "{k}");
    }
}

#[test]
fn boot_4_optional_fields_are_type_checked() {
    assert_eq!(
        err(&minimal("total_capacity = -1", "")),
        "conference.total_capacity must be a non-negative integer"
    );
    assert_eq!(
        err(&minimal("venue = 3", "")),
        "conference.venue must be a string"
    );
    assert_eq!(
        err(&minimal("target_attendance = 1.5", "")),
        "conference.target_attendance must be a non-negative integer"
    );
}

// ---- BOOT-5 ----

#[test]
fn boot_5_slugify_examples() {
    assert_eq!(slugify("PyCon US 2027"), "pycon-us-2027");
    assert_eq!(slugify("  Hello,   World!  "), "hello-world");
    assert_eq!(
        slugify("Tutorial: Intro to Django"),
        "tutorial-intro-to-django"
    );
    assert_eq!(slugify("a - . - b"), "a-b");
    assert_eq!(slugify("--x--"), "x");
    assert_eq!(slugify("snake_case name"), "snake_case-name");
    assert_eq!(slugify("tabs\tand\nnewlines"), "tabs-and-newlines");
    assert_eq!(slugify("Café Über"), "café-über");
    assert_eq!(slugify("!!!"), "");
    assert_eq!(slugify(""), "");
}

#[test]
fn boot_5_conference_slug_is_generated_or_kept() {
    assert_eq!(plan(EXAMPLE).conference.slug, "pycon-us-2027");
    let text = EXAMPLE.replace("venue =", "slug = \"pycon-2027\"\nvenue =");
    assert_eq!(plan(&text).conference.slug, "pycon-2027");
    let text = EXAMPLE.replace("venue =", "slug = \"\"\nvenue =");
    assert_eq!(err(&text), "conference.slug must be a non-empty string");
    let text = EXAMPLE.replace("name = \"PyCon US 2027\"", "name = \"???\"");
    assert_eq!(err(&text), "conference.slug must be a non-empty string");
}

#[test]
fn boot_5_item_slugs_are_generated_from_names() {
    let p = plan(EXAMPLE);
    assert_eq!(p.sections[0].slug, "tutorials");
    assert_eq!(p.sections[1].slug, "main-conference");
    assert_eq!(p.tickets[0].slug, "individual");
    assert_eq!(p.addons[0].slug, "tutorial-intro-to-django");
    assert_eq!(p.sponsor_levels[0].slug, "visionary");
}

// ---- BOOT-6 ----

#[test]
fn boot_6_sections_are_required_and_non_empty() {
    let head =
        "[conference]\nname = \"X\"\nstart = 2027-01-01\nend = 2027-01-02\ntimezone = \"UTC\"\n";
    let want = "conference.sections is required and must be a non-empty list";
    assert_eq!(err(head), want);
    assert_eq!(err(&format!("{head}sections = []\n")), want);
    assert_eq!(err(&format!("{head}sections = \"main\"\n")), want);
}

#[test]
fn boot_6_section_requires_name_start_end() {
    let text = minimal(
        "",
        "[[conference.sections]]\nname = \"B\"\nend = 2027-05-14\n",
    );
    assert_eq!(
        err(&text),
        "conference.sections[1] is missing required field: start"
    );
    let text = minimal("", "[[conference.sections]]\nname = \"B\"\n");
    assert_eq!(
        err(&text),
        "conference.sections[1] is missing required fields: end, start"
    );
    let text = minimal(
        "",
        "[[conference.sections]]\nslug = \"b\"\nstart = 2027-05-14\nend = 2027-05-14\n",
    );
    assert_eq!(
        err(&text),
        "conference.sections[1] is missing required field: name"
    );
}

#[test]
fn boot_6_sections_are_read() {
    let p = plan(EXAMPLE);
    assert_eq!(
        p.sections,
        vec![
            SectionPlan {
                slug: "tutorials".into(),
                name: "Tutorials".into(),
                start_date: date("2027-05-14"),
                end_date: date("2027-05-15"),
                order: 0,
            },
            SectionPlan {
                slug: "main-conference".into(),
                name: "Talks".into(),
                start_date: date("2027-05-16"),
                end_date: date("2027-05-18"),
                order: 1,
            },
        ]
    );
}

// ---- BOOT-7 ----

#[test]
fn boot_7_tickets_are_read_with_defaults() {
    let p = plan(EXAMPLE);
    let t = &p.tickets[0];
    assert_eq!(t.name, "Individual");
    assert_eq!(t.quantity, 2500);
    assert_eq!(t.limit_per_user, 1);
    assert!(!t.requires_voucher);
    let c = &p.tickets[1];
    assert_eq!(c.slug, "corporate");
    assert_eq!(c.quantity, 0);
    assert_eq!(c.limit_per_user, 10);
    assert!(!c.requires_voucher);
    assert_eq!(c.available_from, None);
    assert_eq!(c.available_until, None);
}

#[test]
fn boot_7_voucher_required_is_read() {
    let p = plan(&minimal(
        "",
        "[[conference.tickets]]\nname = \"Speaker\"\nprice = 0\nquantity = 0\nvoucher_required = true\n",
    ));
    assert!(p.tickets[0].requires_voucher);
    assert_eq!(p.tickets[0].price.to_string(), "0.00");
}

#[test]
fn boot_7_ticket_requires_name_price_quantity() {
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.tickets]]\nname = \"A\"\nquantity = 1\n"
        )),
        "conference.tickets[0] is missing required field: price"
    );
    assert_eq!(
        err(&minimal("", "[[conference.tickets]]\nslug = \"a\"\n")),
        "conference.tickets[0] is missing required fields: name, price, quantity"
    );
}

#[test]
fn boot_7_ticket_field_types_are_checked() {
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.tickets]]\nname = \"A\"\nprice = 1\nquantity = -3\n"
        )),
        "conference.tickets[0].quantity must be a non-negative integer"
    );
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.tickets]]\nname = \"A\"\nprice = 1\nquantity = 3\nper_user = \"2\"\n"
        )),
        "conference.tickets[0].per_user must be a non-negative integer"
    );
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.tickets]]\nname = \"A\"\nprice = 1\nquantity = 3\nvoucher_required = \"yes\"\n"
        )),
        "conference.tickets[0].voucher_required must be a boolean"
    );
}

// ---- BOOT-8 ----

#[test]
fn boot_8_addon_needs_only_a_slug_or_a_name() {
    let p = plan(&minimal(
        "",
        "[[conference.addons]]\nslug = \"t-shirt\"\n[[conference.addons]]\nname = \"Lunch\"\n",
    ));
    assert_eq!(
        p.addons[0],
        AddonPlan {
            slug: "t-shirt".into(),
            name: "t-shirt".into(),
            price: d("0.00"),
            quantity: 0,
            requires: None,
            available_from: None,
            available_until: None,
            order: 0,
        }
    );
    assert_eq!(p.addons[0].price.scale(), 2);
    assert_eq!(p.addons[1].slug, "lunch");
    assert_eq!(p.addons[1].name, "Lunch");
    assert_eq!(p.addons[1].order, 1);
}

#[test]
fn boot_8_addon_fields_are_read() {
    let a = &plan(EXAMPLE).addons[0];
    assert_eq!(a.name, "Tutorial: Intro to Django");
    assert_eq!(a.price, d("150.00"));
    assert_eq!(a.quantity, 40);
    assert_eq!(
        a.requires,
        Some(vec!["individual".to_string(), "corporate".to_string()])
    );
}

#[test]
fn boot_8_requires_must_be_a_list_of_slugs() {
    for bad in ["\"individual\"", "[1]", "[\"\"]"] {
        assert_eq!(
            err(&minimal(
                "",
                &format!("[[conference.addons]]\nname = \"T\"\nrequires = {bad}\n")
            )),
            "conference.addons[0].requires must be a list of ticket slugs"
        );
    }
}

#[test]
fn boot_8_empty_requires_is_kept_distinct_from_absent() {
    let p = plan(&minimal(
        "",
        "[[conference.addons]]\nname = \"T\"\nrequires = []\n",
    ));
    assert_eq!(p.addons[0].requires, Some(vec![]));
}

// ---- BOOT-9 / AMB-5: sponsor levels are created ----

#[test]
fn boot_9_sponsor_levels_are_planned_with_comp_tickets() {
    let p = plan(&minimal(
        "",
        "[[conference.sponsor_levels]]\nname = \"Visionary\"\ncost = 150_000.00\ncomp_tickets = 25\n\
         [[conference.sponsor_levels]]\nslug = \"community\"\n",
    ));
    assert_eq!(
        p.sponsor_levels,
        vec![
            SponsorLevelPlan {
                slug: "visionary".into(),
                name: "Visionary".into(),
                cost: Some(d("150000.00")),
                comp_ticket_count: 25,
                order: 0,
            },
            SponsorLevelPlan {
                slug: "community".into(),
                name: "community".into(),
                cost: None,
                comp_ticket_count: 0,
                order: 1,
            },
        ]
    );
}

#[test]
fn boot_9_sponsor_levels_are_validated_like_addons() {
    assert_eq!(
        err(&minimal("", "[[conference.sponsor_levels]]\ncost = 5\n")),
        "conference.sponsor_levels[0] is missing required field: name"
    );
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.sponsor_levels]]\nname = \"Gold\"\n[[conference.sponsor_levels]]\nslug = \"gold\"\n"
        )),
        "conference.sponsor_levels has duplicate slugs: gold"
    );
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.sponsor_levels]]\nname = \"Gold\"\ncomp_tickets = -1\n"
        )),
        "conference.sponsor_levels[0].comp_tickets must be a non-negative integer"
    );
}

// ---- BOOT-10 ----

#[test]
fn boot_10_list_elements_must_be_tables() {
    let text = minimal(
        "tickets = [{ name = \"A\", price = 1, quantity = 1 }, \"VIP\"]",
        "",
    );
    assert_eq!(
        err(&text),
        "conference.tickets[1] must be a mapping, got string"
    );
    let text = minimal("sponsor_levels = [3]", "");
    assert_eq!(
        err(&text),
        "conference.sponsor_levels[0] must be a mapping, got integer"
    );
    let text = minimal("addons = [[\"x\"]]", "");
    assert_eq!(
        err(&text),
        "conference.addons[0] must be a mapping, got array"
    );
}

#[test]
fn boot_10_element_needs_slug_or_name() {
    assert_eq!(
        err(&minimal("", "[[conference.addons]]\nprice = 5\n")),
        "conference.addons[0] is missing required field: name"
    );
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.sections]]\nstart = 2027-05-14\nend = 2027-05-14\n"
        )),
        "conference.sections[1] is missing required field: name"
    );
}

#[test]
fn boot_10_lists_must_be_lists() {
    assert_eq!(
        err(&minimal("tickets = \"none\"", "")),
        "conference.tickets must be a list, got string"
    );
}

// ---- BOOT-11 ----

#[test]
fn boot_11_slugs_must_be_non_empty_strings() {
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.tickets]]\nname = \"A\"\nslug = \"\"\nprice = 1\nquantity = 1\n"
        )),
        "conference.tickets[0].slug must be a non-empty string"
    );
    assert_eq!(
        err(&minimal("", "[[conference.addons]]\nslug = 7\n")),
        "conference.addons[0].slug must be a non-empty string"
    );
    // A name that slugifies to nothing gives an empty slug.
    assert_eq!(
        err(&minimal("", "[[conference.addons]]\nname = \"***\"\n")),
        "conference.addons[0].slug must be a non-empty string"
    );
}

#[test]
fn boot_11_duplicate_slugs_are_listed_sorted() {
    let text = minimal(
        "",
        "[[conference.tickets]]\nname = \"VIP\"\nprice = 1\nquantity = 1\n\
         [[conference.tickets]]\nname = \"Basic\"\nprice = 1\nquantity = 1\n\
         [[conference.tickets]]\nslug = \"vip\"\nname = \"Other VIP\"\nprice = 1\nquantity = 1\n\
         [[conference.tickets]]\nname = \"basic\"\nprice = 1\nquantity = 1\n",
    );
    assert_eq!(
        err(&text),
        "conference.tickets has duplicate slugs: basic, vip"
    );
    let text = minimal(
        "",
        "[[conference.sections]]\nname = \"main\"\nstart = 2027-05-14\nend = 2027-05-14\n",
    );
    assert_eq!(err(&text), "conference.sections has duplicate slugs: main");
}

#[test]
fn boot_11_uniqueness_is_per_list_not_across_lists() {
    let p = plan(&minimal(
        "",
        "[[conference.tickets]]\nname = \"Main\"\nprice = 1\nquantity = 1\n\
         [[conference.addons]]\nname = \"Main\"\n\
         [[conference.sponsor_levels]]\nname = \"Main\"\n",
    ));
    assert_eq!(p.sections[0].slug, "main");
    assert_eq!(p.tickets[0].slug, "main");
    assert_eq!(p.addons[0].slug, "main");
    assert_eq!(p.sponsor_levels[0].slug, "main");
}

// ---- BOOT-12 ----

#[test]
fn boot_12_window_is_start_and_end_of_day_in_conference_timezone() {
    let t = &plan(EXAMPLE).tickets[0];
    // New York is UTC-5 in January (EST) and UTC-4 in May (EDT).
    assert_eq!(t.available_from, Some(utc("2025-01-15T05:00:00Z")));
    assert_eq!(t.available_until, Some(utc("2027-05-14T03:59:59Z")));
}

#[test]
fn boot_12_window_in_utc_and_one_sided() {
    let p = plan(&minimal(
        "",
        "[[conference.addons]]\nname = \"A\"\navailable = { opens = 2027-01-01 }\n\
         [[conference.addons]]\nname = \"B\"\navailable = { closes = 2027-01-31 }\n",
    ));
    assert_eq!(
        p.addons[0].available_from,
        Some(utc("2027-01-01T00:00:00Z"))
    );
    assert_eq!(p.addons[0].available_until, None);
    assert_eq!(p.addons[1].available_from, None);
    assert_eq!(
        p.addons[1].available_until,
        Some(utc("2027-01-31T23:59:59Z"))
    );
}

#[test]
fn boot_12_non_table_available_is_ignored() {
    let p = plan(&minimal(
        "",
        "[[conference.addons]]\nname = \"A\"\navailable = \"always\"\n",
    ));
    assert_eq!(p.addons[0].available_from, None);
    assert_eq!(p.addons[0].available_until, None);
}

#[test]
fn boot_12_window_dates_must_be_toml_dates() {
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.addons]]\nname = \"A\"\navailable = { opens = \"2027-01-01\" }\n"
        )),
        "conference.addons[0].available.opens must be a TOML date (e.g. 2027-05-14, not quoted), got string"
    );
}

#[test]
fn boot_12_unknown_timezone_is_an_error() {
    let text = EXAMPLE.replace("America/New_York", "Mars/Olympus_Mons");
    assert_eq!(
        err(&text),
        "conference.timezone: unknown time zone 'Mars/Olympus_Mons'"
    );
}

#[test]
fn boot_12_midnight_in_a_dst_gap_opens_when_the_day_starts() {
    // Chile skipped 00:00–01:00 on 2024-09-08 (UTC-4 → UTC-3).
    let text = minimal(
        "",
        "[[conference.addons]]\nname = \"A\"\navailable = { opens = 2024-09-08, closes = 2024-09-08 }\n",
    )
    .replace("timezone = \"UTC\"", "timezone = \"America/Santiago\"");
    let a = &plan(&text).addons[0];
    assert_eq!(a.available_from, Some(utc("2024-09-08T04:00:00Z")));
    assert_eq!(a.available_until, Some(utc("2024-09-09T02:59:59Z")));
}

#[test]
fn boot_12_ambiguous_midnight_takes_the_earliest_instant() {
    // Cuba repeated 00:00–01:00 on 2024-11-03 (UTC-4 → UTC-5).
    let text = minimal(
        "",
        "[[conference.addons]]\nname = \"A\"\navailable = { opens = 2024-11-03 }\n",
    )
    .replace("timezone = \"UTC\"", "timezone = \"America/Havana\"");
    let a = &plan(&text).addons[0];
    assert_eq!(a.available_from, Some(utc("2024-11-03T04:00:00Z")));
}

// ---- BOOT-13 ----

#[test]
fn boot_13_section_order_is_explicit_or_position() {
    let p = plan(&minimal(
        "",
        "[[conference.sections]]\nname = \"B\"\nstart = 2027-05-14\nend = 2027-05-14\norder = 7\n\
         [[conference.sections]]\nname = \"C\"\nstart = 2027-05-14\nend = 2027-05-14\n",
    ));
    let orders: Vec<i32> = p.sections.iter().map(|s| s.order).collect();
    assert_eq!(orders, vec![0, 7, 2]);
    assert_eq!(
        err(&minimal(
            "",
            "[[conference.sections]]\nname = \"B\"\nstart = 2027-05-14\nend = 2027-05-14\norder = \"first\"\n"
        )),
        "conference.sections[1].order must be an integer"
    );
}

#[test]
fn boot_13_ticket_and_addon_order_is_always_position() {
    let p = plan(&minimal(
        "",
        "[[conference.tickets]]\nname = \"A\"\nprice = 1\nquantity = 1\norder = 9\n\
         [[conference.tickets]]\nname = \"B\"\nprice = 1\nquantity = 1\n\
         [[conference.addons]]\nname = \"X\"\norder = 5\n\
         [[conference.addons]]\nname = \"Y\"\n",
    ));
    let t: Vec<i32> = p.tickets.iter().map(|x| x.order).collect();
    let a: Vec<i32> = p.addons.iter().map(|x| x.order).collect();
    assert_eq!(t, vec![0, 1]);
    assert_eq!(a, vec![0, 1]);
}

// ---- BOOT-16 ----

#[test]
fn boot_16_requires_naming_file_tickets_are_resolved() {
    let p = plan(EXAMPLE);
    assert!(p.unresolved_requires.is_empty());
    assert_eq!(p.check_requires(|_| false), Ok(()));
}

#[test]
fn boot_16_unknown_requires_are_listed_for_the_executor() {
    let p = plan(&minimal(
        "",
        "[[conference.tickets]]\nname = \"Individual\"\nprice = 1\nquantity = 1\n\
         [[conference.addons]]\nname = \"Shirt\"\nrequires = [\"zeta\", \"individual\", \"alpha\", \"zeta\"]\n\
         [[conference.addons]]\nname = \"Lunch\"\nrequires = [\"beta\"]\n",
    ));
    assert_eq!(
        p.addons[0].requires,
        Some(vec!["zeta".into(), "individual".into(), "alpha".into()])
    );
    assert_eq!(
        p.unresolved_requires,
        vec![
            UnresolvedRequires {
                addon_slug: "shirt".into(),
                ticket_slugs: vec!["alpha".into(), "zeta".into()],
            },
            UnresolvedRequires {
                addon_slug: "lunch".into(),
                ticket_slugs: vec!["beta".into()],
            },
        ]
    );
    // Create mode: nothing exists yet.
    assert_eq!(
        p.check_requires(|_| false).unwrap_err().to_string(),
        "Add-on 'shirt' references unknown required ticket slug(s): alpha, zeta"
    );
    // Update mode: the store already has some of them.
    assert_eq!(
        p.check_requires(|s| s == "alpha").unwrap_err().to_string(),
        "Add-on 'shirt' references unknown required ticket slug(s): zeta"
    );
    assert_eq!(
        p.check_requires(|s| s != "beta").unwrap_err().to_string(),
        "Add-on 'lunch' references unknown required ticket slug(s): beta"
    );
    assert_eq!(p.check_requires(|_| true), Ok(()));
}

// ---- BOOT-18 ----

#[test]
fn boot_18_preview_shows_conference_and_every_item() {
    let text = EXAMPLE.replace(
        "requires = [\"individual\", \"corporate\"]",
        "requires = [\"individual\", \"student\"]",
    );
    let out = render_preview(&plan(&text));
    for want in [
        "Conference: PyCon US 2027",
        "Slug:     pycon-us-2027",
        "Series:   PyCon US (pycon-us), year 2027",
        "Dates:    2027-05-14 to 2027-05-22",
        "Timezone: America/New_York",
        "Venue:    Convention Center",
        "Website:  https://us.pycon.org/2027/",
        "Capacity: 2500",
        "Sections (2):",
        "  - tutorials: Tutorials (2027-05-14 to 2027-05-15), order 0",
        "  - main-conference: Talks (2027-05-16 to 2027-05-18), order 1",
        "Tickets (2):",
        "  - individual: Individual, price 100.00, quantity 2500, per user 1, available 2025-01-15T05:00:00Z .. 2027-05-14T03:59:59Z",
        "  - corporate: Corporate, price 49.99, quantity unlimited, per user 10",
        "Add-ons (1):",
        "  - tutorial-intro-to-django: Tutorial: Intro to Django, price 150.00, quantity 40, requires individual, student",
        "Sponsor levels (1):",
        "  - visionary: Visionary, cost 150000.00, comp tickets 25",
        "Note: add-on 'tutorial-intro-to-django' requires ticket slug(s) not in this file: student",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn boot_18_preview_marks_absent_optional_fields() {
    let out = render_preview(&plan(&minimal("", "")));
    assert!(out.contains("Venue:    -"), "{out}");
    assert!(out.contains("Website:  -"), "{out}");
    assert!(out.contains("Capacity: unlimited"), "{out}");
    assert!(out.contains("Tickets (0):"), "{out}");
}

// ---- AMB-29: series and year ----

#[test]
fn amb_29_series_defaults_to_name_without_trailing_year() {
    let c = plan(EXAMPLE).conference;
    assert_eq!(c.series_name, "PyCon US");
    assert_eq!(c.series_slug, "pycon-us");
    assert_eq!(c.year, 2027);
}

#[test]
fn amb_29_series_default_edge_cases() {
    let with_name = |name: &str| {
        plan(&minimal("", "").replace("name = \"Conf 2027\"", &format!("name = \"{name}\"")))
            .conference
    };
    assert_eq!(
        with_name("  PyLadiesCon   2025  ").series_name,
        "PyLadiesCon"
    );
    assert_eq!(with_name("EuroPython").series_name, "EuroPython");
    assert_eq!(with_name("Conf 12027").series_name, "Conf 12027");
    assert_eq!(with_name("PyCon2027").series_name, "PyCon2027");
    assert_eq!(with_name("2027").series_name, "2027");
    assert_eq!(with_name("2027").series_slug, "2027");
}

#[test]
fn amb_29_explicit_series_and_year() {
    let c = plan(&minimal("series = \"DjangoCon\"\nyear = 2028", "")).conference;
    assert_eq!(c.series_name, "DjangoCon");
    assert_eq!(c.series_slug, "djangocon");
    assert_eq!(c.year, 2028);
    assert!(c.is_provided("series") && c.is_provided("year"));
}

#[test]
fn amb_29_year_defaults_to_start_year() {
    let c = plan(&minimal("", "").replace("start = 2027-05-14\nend", "start = 2026-12-30\nend"))
        .conference;
    assert_eq!(c.year, 2026);
}

#[test]
fn amb_29_series_and_year_are_validated() {
    assert_eq!(
        err(&minimal("series = \"\"", "")),
        "conference.series must be a non-empty string"
    );
    assert_eq!(
        err(&minimal("series = \"!!\"", "")),
        "conference.series must contain a letter or digit (got '!!')"
    );
    assert_eq!(
        err(&minimal("year = \"2027\"", "")),
        "conference.year must be an integer"
    );
    assert_eq!(
        err(&minimal("year = 0", "")),
        "conference.year must be a year between 1 and 9999"
    );
}

// ---- the plan is serializable (for --dry-run JSON output and logs) ----

#[test]
fn boot_18_plan_serializes_money_as_strings() {
    let json = serde_json::to_value(plan(EXAMPLE)).unwrap();
    assert_eq!(json["tickets"][1]["price"], "49.99");
    assert_eq!(json["conference"]["start_date"], "2027-05-14");
    assert_eq!(json["sponsor_levels"][0]["comp_ticket_count"], 25);
}

// ---- the executor's store-free checks (--dry-run) ----

#[test]
fn boot_18_check_plan_counts_what_a_new_conference_gets() {
    let s = check_plan(&plan(EXAMPLE), false).unwrap();
    assert_eq!(s.conference, Change::Created);
    assert!(s.series_created);
    assert_eq!((s.series.as_str(), s.year), ("pycon-us", 2027));
    assert_eq!(s.sections.created, 2);
    assert_eq!(s.tickets.created, 2);
    assert_eq!(s.addons.created, 1);
    assert_eq!(s.sponsor_levels.created, 1);
    // series, year registration, conference, ledger, capacity, 2 sections, 1 level,
    // 2 tickets, 1 add-on
    assert_eq!(s.changes, 11);
    let text = s.render(true);
    assert!(
        text.contains("Tickets:        2 created, 0 updated\n  + individual\n  + corporate\n"),
        "{text}"
    );
}

#[test]
fn boot_16_check_plan_needs_prerequisites_in_the_file_unless_updating() {
    let text = EXAMPLE.replace(
        "requires = [\"individual\", \"corporate\"]",
        "requires = [\"individual\", \"vip\"]",
    );
    let p = plan(&text);
    assert_eq!(
        check_plan(&p, false).unwrap_err().to_string(),
        "Add-on 'tutorial-intro-to-django' references unknown required ticket slug(s): vip"
    );
    // With --update "vip" may be a stored ticket: only the store can tell.
    assert!(check_plan(&p, true).is_ok());
}

#[test]
fn boot_17_check_plan_applies_the_domain_rules() {
    let long = "x".repeat(201);
    let text = EXAMPLE.replace(
        "name = \"PyCon US 2027\"",
        &format!("name = \"{long}\"\nslug = \"pycon-us-2027\"\nseries = \"PyCon US\""),
    );
    let e = check_plan(&plan(&text), false).unwrap_err();
    assert_eq!(e.code(), "boot.refused");
    assert_eq!(
        e.to_string(),
        "conference.name: Conference name must not be blank and must have at most 200 characters."
    );

    let mut p = plan(EXAMPLE);
    p.sponsor_levels[0].cost = Some(d("-1.00"));
    assert_eq!(
        check_plan(&p, false).unwrap_err().to_string(),
        "conference.sponsor_levels[0].cost (sponsor level 'visionary'): cost must not be negative."
    );
}

#[test]
fn boot_5_check_plan_refuses_slugs_the_store_cannot_hold() {
    let text = EXAMPLE.replace("slug = \"main-conference\"", "slug = \"Main Conference\"");
    assert_eq!(
        check_plan(&plan(&text), false).unwrap_err().to_string(),
        "conference.sections[1].slug 'Main Conference' is not a valid slug: use lowercase \
         letters, digits and hyphens, at most 200 characters"
    );
    let text = EXAMPLE.replace("name = \"Corporate\"", "name = \"Café Corporate\"");
    assert_eq!(
        check_plan(&plan(&text), false).unwrap_err().to_string(),
        "conference.tickets[1].slug 'café-corporate' is not a valid slug: use lowercase \
         letters, digits and hyphens, at most 200 characters"
    );
}

/// BOOT-23: the five demo conditions, exactly as specified, with windows relative
/// to the `now` given (the injected clock), stable ids per conference and name.
#[test]
fn boot_23_demo_conditions_are_the_five_specified() {
    use tessera_aggregates::pricing::{ConditionKind, DiscountType, ProductRef, UsageLimit};
    let now = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    let cid = crate::app::conference_id("pycon-us-2027");
    let list = demo_conditions(cid, now);
    let summary: Vec<(&str, i32)> = list.iter().map(|c| (c.name.as_str(), c.priority)).collect();
    assert_eq!(
        summary,
        [
            ("Early Bird 20% Off", 10),
            ("Speaker Complimentary", 0),
            ("Staff 50% Discount", 5),
            ("Corporate $50 Off", 15),
            ("Add-on 10% Off", 20),
        ]
    );
    assert!(list.iter().all(|c| c.is_active));
    // The ids are the same on every run, and differ between conferences.
    assert_eq!(list, demo_conditions(cid, now));
    let other = demo_conditions(crate::app::conference_id("other"), now);
    assert_ne!(list[0].id, other[0].id);

    let day = chrono::Duration::days(1);
    match &list[0].kind {
        ConditionKind::TimeOrStockLimit {
            window,
            usage,
            effect,
        } => {
            assert_eq!(window.from, Some(now - day * 30));
            assert_eq!(window.until, Some(now + day * 60));
            assert_eq!(
                *usage,
                UsageLimit {
                    limit: 50,
                    times_used: 0
                }
            );
            assert_eq!(effect.discount_type, DiscountType::Percentage);
            assert_eq!(effect.value, Decimal::from(20));
            assert!(effect.scope.covers(&ProductRef::ticket("individual")));
            assert!(effect.scope.covers(&ProductRef::ticket("student")));
            assert!(!effect.scope.covers(&ProductRef::ticket("corporate")));
            assert!(!effect.scope.covers(&ProductRef::addon("pycon-t-shirt")));
        }
        other => panic!("Early Bird: {other:?}"),
    }
    match &list[1].kind {
        ConditionKind::Speaker {
            is_presenter,
            is_copresenter,
            effect,
        } => {
            assert!(*is_presenter && *is_copresenter);
            assert_eq!(effect.value, Decimal::from(100));
            assert_eq!(effect.discount_type, DiscountType::Percentage);
        }
        other => panic!("Speaker: {other:?}"),
    }
    match &list[2].kind {
        ConditionKind::GroupMember { groups, effect } => {
            assert_eq!(groups, &["Conference Staff".to_string()]);
            assert_eq!(effect.value, Decimal::from(50));
        }
        other => panic!("Staff: {other:?}"),
    }
    match &list[3].kind {
        ConditionKind::DiscountForProduct { window, effect, .. } => {
            assert_eq!(window.from, Some(now - day * 7));
            assert_eq!(window.until, Some(now + day * 90));
            assert_eq!(effect.discount_type, DiscountType::FixedAmount);
            assert_eq!(effect.value, Decimal::from(50));
            assert!(effect.scope.covers(&ProductRef::ticket("corporate")));
            assert!(!effect.scope.covers(&ProductRef::ticket("individual")));
        }
        other => panic!("Corporate: {other:?}"),
    }
    match &list[4].kind {
        ConditionKind::DiscountForCategory {
            percentage,
            apply_to_tickets,
            apply_to_addons,
            ..
        } => {
            assert_eq!(*percentage, Decimal::from(10));
            assert!(!apply_to_tickets);
            assert!(apply_to_addons);
        }
        other => panic!("Add-on: {other:?}"),
    }
}
