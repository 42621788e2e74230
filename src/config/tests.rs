use super::*;

fn no_env() -> HashMap<String, String> {
    HashMap::new()
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml_str(text, "tessera.toml", &no_env())
}

fn parse_env(text: &str, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_toml_str(text, "tessera.toml", &env(pairs))
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

fn env_err(text: &str, pairs: &[(&str, &str)]) -> String {
    parse_env(text, pairs).unwrap_err().to_string()
}

// ---- loading ----

#[test]
fn conf_44_missing_default_file_gives_all_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let cfg =
        Config::load_with_default(&dir.path().join(DEFAULT_CONFIG_FILE), None, &no_env()).unwrap();
    assert_eq!(cfg, Config::default());
}

#[test]
fn conf_44_default_file_is_read_when_present() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_CONFIG_FILE);
    std::fs::write(&path, "currency = \"EUR\"\n").unwrap();
    let cfg = Config::load_with_default(&path, None, &no_env()).unwrap();
    assert_eq!(cfg.currency, "EUR");
}

#[test]
fn conf_40_explicit_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let e = Config::load(Some(&path), &no_env()).unwrap_err();
    assert_eq!(
        e,
        ConfigError::NotFound {
            path: path.display().to_string()
        }
    );
    assert!(e.to_string().starts_with("config file not found: "));
}

#[test]
fn conf_40_explicit_file_is_read_and_env_overlaid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custom.toml");
    std::fs::write(&path, "cart_expiry_minutes = 10\ncurrency = \"GBP\"\n").unwrap();
    let cfg = Config::load(Some(&path), &env(&[("TESSERA_CURRENCY", "EUR")])).unwrap();
    assert_eq!(cfg.cart_expiry_minutes, 10);
    assert_eq!(cfg.currency, "EUR");
}

#[test]
fn conf_40_unparsable_toml_names_file_and_position() {
    let e = err("currency = \"USD\"\ncart_expiry_minutes = = 3\n");
    assert!(e.starts_with("invalid TOML in tessera.toml: "), "{e}");
    assert!(e.contains("line 2"), "{e}");
}

// ---- CONF-40: shape ----

#[test]
fn conf_40_section_must_be_a_table() {
    for section in ["stripe", "pretalx", "psf_sponsors", "features"] {
        let e = parse(&format!("{section} = 5\n")).unwrap_err();
        assert_eq!(
            e,
            ConfigError::Type {
                key: section.into(),
                expected: "a table".into()
            }
        );
        assert_eq!(
            e.to_string(),
            format!("invalid config: {section} must be a table")
        );
    }
}

#[test]
fn conf_40_unknown_root_key_is_rejected() {
    assert_eq!(err("bogus = 1\n"), "invalid config: unknown key 'bogus'");
}

#[test]
fn conf_40_unknown_section_key_is_rejected_with_dotted_name() {
    assert_eq!(
        err("[stripe]\nfoo = \"x\"\n"),
        "invalid config: unknown key 'stripe.foo'"
    );
    assert_eq!(
        err("[features]\nvisa_enabled = true\n"),
        "invalid config: unknown key 'features.visa_enabled'"
    );
}

#[test]
fn conf_40_unknown_table_at_root_is_rejected() {
    assert_eq!(
        err("[database]\nurl = \"x\"\n"),
        "invalid config: unknown key 'database'"
    );
}

#[test]
fn conf_40_wrong_types_name_the_key() {
    assert_eq!(
        err("[features]\nregistration_enabled = \"yes\"\n"),
        "invalid config: features.registration_enabled must be a boolean (got 'yes')"
    );
    assert_eq!(
        err("[stripe]\nsecret_key = 5\n"),
        "invalid config: stripe.secret_key must be a string (got 5)"
    );
    assert_eq!(
        err("[stripe]\nwebhook_secrets = [\"a\", 1]\n"),
        "invalid config: stripe.webhook_secrets must be a list of strings (got an array)"
    );
    assert_eq!(
        err("order_reference_prefix = 1\n"),
        "invalid config: order_reference_prefix must be a string (got 1)"
    );
}

#[test]
fn conf_40_full_file_with_every_key_is_accepted() {
    let cfg = parse(
        r#"
cart_expiry_minutes = 45
pending_order_expiry_minutes = 20
hold_sweep_seconds = 5
order_reference_prefix = "PYCON"
currency = "EUR"
currency_symbol = "€"
max_grant_amount = 2500.50
attendee_profile_model = "myapp.Profile"
secret_key = "0123456789abcdef0123456789abcdef"
token_ttl_hours = 24
login_max_failures = 3
login_failure_window_seconds = 600
login_max_attempts_per_address = 50
login_address_window_seconds = 30
trust_forwarded_for = true
idempotency_ttl_hours = 2

[stripe]
secret_key = "sk_test_1"
publishable_key = "pk_test_1"
webhook_secret = "whsec_1"
webhook_secrets = ["whsec_2", "whsec_1"]
api_version = "2025-01-01"
webhook_tolerance = 600
api_base = "http://127.0.0.1:12111"

[pretalx]
base_url = "https://pretalx.example"
token = "ptx"
schedule_delete_guard_enabled = false
schedule_delete_guard_min_existing_slots = 0
schedule_delete_guard_max_fraction_removed = 1

[psf_sponsors]
api_url = "https://psf.example/api"
token = "psf"
auth_scheme = "Bearer"
publisher = "pyus"
flight = "fl"

[features]
registration_enabled = false
sponsors_enabled = false
travel_grants_enabled = false
programs_enabled = false
pretalx_sync_enabled = false
visa_letters_enabled = false
public_ui_enabled = false
manage_ui_enabled = false
all_ui_enabled = false
"#,
    )
    .unwrap();
    assert_eq!(cfg.cart_expiry_minutes, 45);
    assert_eq!(cfg.pending_order_expiry_minutes, 20);
    assert_eq!(cfg.hold_sweep_seconds, 5);
    assert_eq!(cfg.order_reference_prefix, "PYCON");
    assert_eq!(cfg.currency, "EUR");
    assert_eq!(cfg.currency_symbol, "€");
    assert_eq!(cfg.max_grant_amount, Decimal::from_str("2500.50").unwrap());
    assert_eq!(cfg.attendee_profile_model, "myapp.Profile");
    assert_eq!(
        cfg.secret_key,
        Some(Secret::new("0123456789abcdef0123456789abcdef"))
    );
    assert_eq!(cfg.token_ttl_hours, 24);
    assert_eq!(cfg.login_max_failures, 3);
    assert_eq!(cfg.login_failure_window_seconds, 600);
    assert_eq!(cfg.login_max_attempts_per_address, 50);
    assert_eq!(cfg.login_address_window_seconds, 30);
    assert!(cfg.trust_forwarded_for);
    assert_eq!(cfg.idempotency_ttl_hours, 2);
    assert_eq!(cfg.stripe.secret_key, Some(Secret::new("sk_test_1")));
    assert_eq!(cfg.stripe.publishable_key.as_deref(), Some("pk_test_1"));
    assert_eq!(cfg.stripe.api_version, "2025-01-01");
    assert_eq!(cfg.stripe.webhook_tolerance, 600);
    assert_eq!(cfg.stripe.api_base, "http://127.0.0.1:12111");
    let secrets: Vec<&str> = cfg
        .stripe
        .signing_secrets()
        .iter()
        .map(|s| s.expose())
        .collect();
    assert_eq!(secrets, vec!["whsec_1", "whsec_2"]);
    assert_eq!(cfg.pretalx.base_url, "https://pretalx.example");
    assert_eq!(cfg.pretalx.token, Some(Secret::new("ptx")));
    assert!(!cfg.pretalx.schedule_delete_guard_enabled);
    assert_eq!(cfg.pretalx.schedule_delete_guard_min_existing_slots, 0);
    assert_eq!(cfg.pretalx.schedule_delete_guard_max_fraction_removed, 1.0);
    assert_eq!(cfg.psf_sponsors.api_url, "https://psf.example/api");
    assert_eq!(cfg.psf_sponsors.token, Some(Secret::new("psf")));
    assert_eq!(cfg.psf_sponsors.auth_scheme, "Bearer");
    assert_eq!(cfg.psf_sponsors.publisher, "pyus");
    assert_eq!(cfg.psf_sponsors.flight, "fl");
    for f in Feature::ALL {
        assert!(!cfg.features.get(f), "{f}");
    }
}

// ---- CONF-40: environment overlay ----

#[test]
fn conf_40_env_sets_root_integer() {
    let cfg = parse_env("", &[("TESSERA_CART_EXPIRY_MINUTES", "45")]).unwrap();
    assert_eq!(cfg.cart_expiry_minutes, 45);
    assert_eq!(cfg.cart_expiry(), chrono::Duration::minutes(45));
}

#[test]
fn conf_40_env_sets_nested_key_with_double_underscore() {
    let cfg = parse_env("", &[("TESSERA_STRIPE__WEBHOOK_TOLERANCE", "600")]).unwrap();
    assert_eq!(cfg.stripe.webhook_tolerance, 600);
}

#[test]
fn conf_40_env_parses_booleans() {
    let cfg = parse_env(
        "",
        &[
            ("TESSERA_FEATURES__REGISTRATION_ENABLED", "false"),
            ("TESSERA_FEATURES__SPONSORS_ENABLED", "0"),
            ("TESSERA_FEATURES__PROGRAMS_ENABLED", "Off"),
            ("TESSERA_PRETALX__SCHEDULE_DELETE_GUARD_ENABLED", "no"),
        ],
    )
    .unwrap();
    assert!(!cfg.features.registration_enabled);
    assert!(!cfg.features.sponsors_enabled);
    assert!(!cfg.features.programs_enabled);
    assert!(cfg.features.travel_grants_enabled);
    assert!(!cfg.pretalx.schedule_delete_guard_enabled);
    let cfg = parse_env("", &[("TESSERA_FEATURES__ALL_UI_ENABLED", "TRUE")]).unwrap();
    assert!(cfg.features.all_ui_enabled);
}

#[test]
fn conf_40_env_parses_floats_strings_decimals_and_lists() {
    let cfg = parse_env(
        "",
        &[
            (
                "TESSERA_PRETALX__SCHEDULE_DELETE_GUARD_MAX_FRACTION_REMOVED",
                "0.25",
            ),
            ("TESSERA_CURRENCY", "EUR"),
            ("TESSERA_MAX_GRANT_AMOUNT", "1234.56"),
            ("TESSERA_STRIPE__WEBHOOK_SECRETS", "whsec_a, whsec_b,,"),
            ("TESSERA_STRIPE__SECRET_KEY", "sk_live_x"),
        ],
    )
    .unwrap();
    assert_eq!(cfg.pretalx.schedule_delete_guard_max_fraction_removed, 0.25);
    assert_eq!(cfg.currency, "EUR");
    assert_eq!(cfg.max_grant_amount, Decimal::from_str("1234.56").unwrap());
    assert_eq!(
        cfg.stripe.webhook_secrets,
        vec![Secret::new("whsec_a"), Secret::new("whsec_b")]
    );
    assert_eq!(cfg.stripe.secret_key, Some(Secret::new("sk_live_x")));
}

#[test]
fn conf_40_env_wins_over_file() {
    let cfg = parse_env(
        "cart_expiry_minutes = 10\n[stripe]\nwebhook_tolerance = 100\n",
        &[
            ("TESSERA_CART_EXPIRY_MINUTES", "45"),
            ("TESSERA_STRIPE__WEBHOOK_TOLERANCE", "600"),
        ],
    )
    .unwrap();
    assert_eq!(cfg.cart_expiry_minutes, 45);
    assert_eq!(cfg.stripe.webhook_tolerance, 600);
}

#[test]
fn conf_40_env_value_of_wrong_type_names_key_and_variable() {
    assert_eq!(
        env_err("", &[("TESSERA_CART_EXPIRY_MINUTES", "soon")]),
        "invalid config: cart_expiry_minutes must be an integer (got 'soon' from TESSERA_CART_EXPIRY_MINUTES)"
    );
    assert_eq!(
        env_err("", &[("TESSERA_FEATURES__REGISTRATION_ENABLED", "maybe")]),
        "invalid config: features.registration_enabled must be a boolean (got 'maybe' from TESSERA_FEATURES__REGISTRATION_ENABLED)"
    );
    assert_eq!(
        env_err(
            "",
            &[(
                "TESSERA_PRETALX__SCHEDULE_DELETE_GUARD_MAX_FRACTION_REMOVED",
                "half"
            )]
        ),
        "invalid config: pretalx.schedule_delete_guard_max_fraction_removed must be a number (got 'half' from TESSERA_PRETALX__SCHEDULE_DELETE_GUARD_MAX_FRACTION_REMOVED)"
    );
}

#[test]
fn conf_40_env_values_are_validated_like_file_values() {
    assert_eq!(
        env_err("", &[("TESSERA_CART_EXPIRY_MINUTES", "0")]),
        "invalid config: cart_expiry_minutes must be a positive integer (got 0)"
    );
    assert_eq!(
        env_err("", &[("TESSERA_CURRENCY", "  ")]),
        "invalid config: currency must be a non-blank string (got '  ')"
    );
}

#[test]
fn conf_40_unknown_env_keys_are_rejected() {
    assert_eq!(
        env_err("", &[("TESSERA_CART_EXPIRY", "5")]),
        "invalid config: unknown key 'cart_expiry' (from TESSERA_CART_EXPIRY)"
    );
    assert_eq!(
        env_err("", &[("TESSERA_STRIPE__FOO", "5")]),
        "invalid config: unknown key 'stripe.foo' (from TESSERA_STRIPE__FOO)"
    );
    assert_eq!(
        env_err("", &[("TESSERA_NOPE__FOO", "5")]),
        "invalid config: unknown key 'nope.foo' (from TESSERA_NOPE__FOO)"
    );
    assert_eq!(
        env_err("", &[("TESSERA_A__B__C", "5")]),
        "invalid config: unknown key 'a.b.c' (from TESSERA_A__B__C)"
    );
}

#[test]
fn conf_40_env_cannot_replace_a_whole_section() {
    let e = parse_env("", &[("TESSERA_STRIPE", "x")]).unwrap_err();
    assert_eq!(e.key(), Some("stripe"));
}

#[test]
fn conf_40_env_ignores_other_variables_and_cli_variables() {
    let cfg = parse_env(
        "",
        &[
            ("PATH", "/usr/bin"),
            ("DATABASE_URL", "sqlite://x.db"),
            ("TESSERA_CONFIG", "/etc/tessera.toml"),
            ("TESSERA_LOG", "debug"),
            ("tessera_currency", "EUR"),
        ],
    )
    .unwrap();
    assert_eq!(cfg, Config::default());
}

#[test]
fn conf_40_env_creates_a_section_absent_from_the_file() {
    let cfg = parse_env(
        "currency = \"EUR\"\n",
        &[("TESSERA_PSF_SPONSORS__PUBLISHER", "pyus")],
    )
    .unwrap();
    assert_eq!(cfg.psf_sponsors.publisher, "pyus");
    assert_eq!(cfg.psf_sponsors.flight, "sponsors");
}

// ---- CONF-41..44: defaults ----

#[test]
fn conf_41_stripe_defaults() {
    let s = parse("").unwrap().stripe;
    assert_eq!(s.secret_key, None);
    assert_eq!(s.publishable_key, None);
    assert_eq!(s.webhook_secret, None);
    assert!(s.webhook_secrets.is_empty());
    assert!(s.signing_secrets().is_empty());
    assert_eq!(s.api_version, "2024-12-18");
    assert_eq!(s.webhook_tolerance, 300);
    assert_eq!(s.api_base, "https://api.stripe.com");
}

#[test]
fn conf_41_empty_optional_strings_mean_not_set() {
    let s = parse("[stripe]\nsecret_key = \"\"\nwebhook_secret = \"\"\n")
        .unwrap()
        .stripe;
    assert_eq!(s.secret_key, None);
    assert_eq!(s.webhook_secret, None);
}

#[test]
fn conf_41_webhook_secret_rotation_list_is_combined() {
    let s = parse("[stripe]\nwebhook_secret = \"old\"\nwebhook_secrets = [\"new\", \"old\"]\n")
        .unwrap()
        .stripe;
    let all: Vec<&str> = s.signing_secrets().iter().map(|x| x.expose()).collect();
    assert_eq!(all, vec!["old", "new"]);
    let only_list = parse("[stripe]\nwebhook_secrets = [\"a\", \"b\"]\n")
        .unwrap()
        .stripe;
    assert_eq!(only_list.signing_secrets().len(), 2);
}

#[test]
fn conf_41_negative_webhook_tolerance_is_rejected() {
    assert_eq!(
        err("[stripe]\nwebhook_tolerance = -1\n"),
        "invalid config: stripe.webhook_tolerance must be an integer >= 0 (got -1)"
    );
}

#[test]
fn conf_42_pretalx_defaults() {
    let p = parse("").unwrap().pretalx;
    assert_eq!(p.base_url, "https://pretalx.com");
    assert_eq!(p.token, None);
    assert!(p.schedule_delete_guard_enabled);
    assert_eq!(p.schedule_delete_guard_min_existing_slots, 5);
    assert_eq!(p.schedule_delete_guard_max_fraction_removed, 0.4);
}

#[test]
fn conf_43_psf_sponsors_defaults() {
    let q = parse("").unwrap().psf_sponsors;
    assert_eq!(q.api_url, "https://www.python.org/api/v2");
    assert_eq!(q.token, None);
    assert_eq!(q.auth_scheme, "Token");
    assert_eq!(q.publisher, "pycon");
    assert_eq!(q.flight, "sponsors");
}

#[test]
fn conf_44_general_defaults() {
    let c = parse("").unwrap();
    assert_eq!(c.cart_expiry_minutes, 30);
    assert_eq!(c.pending_order_expiry_minutes, 15);
    assert_eq!(c.pending_order_expiry(), chrono::Duration::minutes(15));
    assert_eq!(c.hold_sweep_seconds, 30);
    assert_eq!(c.hold_sweep_interval(), std::time::Duration::from_secs(30));
    assert_eq!(c.order_reference_prefix, "ORD");
    assert_eq!(c.currency, "USD");
    assert_eq!(c.currency_symbol, "$");
    assert_eq!(c.max_grant_amount, Decimal::from(3000));
    assert_eq!(c.attendee_profile_model, "");
    assert_eq!(c.token_ttl_hours, 720);
    assert_eq!(c.token_ttl(), chrono::Duration::hours(720));
    assert_eq!(c.secret_key, None, "no built-in signing key");
    assert_eq!(c.login_max_failures, 5);
    assert_eq!(c.login_failure_window_seconds, 900);
    assert_eq!(
        c.login_failure_limit(),
        crate::identity::throttle::Limit {
            max: 5,
            span: chrono::Duration::minutes(15)
        }
    );
    assert_eq!(c.login_max_attempts_per_address, 20);
    assert_eq!(c.login_address_window_seconds, 60);
    assert_eq!(
        c.login_address_limit(),
        crate::identity::throttle::Limit {
            max: 20,
            span: chrono::Duration::minutes(1)
        }
    );
    assert!(!c.trust_forwarded_for);
    assert_eq!(c.idempotency_ttl_hours, 24);
    assert_eq!(c.idempotency_ttl(), chrono::Duration::hours(24));
}

#[test]
fn conf_21_feature_defaults_are_all_true_and_settable_individually() {
    let c = parse("").unwrap();
    assert_eq!(c.features, FeatureDefaults::default());
    let c = parse("[features]\nvisa_letters_enabled = false\n").unwrap();
    assert!(!c.features.visa_letters_enabled);
    assert!(c.features.registration_enabled);
}

#[test]
fn conf_44_secrets_are_redacted_in_debug_output() {
    let c = parse(
        "secret_key = \"topsecret-topsecret-topsecret-topsecret\"\n\
         [stripe]\nsecret_key = \"sk_live_abc\"\n",
    )
    .unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("topsecret"), "{dbg}");
    assert!(!dbg.contains("sk_live_abc"), "{dbg}");
    assert!(dbg.contains("***"));
}

// ---- CONF-45 ----

#[test]
fn conf_45_rejects_zero_cart_expiry() {
    let e = parse("cart_expiry_minutes = 0\n").unwrap_err();
    assert_eq!(e.key(), Some("cart_expiry_minutes"));
    assert_eq!(
        e.to_string(),
        "invalid config: cart_expiry_minutes must be a positive integer (got 0)"
    );
}

#[test]
fn conf_45_rejects_negative_pending_order_expiry() {
    assert_eq!(
        err("pending_order_expiry_minutes = -5\n"),
        "invalid config: pending_order_expiry_minutes must be a positive integer (got -5)"
    );
}

#[test]
fn conf_45_rejects_non_integer_expiries() {
    assert_eq!(
        err("cart_expiry_minutes = 1.5\n"),
        "invalid config: cart_expiry_minutes must be a positive integer (got 1.5)"
    );
    assert_eq!(
        err("cart_expiry_minutes = \"30\"\n"),
        "invalid config: cart_expiry_minutes must be a positive integer (got '30')"
    );
    assert_eq!(
        err("pending_order_expiry_minutes = true\n"),
        "invalid config: pending_order_expiry_minutes must be a positive integer (got true)"
    );
}

#[test]
fn conf_45_rejects_expiry_beyond_range() {
    assert_eq!(
        err("cart_expiry_minutes = 99999999999\n"),
        "invalid config: cart_expiry_minutes must be a positive integer (got 99999999999)"
    );
}

#[test]
fn conf_45_accepts_positive_expiries() {
    let c = parse("cart_expiry_minutes = 1\npending_order_expiry_minutes = 1440\n").unwrap();
    assert_eq!(c.cart_expiry_minutes, 1);
    assert_eq!(c.pending_order_expiry_minutes, 1440);
}

/// ORDER-20's sweeper period is validated like the expiries (CONF-45's rule).
#[test]
fn conf_45_hold_sweep_seconds_must_be_a_positive_integer() {
    let e = parse("hold_sweep_seconds = 0\n").unwrap_err();
    assert_eq!(e.key(), Some("hold_sweep_seconds"));
    assert_eq!(
        e.to_string(),
        "invalid config: hold_sweep_seconds must be a positive integer (got 0)"
    );
    assert_eq!(
        err("hold_sweep_seconds = -30\n"),
        "invalid config: hold_sweep_seconds must be a positive integer (got -30)"
    );
    assert_eq!(
        err("hold_sweep_seconds = 2.5\n"),
        "invalid config: hold_sweep_seconds must be a positive integer (got 2.5)"
    );
    let c = parse_env(
        "hold_sweep_seconds = 10\n",
        &[("TESSERA_HOLD_SWEEP_SECONDS", "3")],
    )
    .unwrap();
    assert_eq!(c.hold_sweep_interval(), std::time::Duration::from_secs(3));
}

#[test]
fn conf_45_rejects_blank_currency_and_symbol() {
    assert_eq!(
        err("currency = \"\"\n"),
        "invalid config: currency must be a non-blank string (got '')"
    );
    assert_eq!(
        err("currency_symbol = \"   \"\n"),
        "invalid config: currency_symbol must be a non-blank string (got '   ')"
    );
    assert_eq!(
        err("currency = 978\n"),
        "invalid config: currency must be a non-blank string (got 978)"
    );
}

#[test]
fn conf_45_rejects_zero_token_ttl_and_blank_or_short_secret_key() {
    assert_eq!(
        err("token_ttl_hours = 0\n"),
        "invalid config: token_ttl_hours must be a positive integer (got 0)"
    );
    let expected = "invalid config: secret_key must be empty or a non-blank key of at least \
                    32 characters";
    assert_eq!(
        err("secret_key = \" \"\n"),
        format!("{expected} (got 1 characters)")
    );
    let blank = " ".repeat(40);
    assert_eq!(
        err(&format!("secret_key = \"{blank}\"\n")),
        format!("{expected} (got 40 characters)")
    );
    // The message never echoes the key.
    let short = env_err("", &[("TESSERA_SECRET_KEY", "hunter2")]);
    assert_eq!(short, format!("{expected} (got 7 characters)"));
    assert!(!short.contains("hunter2"));
}

#[test]
fn an_empty_secret_key_means_none_configured() {
    assert_eq!(parse("secret_key = \"\"\n").unwrap().secret_key, None);
    let key = "k".repeat(32);
    let c = parse_env("", &[("TESSERA_SECRET_KEY", &key)]).unwrap();
    assert_eq!(c.secret_key, Some(Secret::new(key)));
}

#[test]
fn login_limits_and_idempotency_ttl_are_positive() {
    for key in [
        "login_max_failures",
        "login_failure_window_seconds",
        "login_max_attempts_per_address",
        "login_address_window_seconds",
        "idempotency_ttl_hours",
    ] {
        assert_eq!(
            err(&format!("{key} = 0\n")),
            format!("invalid config: {key} must be a positive integer (got 0)")
        );
    }
    assert_eq!(
        err("trust_forwarded_for = \"yes\"\n"),
        "invalid config: trust_forwarded_for must be a boolean (got 'yes')"
    );
    let c = parse_env("", &[("TESSERA_TRUST_FORWARDED_FOR", "on")]).unwrap();
    assert!(c.trust_forwarded_for);
}

// ---- CONF-46 ----

#[test]
fn conf_46_guard_enabled_must_be_boolean() {
    assert_eq!(
        err("[pretalx]\nschedule_delete_guard_enabled = 1\n"),
        "invalid config: pretalx.schedule_delete_guard_enabled must be a boolean (got 1)"
    );
}

#[test]
fn conf_46_min_existing_slots_must_be_non_negative_integer() {
    assert_eq!(
        err("[pretalx]\nschedule_delete_guard_min_existing_slots = -1\n"),
        "invalid config: pretalx.schedule_delete_guard_min_existing_slots must be an integer >= 0 (got -1)"
    );
    assert_eq!(
        err("[pretalx]\nschedule_delete_guard_min_existing_slots = 2.0\n"),
        "invalid config: pretalx.schedule_delete_guard_min_existing_slots must be an integer >= 0 (got 2.0)"
    );
    let c = parse("[pretalx]\nschedule_delete_guard_min_existing_slots = 0\n").unwrap();
    assert_eq!(c.pretalx.schedule_delete_guard_min_existing_slots, 0);
}

#[test]
fn conf_46_max_fraction_removed_must_be_within_zero_and_one() {
    assert_eq!(
        err("[pretalx]\nschedule_delete_guard_max_fraction_removed = 1.5\n"),
        "invalid config: pretalx.schedule_delete_guard_max_fraction_removed must be a number between 0 and 1 (got 1.5)"
    );
    assert_eq!(
        err("[pretalx]\nschedule_delete_guard_max_fraction_removed = -0.1\n"),
        "invalid config: pretalx.schedule_delete_guard_max_fraction_removed must be a number between 0 and 1 (got -0.1)"
    );
    assert_eq!(
        err("[pretalx]\nschedule_delete_guard_max_fraction_removed = \"0.5\"\n"),
        "invalid config: pretalx.schedule_delete_guard_max_fraction_removed must be a number between 0 and 1 (got '0.5')"
    );
    assert!(
        err("[pretalx]\nschedule_delete_guard_max_fraction_removed = nan\n").contains(
            "pretalx.schedule_delete_guard_max_fraction_removed must be a number between 0 and 1"
        )
    );
}

#[test]
fn conf_46_max_fraction_bounds_are_inclusive() {
    for (text, want) in [("0", 0.0), ("1", 1.0), ("0.0", 0.0), ("1.0", 1.0)] {
        let c = parse(&format!(
            "[pretalx]\nschedule_delete_guard_max_fraction_removed = {text}\n"
        ))
        .unwrap();
        assert_eq!(c.pretalx.schedule_delete_guard_max_fraction_removed, want);
    }
}

// ---- CONF-47 ----

#[test]
fn conf_47_prefix_grant_amount_and_api_version_are_not_validated() {
    let c = parse(
        "order_reference_prefix = \"\"\nmax_grant_amount = -10\n[stripe]\napi_version = \"whatever\"\n",
    )
    .unwrap();
    assert_eq!(c.order_reference_prefix, "");
    assert_eq!(c.max_grant_amount, Decimal::from(-10));
    assert_eq!(c.stripe.api_version, "whatever");
}

#[test]
fn conf_47_max_grant_amount_reads_floats_as_exact_decimals() {
    let c = parse("max_grant_amount = 1999.99\n").unwrap();
    assert_eq!(c.max_grant_amount.to_string(), "1999.99");
    let c = parse("max_grant_amount = \"2500.10\"\n").unwrap();
    assert_eq!(c.max_grant_amount.to_string(), "2500.10");
    assert_eq!(
        err("max_grant_amount = true\n"),
        "invalid config: max_grant_amount must be a number (got true)"
    );
}

// ---- CONF-48 / 49 ----

#[test]
fn conf_48_config_is_a_value_snapshot() {
    let a = parse("currency = \"EUR\"\n").unwrap();
    let b = a.clone();
    assert_eq!(a, b);
}

#[test]
fn conf_49_attendee_profile_model_defaults_to_none() {
    assert_eq!(parse("").unwrap().attendee_profile_model, "");
    assert_eq!(
        parse("attendee_profile_model = \"app.Profile\"\n")
            .unwrap()
            .attendee_profile_model,
        "app.Profile"
    );
}
