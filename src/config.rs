//! Program configuration (SPEC CONF-40…49): one typed, validated, immutable
//! snapshot read from `tessera.toml` and overlaid with `TESSERA_*` environment
//! variables.
//!
//! Loading is: parse the file into a `toml::Value` tree, check its shape (CONF-40:
//! the root and the sections `site`, `stripe`, `pretalx`, `psf_sponsors`, `features` are
//! tables; unknown keys are rejected), overlay the environment, then convert and
//! validate every key by hand so each error names the offending key.
//!
//! Environment overlay: `TESSERA_<KEY>` sets a root key, `TESSERA_<SECTION>__<KEY>`
//! (double underscore) a key of a section, e.g. `TESSERA_CART_EXPIRY_MINUTES=45`,
//! `TESSERA_STRIPE__WEBHOOK_TOLERANCE=600`,
//! `TESSERA_FEATURES__REGISTRATION_ENABLED=false`. The value is parsed according to
//! the target key's type: integers, booleans (`true/false/1/0/yes/no/on/off`),
//! numbers, strings; a list of strings (`stripe.webhook_secrets`) is
//! comma-separated. A `TESSERA_*` variable that names no key is rejected, except
//! the ones listed in [`NON_CONFIG_ENV_VARS`]. Environment values win over the file.
//!
//! Optional strings (tokens, Stripe keys) given as an empty string mean "not set".

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use toml::{Table, Value};

use crate::features::{Feature, FeatureDefaults};

mod mail;
pub use mail::{MailConfig, MailTls};

/// The default file name looked up in the current directory.
pub const DEFAULT_CONFIG_FILE: &str = "tessera.toml";

/// The prefix of configuration environment variables.
pub const ENV_PREFIX: &str = "TESSERA_";

/// `TESSERA_*` variables that are not configuration keys (read by the CLI or by the
/// test harness) and are therefore not rejected as unknown keys.
pub const NON_CONFIG_ENV_VARS: &[&str] = &[
    "TESSERA_CONFIG",
    "TESSERA_LOG",
    "TESSERA_REQUIRE_BROWSER",
    "TESSERA_REQUIRE_POSTGRES",
    "TESSERA_WRITE_CORPUS",
];

/// The shortest `secret_key` accepted: a short key can be guessed offline from
/// any one token.
pub const MIN_SECRET_KEY_LEN: usize = 32;

/// A secret string (API key, token, signing key). Its `Debug` output is redacted so
/// a logged config never leaks it; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

/// The configuration snapshot (CONF-48: immutable; recomputed only by loading again).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Minutes before an inactive cart expires (default 30; positive, CONF-45).
    pub cart_expiry_minutes: u32,
    /// Minutes before a pending order's hold expires (default 15; positive, CONF-45).
    pub pending_order_expiry_minutes: u32,
    /// Seconds between two runs of the hold sweeper under `serve`, which records the
    /// expiry of stale pending orders (ORDER-20) in every conference without
    /// waiting for a checkout there (default 30; positive).
    pub hold_sweep_seconds: u32,
    /// Milliseconds a command may take, queue included, before its caller is
    /// answered 503 with Retry-After (default 10000; positive). `/readyz` reports
    /// an aggregate whose commands have been running longer than this.
    pub command_deadline_ms: u32,
    /// Connections `serve` keeps to the database at most (default 32; positive).
    /// Several instances on one PostgreSQL share its `max_connections` (100 by
    /// default): keep their sum below it.
    pub database_max_connections: u32,
    /// Prefix of order references (default "ORD"; not validated, CONF-47).
    pub order_reference_prefix: String,
    /// ISO 4217 currency code (default "USD"; non-blank, CONF-45).
    pub currency: String,
    /// Display symbol (default "$"; non-blank, CONF-45).
    pub currency_symbol: String,
    /// Maximum travel grant amount (default 3000; not validated, CONF-47).
    pub max_grant_amount: Decimal,
    /// "app.Model" of a custom attendee profile, "" = none (CONF-49).
    pub attendee_profile_model: String,
    /// Key that signs auth tokens (`TESSERA_SECRET_KEY`; at least
    /// [`MIN_SECRET_KEY_LEN`] characters). None (the default): a random key is
    /// generated on first start and kept in the database, shared by every
    /// instance on it (src/identity/signing_key.rs).
    pub secret_key: Option<Secret>,
    /// Master key of personal data (`TESSERA_PERSONAL_DATA_KEY`; 32 bytes as
    /// base64 or 64 hex digits): wraps each person's data key (src/personal).
    /// None (the default): generated on first start and kept in the database;
    /// production should set it outside the database.
    pub personal_data_key: Option<Secret>,
    /// Lifetime of auth tokens in hours (default 720; positive).
    pub token_ttl_hours: u32,
    /// Failed logins allowed per account within `login_failure_window_seconds`
    /// (default 5; positive); more answer 429.
    pub login_max_failures: u32,
    /// The window of `login_max_failures`, in seconds (default 900; positive).
    pub login_failure_window_seconds: u32,
    /// Login attempts allowed per client address within
    /// `login_address_window_seconds` (default 20; positive); more answer 429.
    pub login_max_attempts_per_address: u32,
    /// The window of `login_max_attempts_per_address`, in seconds (default 60;
    /// positive).
    pub login_address_window_seconds: u32,
    /// Take the client address from the last `X-Forwarded-For` entry instead of
    /// the socket's peer (default false). Only behind a proxy that sets it: a
    /// client could otherwise claim any address.
    pub trust_forwarded_for: bool,
    /// Hours an `Idempotency-Key` response is kept and replayed (default 24;
    /// positive); older records are deleted.
    pub idempotency_ttl_hours: u32,
    pub stripe: StripeConfig,
    pub pretalx: PretalxConfig,
    pub psf_sponsors: PsfSponsorsConfig,
    /// `[mail]`: the SMTP server of the outbox (src/notifications).
    pub mail: MailConfig,
    /// Global feature defaults (CONF-21), section `[features]`.
    pub features: FeatureDefaults,
    pub webhooks: WebhooksConfig,
    /// `[site]`: where the public site lives.
    pub site: SiteConfig,
    /// `[files]`: the file store of uploaded receipts (docs/grants.md).
    pub files: FilesConfig,
}

/// `[files]`: the content-addressed store of uploaded files (GRANT-36 receipts).
#[derive(Clone, Debug, PartialEq)]
pub struct FilesConfig {
    /// Directory of the store (`TESSERA_FILES__ROOT`). None (the default): a
    /// `files` directory beside the SQLite database, or `./tessera-files` on
    /// PostgreSQL. Every instance of one deployment must see the same directory.
    pub root: Option<String>,
    /// Minutes after which a stored file that no receipt references is removed
    /// by the orphan sweep (default 60; positive).
    pub orphan_minutes: u32,
}

impl Default for FilesConfig {
    fn default() -> Self {
        Self {
            root: None,
            orphan_minutes: 60,
        }
    }
}

/// `[site]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteConfig {
    /// The public site's origin, e.g. `https://tickets.example.org` (no trailing
    /// slash): Stripe Checkout sends payers back there (donations and bulk
    /// purchases). Unset: the request's own origin.
    pub public_url: Option<String>,
}

/// `[webhooks]`: outgoing webhook delivery (docs/webhooks.md).
#[derive(Clone, Debug, PartialEq)]
pub struct WebhooksConfig {
    /// Accept `http://` endpoints on 127.0.0.1, [::1] and localhost (default
    /// false: HTTPS only). For tests and local development.
    pub allow_insecure_localhost: bool,
    /// First retry delay in milliseconds, doubled per attempt (default 30000).
    pub retry_base_ms: u64,
    /// Longest delay between two attempts in milliseconds (default 3600000).
    pub retry_max_ms: u64,
    /// Hours a delivery is retried before it is marked failed (default 24; positive).
    pub retry_window_hours: u32,
    /// Timeout of one delivery request in milliseconds (default 10000; positive).
    pub timeout_ms: u32,
    /// Hours a rotated-out secret keeps signing beside the new one (default 24).
    pub secret_grace_hours: u32,
    /// Milliseconds between two polls of the delivery worker (default 1000; positive).
    pub poll_ms: u32,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            allow_insecure_localhost: false,
            retry_base_ms: 30_000,
            retry_max_ms: 3_600_000,
            retry_window_hours: 24,
            timeout_ms: 10_000,
            secret_grace_hours: 24,
            poll_ms: 1000,
        }
    }
}

/// `[stripe]` (CONF-41).
#[derive(Clone, Debug, PartialEq)]
pub struct StripeConfig {
    pub secret_key: Option<Secret>,
    pub publishable_key: Option<String>,
    /// The webhook signing secret.
    pub webhook_secret: Option<Secret>,
    /// Extra webhook signing secrets, accepted during a secret rotation.
    pub webhook_secrets: Vec<Secret>,
    /// Pinned API version (default "2024-12-18"; not validated, CONF-47).
    pub api_version: String,
    /// Maximum age of a webhook event, in seconds (default 300).
    pub webhook_tolerance: u64,
    /// Base URL of the Stripe API (default "https://api.stripe.com"); tests point it
    /// at a fake server.
    pub api_base: String,
}

impl StripeConfig {
    /// Every configured webhook signing secret: `webhook_secret` first, then
    /// `webhook_secrets`, without duplicates.
    pub fn signing_secrets(&self) -> Vec<&Secret> {
        let mut out: Vec<&Secret> = Vec::new();
        for s in self
            .webhook_secret
            .iter()
            .chain(self.webhook_secrets.iter())
        {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }
}

/// `[pretalx]` (CONF-42).
#[derive(Clone, Debug, PartialEq)]
pub struct PretalxConfig {
    pub base_url: String,
    pub token: Option<Secret>,
    pub schedule_delete_guard_enabled: bool,
    pub schedule_delete_guard_min_existing_slots: u32,
    /// In [0, 1] (CONF-46).
    pub schedule_delete_guard_max_fraction_removed: f64,
}

/// `[psf_sponsors]` (CONF-43).
#[derive(Clone, Debug, PartialEq)]
pub struct PsfSponsorsConfig {
    pub api_url: String,
    pub token: Option<Secret>,
    pub auth_scheme: String,
    pub publisher: String,
    pub flight: String,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            secret_key: None,
            publishable_key: None,
            webhook_secret: None,
            webhook_secrets: Vec::new(),
            api_version: "2024-12-18".into(),
            webhook_tolerance: 300,
            api_base: "https://api.stripe.com".into(),
        }
    }
}

impl Default for PretalxConfig {
    fn default() -> Self {
        Self {
            base_url: "https://pretalx.com".into(),
            token: None,
            schedule_delete_guard_enabled: true,
            schedule_delete_guard_min_existing_slots: 5,
            schedule_delete_guard_max_fraction_removed: 0.4,
        }
    }
}

impl Default for PsfSponsorsConfig {
    fn default() -> Self {
        Self {
            api_url: "https://www.python.org/api/v2".into(),
            token: None,
            auth_scheme: "Token".into(),
            publisher: "pycon".into(),
            flight: "sponsors".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            cart_expiry_minutes: 30,
            pending_order_expiry_minutes: 15,
            hold_sweep_seconds: 30,
            command_deadline_ms: 10_000,
            database_max_connections: 32,
            order_reference_prefix: "ORD".into(),
            currency: "USD".into(),
            currency_symbol: "$".into(),
            max_grant_amount: Decimal::from(3000),
            attendee_profile_model: String::new(),
            secret_key: None,
            personal_data_key: None,
            token_ttl_hours: 720,
            login_max_failures: 5,
            login_failure_window_seconds: 900,
            login_max_attempts_per_address: 20,
            login_address_window_seconds: 60,
            trust_forwarded_for: false,
            idempotency_ttl_hours: 24,
            stripe: StripeConfig::default(),
            pretalx: PretalxConfig::default(),
            psf_sponsors: PsfSponsorsConfig::default(),
            mail: MailConfig::default(),
            features: FeatureDefaults::default(),
            webhooks: WebhooksConfig::default(),
            site: SiteConfig::default(),
            files: FilesConfig::default(),
        }
    }
}

/// Why the configuration could not be loaded. Every validation message names the
/// offending key.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("config file not found: {path}")]
    NotFound { path: String },
    #[error("cannot read config file {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("invalid TOML in {path}: {detail}")]
    Toml { path: String, detail: String },
    #[error("invalid config: unknown key '{key}'")]
    UnknownKey { key: String },
    #[error("invalid config: unknown key '{key}' (from {var})")]
    UnknownEnvKey { key: String, var: String },
    /// A key has the wrong type and no value worth echoing (tables).
    #[error("invalid config: {key} must be {expected}")]
    Type { key: String, expected: String },
    /// A key has a wrong type or value.
    #[error("invalid config: {key} must be {expected} (got {got})")]
    Value {
        key: String,
        expected: String,
        got: String,
    },
    /// An environment value could not be parsed as the key's type.
    #[error("invalid config: {key} must be {expected} (got '{value}' from {var})")]
    Env {
        key: String,
        expected: String,
        value: String,
        var: String,
    },
}

impl ConfigError {
    /// The dotted key the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::NotFound { .. } | ConfigError::Read { .. } | ConfigError::Toml { .. } => {
                None
            }
            ConfigError::UnknownKey { key }
            | ConfigError::UnknownEnvKey { key, .. }
            | ConfigError::Type { key, .. }
            | ConfigError::Value { key, .. }
            | ConfigError::Env { key, .. } => Some(key),
        }
    }
}

// ---------------------------------------------------------------------------
// Schema: every key and its type. Used to reject unknown keys and to parse
// environment values; the conversion below reads exactly these keys.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Number,
    Str,
    Decimal,
    StrList,
}

const ROOT_KEYS: &[(&str, Kind)] = &[
    ("cart_expiry_minutes", Kind::Int),
    ("pending_order_expiry_minutes", Kind::Int),
    ("hold_sweep_seconds", Kind::Int),
    ("command_deadline_ms", Kind::Int),
    ("database_max_connections", Kind::Int),
    ("order_reference_prefix", Kind::Str),
    ("currency", Kind::Str),
    ("currency_symbol", Kind::Str),
    ("max_grant_amount", Kind::Decimal),
    ("attendee_profile_model", Kind::Str),
    ("secret_key", Kind::Str),
    ("personal_data_key", Kind::Str),
    ("token_ttl_hours", Kind::Int),
    ("login_max_failures", Kind::Int),
    ("login_failure_window_seconds", Kind::Int),
    ("login_max_attempts_per_address", Kind::Int),
    ("login_address_window_seconds", Kind::Int),
    ("trust_forwarded_for", Kind::Bool),
    ("idempotency_ttl_hours", Kind::Int),
];

const STRIPE_KEYS: &[(&str, Kind)] = &[
    ("secret_key", Kind::Str),
    ("publishable_key", Kind::Str),
    ("webhook_secret", Kind::Str),
    ("webhook_secrets", Kind::StrList),
    ("api_version", Kind::Str),
    ("webhook_tolerance", Kind::Int),
    ("api_base", Kind::Str),
];

const PRETALX_KEYS: &[(&str, Kind)] = &[
    ("base_url", Kind::Str),
    ("token", Kind::Str),
    ("schedule_delete_guard_enabled", Kind::Bool),
    ("schedule_delete_guard_min_existing_slots", Kind::Int),
    ("schedule_delete_guard_max_fraction_removed", Kind::Number),
];

const PSF_KEYS: &[(&str, Kind)] = &[
    ("api_url", Kind::Str),
    ("token", Kind::Str),
    ("auth_scheme", Kind::Str),
    ("publisher", Kind::Str),
    ("flight", Kind::Str),
];

const FEATURE_KEYS: &[(&str, Kind)] = &[
    ("registration_enabled", Kind::Bool),
    ("sponsors_enabled", Kind::Bool),
    ("travel_grants_enabled", Kind::Bool),
    ("programs_enabled", Kind::Bool),
    ("pretalx_sync_enabled", Kind::Bool),
    ("visa_letters_enabled", Kind::Bool),
    ("public_ui_enabled", Kind::Bool),
    ("manage_ui_enabled", Kind::Bool),
    ("all_ui_enabled", Kind::Bool),
];

const WEBHOOK_KEYS: &[(&str, Kind)] = &[
    ("allow_insecure_localhost", Kind::Bool),
    ("retry_base_ms", Kind::Int),
    ("retry_max_ms", Kind::Int),
    ("retry_window_hours", Kind::Int),
    ("timeout_ms", Kind::Int),
    ("secret_grace_hours", Kind::Int),
    ("poll_ms", Kind::Int),
];

const SITE_KEYS: &[(&str, Kind)] = &[("public_url", Kind::Str)];

const FILE_KEYS: &[(&str, Kind)] = &[("root", Kind::Str), ("orphan_minutes", Kind::Int)];

const SECTIONS: &[(&str, &[(&str, Kind)])] = &[
    ("site", SITE_KEYS),
    ("files", FILE_KEYS),
    ("webhooks", WEBHOOK_KEYS),
    ("stripe", STRIPE_KEYS),
    ("pretalx", PRETALX_KEYS),
    ("psf_sponsors", PSF_KEYS),
    ("features", FEATURE_KEYS),
    ("mail", mail::MAIL_KEYS),
];

fn section_keys(section: &str) -> Option<&'static [(&'static str, Kind)]> {
    SECTIONS
        .iter()
        .find(|(name, _)| *name == section)
        .map(|(_, keys)| *keys)
}

fn kind_of(keys: &[(&str, Kind)], key: &str) -> Option<Kind> {
    keys.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind)
}

// ---------------------------------------------------------------------------
// Loading

impl Config {
    /// Loads the configuration.
    ///
    /// - `path = Some(p)`: reads `p`; a missing file is an error.
    /// - `path = None`: reads `tessera.toml` in the current directory if it exists,
    ///   else starts from the defaults.
    ///
    /// Then overlays the `TESSERA_*` entries of `env` and validates everything.
    pub fn load(path: Option<&Path>, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        Self::load_with_default(Path::new(DEFAULT_CONFIG_FILE), path, env)
    }

    /// [`Config::load`] with the default file location given explicitly.
    fn load_with_default(
        default_path: &Path,
        path: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let (text, name) = match path {
            Some(p) => {
                if !p.exists() {
                    return Err(ConfigError::NotFound {
                        path: p.display().to_string(),
                    });
                }
                (read(p)?, p.display().to_string())
            }
            None if default_path.is_file() => {
                (read(default_path)?, default_path.display().to_string())
            }
            None => (String::new(), default_path.display().to_string()),
        };
        Self::from_toml_str(&text, &name, env)
    }

    /// Parses `text` (TOML; `source` names it in messages), overlays `env` and
    /// validates. Pure.
    pub fn from_toml_str(
        text: &str,
        source: &str,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let root: Table = toml::from_str(text).map_err(|e| ConfigError::Toml {
            path: source.to_string(),
            detail: describe_toml_error(text, &e),
        })?;
        Self::from_table(root, env)
    }

    /// Validates an already parsed tree (CONF-40), overlays `env`, converts.
    pub fn from_table(
        mut root: Table,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        check_shape(&root)?;
        overlay_env(&mut root, env)?;
        convert(&root)
    }

    pub fn cart_expiry(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.cart_expiry_minutes))
    }

    pub fn pending_order_expiry(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.pending_order_expiry_minutes))
    }

    /// How often the hold sweeper runs (a wall-clock period for the scheduler, not
    /// a business time).
    pub fn hold_sweep_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.hold_sweep_seconds))
    }

    /// How long a command may take before its caller gets 503 (a wall-clock
    /// bound on waiting, not a business time).
    pub fn command_deadline(&self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::from(self.command_deadline_ms))
    }

    pub fn token_ttl(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.token_ttl_hours))
    }

    /// Failed logins allowed per account, and within how long.
    pub fn login_failure_limit(&self) -> crate::identity::throttle::Limit {
        crate::identity::throttle::Limit {
            max: self.login_max_failures,
            span: chrono::Duration::seconds(i64::from(self.login_failure_window_seconds)),
        }
    }

    /// Login attempts allowed per client address, and within how long.
    pub fn login_address_limit(&self) -> crate::identity::throttle::Limit {
        crate::identity::throttle::Limit {
            max: self.login_max_attempts_per_address,
            span: chrono::Duration::seconds(i64::from(self.login_address_window_seconds)),
        }
    }

    pub fn idempotency_ttl(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.idempotency_ttl_hours))
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// A one-line description of a TOML parse error: the parser's message and the
/// line/column where it happened.
pub(crate) fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    match err.span() {
        Some(span) => {
            let start = span.start.min(text.len());
            let before = text.get(..start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0)
                + 1;
            format!("{message} at line {line}, column {column}")
        }
        None => message,
    }
}

/// CONF-40: sections are tables; no unknown key at the root or in a section.
fn check_shape(root: &Table) -> Result<(), ConfigError> {
    for (key, value) in root {
        if let Some(keys) = section_keys(key) {
            let Value::Table(table) = value else {
                return Err(ConfigError::Type {
                    key: key.clone(),
                    expected: "a table".into(),
                });
            };
            if let Some(unknown) = table.keys().find(|k| kind_of(keys, k).is_none()) {
                return Err(ConfigError::UnknownKey {
                    key: format!("{key}.{unknown}"),
                });
            }
        } else if kind_of(ROOT_KEYS, key).is_none() {
            return Err(ConfigError::UnknownKey { key: key.clone() });
        }
    }
    Ok(())
}

fn overlay_env(root: &mut Table, env: &HashMap<String, String>) -> Result<(), ConfigError> {
    let mut vars: Vec<(&String, &String)> = env
        .iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX) && !NON_CONFIG_ENV_VARS.contains(&k.as_str()))
        .collect();
    vars.sort();
    for (var, raw) in vars {
        let rest = var[ENV_PREFIX.len()..].to_ascii_lowercase();
        let parts: Vec<&str> = rest.split("__").collect();
        let unknown = || ConfigError::UnknownEnvKey {
            key: parts.join("."),
            var: var.clone(),
        };
        match parts.as_slice() {
            [key] => {
                if section_keys(key).is_some() {
                    return Err(ConfigError::Env {
                        key: (*key).to_string(),
                        expected: "a table (set its keys with a double underscore)".into(),
                        value: raw.clone(),
                        var: var.clone(),
                    });
                }
                let kind = kind_of(ROOT_KEYS, key).ok_or_else(unknown)?;
                let value = parse_env(kind, key, var, raw)?;
                root.insert((*key).to_string(), value);
            }
            [section, key] => {
                let keys = section_keys(section).ok_or_else(unknown)?;
                let kind = kind_of(keys, key).ok_or_else(unknown)?;
                let dotted = format!("{section}.{key}");
                let value = parse_env(kind, &dotted, var, raw)?;
                let entry = root
                    .entry((*section).to_string())
                    .or_insert_with(|| Value::Table(Table::new()));
                match entry {
                    Value::Table(t) => {
                        t.insert((*key).to_string(), value);
                    }
                    // check_shape ran first, so a present section is a table.
                    _ => {
                        return Err(ConfigError::Type {
                            key: (*section).to_string(),
                            expected: "a table".into(),
                        });
                    }
                }
            }
            _ => return Err(unknown()),
        }
    }
    Ok(())
}

fn parse_env(kind: Kind, key: &str, var: &str, raw: &str) -> Result<Value, ConfigError> {
    let err = |expected: &str| ConfigError::Env {
        key: key.to_string(),
        expected: expected.to_string(),
        value: raw.to_string(),
        var: var.to_string(),
    };
    let trimmed = raw.trim();
    Ok(match kind {
        Kind::Int => Value::Integer(trimmed.parse::<i64>().map_err(|_| err("an integer"))?),
        Kind::Bool => Value::Boolean(match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(err("a boolean")),
        }),
        Kind::Number => Value::Float(trimmed.parse::<f64>().map_err(|_| err("a number"))?),
        Kind::Str | Kind::Decimal => Value::String(raw.to_string()),
        Kind::StrList => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
    })
}

/// How a value is shown in an error message.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(_) => "an array".into(),
        Value::Table(_) => "a table".into(),
    }
}

/// Reads the keys of one table (the root or a section), with defaults.
struct Reader<'a> {
    section: Option<&'static str>,
    table: Option<&'a Table>,
}

impl<'a> Reader<'a> {
    fn qualified(&self, key: &str) -> String {
        match self.section {
            Some(s) => format!("{s}.{key}"),
            None => key.to_string(),
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.table.and_then(|t| t.get(key))
    }

    fn invalid(&self, key: &str, expected: &str, got: &Value) -> ConfigError {
        ConfigError::Value {
            key: self.qualified(key),
            expected: expected.to_string(),
            got: show(got),
        }
    }

    fn int<T: TryFrom<i64>>(
        &self,
        key: &str,
        default: T,
        min: i64,
        expected: &str,
    ) -> Result<T, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v @ Value::Integer(i)) if *i >= min => {
                T::try_from(*i).map_err(|_| self.invalid(key, expected, v))
            }
            Some(v) => Err(self.invalid(key, expected, v)),
        }
    }

    fn positive_u32(&self, key: &str, default: u32) -> Result<u32, ConfigError> {
        self.int(key, default, 1, "a positive integer")
    }

    fn non_negative_u32(&self, key: &str, default: u32) -> Result<u32, ConfigError> {
        self.int(key, default, 0, "an integer >= 0")
    }

    fn non_negative_u64(&self, key: &str, default: u64) -> Result<u64, ConfigError> {
        self.int(key, default, 0, "an integer >= 0")
    }

    fn bool(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Boolean(b)) => Ok(*b),
            Some(v) => Err(self.invalid(key, "a boolean", v)),
        }
    }

    fn fraction(&self, key: &str, default: f64) -> Result<f64, ConfigError> {
        const EXPECTED: &str = "a number between 0 and 1";
        let (x, v) = match self.get(key) {
            None => return Ok(default),
            Some(v @ Value::Integer(i)) => (*i as f64, v),
            Some(v @ Value::Float(f)) => (*f, v),
            Some(v) => return Err(self.invalid(key, EXPECTED, v)),
        };
        if (0.0..=1.0).contains(&x) {
            Ok(x)
        } else {
            Err(self.invalid(key, EXPECTED, v))
        }
    }

    fn string(&self, key: &str, default: &str) -> Result<String, ConfigError> {
        match self.get(key) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(self.invalid(key, "a string", v)),
        }
    }

    fn non_blank(&self, key: &str, default: &str) -> Result<String, ConfigError> {
        match self.get(key) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(v) => Err(self.invalid(key, "a non-blank string", v)),
        }
    }

    /// An optional string; absent or empty means not set.
    fn opt_string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        let s = self.string(key, "")?;
        Ok(if s.is_empty() { None } else { Some(s) })
    }

    fn opt_secret(&self, key: &str) -> Result<Option<Secret>, ConfigError> {
        Ok(self.opt_string(key)?.map(Secret::new))
    }

    /// An optional secret that, when set, has at least `min` characters.
    fn opt_strong_secret(&self, key: &str, min: usize) -> Result<Option<Secret>, ConfigError> {
        match self.get(key) {
            // The message gives the length only: a secret is never echoed.
            Some(Value::String(s))
                if !s.is_empty() && (s.trim().is_empty() || s.chars().count() < min) =>
            {
                Err(ConfigError::Value {
                    key: self.qualified(key),
                    expected: format!("empty or a non-blank key of at least {min} characters"),
                    got: format!("{} characters", s.chars().count()),
                })
            }
            _ => self.opt_secret(key),
        }
    }

    fn string_list(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        const EXPECTED: &str = "a list of strings";
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(v @ Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(self.invalid(key, EXPECTED, v)),
                })
                .collect(),
            Some(v) => Err(self.invalid(key, EXPECTED, v)),
        }
    }

    fn decimal(&self, key: &str, default: Decimal) -> Result<Decimal, ConfigError> {
        const EXPECTED: &str = "a number";
        match self.get(key) {
            None => Ok(default),
            Some(Value::Integer(i)) => Ok(Decimal::from(*i)),
            Some(v @ Value::Float(f)) => {
                if f.is_finite() {
                    Decimal::from_str(&format!("{f}")).map_err(|_| self.invalid(key, EXPECTED, v))
                } else {
                    Err(self.invalid(key, EXPECTED, v))
                }
            }
            Some(v @ Value::String(s)) => {
                Decimal::from_str(s.trim()).map_err(|_| self.invalid(key, EXPECTED, v))
            }
            Some(v) => Err(self.invalid(key, EXPECTED, v)),
        }
    }
}

fn section<'a>(root: &'a Table, name: &'static str) -> Reader<'a> {
    Reader {
        section: Some(name),
        table: root.get(name).and_then(Value::as_table),
    }
}

fn convert(root: &Table) -> Result<Config, ConfigError> {
    let d = Config::default();
    let r = Reader {
        section: None,
        table: Some(root),
    };

    let cart_expiry_minutes = r.positive_u32("cart_expiry_minutes", d.cart_expiry_minutes)?;
    let pending_order_expiry_minutes = r.positive_u32(
        "pending_order_expiry_minutes",
        d.pending_order_expiry_minutes,
    )?;
    let hold_sweep_seconds = r.positive_u32("hold_sweep_seconds", d.hold_sweep_seconds)?;
    let command_deadline_ms = r.positive_u32("command_deadline_ms", d.command_deadline_ms)?;
    let database_max_connections =
        r.positive_u32("database_max_connections", d.database_max_connections)?;
    let order_reference_prefix = r.string("order_reference_prefix", &d.order_reference_prefix)?;
    let currency = r.non_blank("currency", &d.currency)?;
    let currency_symbol = r.non_blank("currency_symbol", &d.currency_symbol)?;
    let max_grant_amount = r.decimal("max_grant_amount", d.max_grant_amount)?;
    let attendee_profile_model = r.string("attendee_profile_model", &d.attendee_profile_model)?;
    let secret_key = r.opt_strong_secret("secret_key", MIN_SECRET_KEY_LEN)?;
    let personal_data_key = r
        .opt_secret("personal_data_key")?
        .filter(|k| !k.expose().is_empty());
    if let Some(key) = &personal_data_key
        && key_bytes(key.expose()).is_none()
    {
        // The message gives the length only: a secret is never echoed.
        return Err(ConfigError::Value {
            key: "personal_data_key".into(),
            expected: "32 bytes as base64 or 64 hex digits".into(),
            got: format!("{} characters", key.expose().chars().count()),
        });
    }
    let token_ttl_hours = r.positive_u32("token_ttl_hours", d.token_ttl_hours)?;
    let login_max_failures = r.positive_u32("login_max_failures", d.login_max_failures)?;
    let login_failure_window_seconds = r.positive_u32(
        "login_failure_window_seconds",
        d.login_failure_window_seconds,
    )?;
    let login_max_attempts_per_address = r.positive_u32(
        "login_max_attempts_per_address",
        d.login_max_attempts_per_address,
    )?;
    let login_address_window_seconds = r.positive_u32(
        "login_address_window_seconds",
        d.login_address_window_seconds,
    )?;
    let trust_forwarded_for = r.bool("trust_forwarded_for", d.trust_forwarded_for)?;
    let idempotency_ttl_hours = r.positive_u32("idempotency_ttl_hours", d.idempotency_ttl_hours)?;

    let s = section(root, "stripe");
    let ds = &d.stripe;
    let stripe = StripeConfig {
        secret_key: s.opt_secret("secret_key")?,
        publishable_key: s.opt_string("publishable_key")?,
        webhook_secret: s.opt_secret("webhook_secret")?,
        webhook_secrets: s
            .string_list("webhook_secrets")?
            .into_iter()
            .filter(|x| !x.is_empty())
            .map(Secret::new)
            .collect(),
        api_version: s.string("api_version", &ds.api_version)?,
        webhook_tolerance: s.non_negative_u64("webhook_tolerance", ds.webhook_tolerance)?,
        api_base: s.non_blank("api_base", &ds.api_base)?,
    };

    let p = section(root, "pretalx");
    let dp = &d.pretalx;
    let pretalx = PretalxConfig {
        base_url: p.string("base_url", &dp.base_url)?,
        token: p.opt_secret("token")?,
        schedule_delete_guard_enabled: p.bool(
            "schedule_delete_guard_enabled",
            dp.schedule_delete_guard_enabled,
        )?,
        schedule_delete_guard_min_existing_slots: p.non_negative_u32(
            "schedule_delete_guard_min_existing_slots",
            dp.schedule_delete_guard_min_existing_slots,
        )?,
        schedule_delete_guard_max_fraction_removed: p.fraction(
            "schedule_delete_guard_max_fraction_removed",
            dp.schedule_delete_guard_max_fraction_removed,
        )?,
    };

    let q = section(root, "psf_sponsors");
    let dq = &d.psf_sponsors;
    let psf_sponsors = PsfSponsorsConfig {
        api_url: q.string("api_url", &dq.api_url)?,
        token: q.opt_secret("token")?,
        auth_scheme: q.string("auth_scheme", &dq.auth_scheme)?,
        publisher: q.string("publisher", &dq.publisher)?,
        flight: q.string("flight", &dq.flight)?,
    };

    let mail = mail::read(&section(root, "mail"))?;

    let f = section(root, "features");
    let mut features = FeatureDefaults::default();
    for feature in Feature::ALL {
        features.set(feature, f.bool(feature.flag_name(), true)?);
    }

    let w = section(root, "webhooks");
    let dw = WebhooksConfig::default();
    let webhooks = WebhooksConfig {
        allow_insecure_localhost: w
            .bool("allow_insecure_localhost", dw.allow_insecure_localhost)?,
        retry_base_ms: w.non_negative_u64("retry_base_ms", dw.retry_base_ms)?,
        retry_max_ms: w.non_negative_u64("retry_max_ms", dw.retry_max_ms)?,
        retry_window_hours: w.positive_u32("retry_window_hours", dw.retry_window_hours)?,
        timeout_ms: w.positive_u32("timeout_ms", dw.timeout_ms)?,
        secret_grace_hours: w.non_negative_u32("secret_grace_hours", dw.secret_grace_hours)?,
        poll_ms: w.positive_u32("poll_ms", dw.poll_ms)?,
    };

    let site = section(root, "site");
    let public_url = match site.opt_string("public_url")? {
        None => None,
        Some(u) => {
            let trimmed = u.trim().trim_end_matches('/').to_string();
            let ok = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
                && trimmed.len() > "https://".len()
                && !trimmed.contains(char::is_whitespace);
            if !ok {
                return Err(ConfigError::Value {
                    key: "site.public_url".into(),
                    expected: "an http(s) URL".into(),
                    got: u,
                });
            }
            Some(trimmed)
        }
    };
    let site = SiteConfig { public_url };
    let fs = section(root, "files");
    let files = FilesConfig {
        root: fs.opt_string("root")?,
        orphan_minutes: fs.positive_u32("orphan_minutes", FilesConfig::default().orphan_minutes)?,
    };

    Ok(Config {
        cart_expiry_minutes,
        pending_order_expiry_minutes,
        hold_sweep_seconds,
        command_deadline_ms,
        database_max_connections,
        order_reference_prefix,
        currency,
        currency_symbol,
        max_grant_amount,
        attendee_profile_model,
        secret_key,
        personal_data_key,
        token_ttl_hours,
        login_max_failures,
        login_failure_window_seconds,
        login_max_attempts_per_address,
        login_address_window_seconds,
        trust_forwarded_for,
        idempotency_ttl_hours,
        stripe,
        pretalx,
        psf_sponsors,
        mail,
        features,
        webhooks,
        site,
        files,
    })
}

#[cfg(test)]
mod tests;

/// A 32-byte key given as 64 hex digits or base64 (standard or URL-safe, padded or
/// not), as `personal_data_key` takes it; None otherwise.
pub fn key_bytes(text: &str) -> Option<[u8; 32]> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())?
    };
    bytes.try_into().ok()
}
