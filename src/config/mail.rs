//! `[mail]`: the SMTP server the outbox sends through (src/notifications). No
//! `host`: nothing is sent; messages are recorded and listed for admins.

use super::{ConfigError, Kind, Reader, Secret};

pub(super) const MAIL_KEYS: &[(&str, Kind)] = &[
    ("host", Kind::Str),
    ("port", Kind::Int),
    ("tls", Kind::Str),
    ("username", Kind::Str),
    ("password", Kind::Str),
    ("from", Kind::Str),
    ("max_attempts", Kind::Int),
    ("retry_base_seconds", Kind::Int),
];

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailTls {
    /// Plain text (a local relay or a test sink).
    None,
    /// Upgraded with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MailConfig {
    /// The SMTP server; None: messages are only recorded.
    pub host: Option<String>,
    /// Default 587.
    pub port: u16,
    /// `none`, `starttls` (default) or `tls`.
    pub tls: MailTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, e.g. `Tessera <tickets@example.org>` (default
    /// `tessera@localhost`).
    pub from: String,
    /// Attempts before a message is dead-lettered (default 5; positive).
    pub max_attempts: u32,
    /// The first retry waits this long; each next one twice as long (default 30).
    pub retry_base_seconds: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            host: None,
            port: 587,
            tls: MailTls::Starttls,
            username: None,
            password: None,
            from: "tessera@localhost".into(),
            max_attempts: 5,
            retry_base_seconds: 30,
        }
    }
}

pub(super) fn read(m: &Reader<'_>) -> Result<MailConfig, ConfigError> {
    let d = MailConfig::default();
    let tls = match m.string("tls", "starttls")?.as_str() {
        "none" => MailTls::None,
        "starttls" => MailTls::Starttls,
        "tls" => MailTls::Tls,
        other => {
            return Err(ConfigError::Value {
                key: "mail.tls".into(),
                expected: "one of none, starttls, tls".into(),
                got: format!("'{other}'"),
            });
        }
    };
    let port: u32 = m.positive_u32("port", u32::from(d.port))?;
    let port = u16::try_from(port).map_err(|_| ConfigError::Value {
        key: "mail.port".into(),
        expected: "a port number (1-65535)".into(),
        got: port.to_string(),
    })?;
    Ok(MailConfig {
        host: m.opt_string("host")?.filter(|h| !h.trim().is_empty()),
        port,
        tls,
        username: m.opt_string("username")?.filter(|u| !u.is_empty()),
        password: m.opt_secret("password")?,
        from: m.non_blank("from", &d.from)?,
        max_attempts: m.positive_u32("max_attempts", d.max_attempts)?,
        retry_base_seconds: m.positive_u32("retry_base_seconds", d.retry_base_seconds)?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Config;

    #[test]
    fn mail_is_read_from_the_file_and_the_environment() {
        let text = "[mail]\nhost = \"smtp.example.org\"\ntls = \"tls\"\nport = 465\nfrom = \"T <t@example.org>\"\n";
        let env = HashMap::from([("TESSERA_MAIL__PASSWORD".to_string(), "pw".to_string())]);
        let mail = Config::from_toml_str(text, "t.toml", &env).map(|c| c.mail);
        let mail = mail.unwrap_or_default();
        assert_eq!(mail.host.as_deref(), Some("smtp.example.org"));
        assert_eq!((mail.port, mail.tls), (465, MailTls::Tls));
        assert_eq!(mail.password.as_ref().map(|p| p.expose()), Some("pw"));
        assert_eq!(mail.max_attempts, 5);
        let bad = Config::from_toml_str("[mail]\ntls = \"ssl\"\n", "t.toml", &HashMap::new());
        assert!(matches!(bad, Err(ConfigError::Value { key, .. }) if key == "mail.tls"));
        // No host: nothing is sent.
        let none = Config::from_toml_str("", "t.toml", &HashMap::new()).map(|c| c.mail.host);
        assert_eq!(none, Ok(None));
    }
}
