//! A small Pretalx API client: base URL and token from `[pretalx]`, timeouts,
//! retries with exponential backoff on 5xx, 429 and transport errors, and list
//! pagination followed to the end (`next` links).

use std::time::Duration;

use serde_json::Value;

use crate::config::PretalxConfig;
use crate::refusal::{Failure, Kind};

/// Attempts per request (the first and the retries).
const ATTEMPTS: u32 = 4;
/// Pages followed at most: a `next` loop cannot run forever.
const MAX_PAGES: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum PretalxError {
    /// PRETALX-1.
    #[error("Conference '{0}' has no pretalx_event_slug configured")]
    NoEventSlug(String),
    #[error("Pretalx answered {status} for {path}")]
    Status { status: u16, path: String },
    #[error("Pretalx could not be reached for {path}: {reason}")]
    Transport { path: String, reason: String },
    #[error("Pretalx sent an unreadable answer for {path}")]
    Decode { path: String },
}

impl Failure for PretalxError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoEventSlug(_) => "pretalx.no_event_slug",
            Self::Status { .. } => "pretalx.status",
            Self::Transport { .. } => "pretalx.unreachable",
            Self::Decode { .. } => "pretalx.unreadable",
        }
    }

    fn kind(&self) -> Kind {
        match self {
            Self::NoEventSlug(_) => Kind::Refused,
            _ => Kind::Upstream,
        }
    }
}

#[derive(Clone)]
pub struct PretalxClient {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
    backoff: Duration,
}

impl PretalxClient {
    pub fn new(config: &PretalxConfig) -> Result<Self, PretalxError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| PretalxError::Transport {
                path: String::new(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_string(),
            token: config.token.as_ref().map(|t| t.expose().to_string()),
            backoff: Duration::from_millis(250),
        })
    }

    /// The first wait between attempts (doubled each retry).
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// `GET {base}/api/events/{event}/{path}`: every item of a paginated list (or
    /// the array itself when the answer is not paginated).
    pub async fn list(&self, event: &str, path: &str) -> Result<Vec<Value>, PretalxError> {
        let mut url = self.url(event, path);
        let mut items = vec![];
        for _ in 0..MAX_PAGES {
            let page = self.get(&url, path).await?;
            match page {
                Value::Array(a) => {
                    items.extend(a);
                    return Ok(items);
                }
                Value::Object(mut m) => {
                    match m.remove("results") {
                        Some(Value::Array(a)) => items.extend(a),
                        _ => return Err(PretalxError::Decode { path: path.into() }),
                    }
                    match m.get("next").and_then(Value::as_str) {
                        Some(next) if !next.is_empty() => url = next.to_string(),
                        _ => return Ok(items),
                    }
                }
                _ => return Err(PretalxError::Decode { path: path.into() }),
            }
        }
        Ok(items)
    }

    /// `GET {base}/api/events/{event}/{path}` as one JSON document.
    pub async fn document(&self, event: &str, path: &str) -> Result<Value, PretalxError> {
        self.get(&self.url(event, path), path).await
    }

    fn url(&self, event: &str, path: &str) -> String {
        format!("{}/api/events/{event}/{path}", self.base_url)
    }

    /// One GET with retries: 5xx, 429 and transport errors are retried with
    /// exponential backoff; any other non-success status fails at once.
    async fn get(&self, url: &str, path: &str) -> Result<Value, PretalxError> {
        let mut wait = self.backoff;
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            let mut req = self.http.get(url).header("Accept", "application/json");
            if let Some(token) = &self.token {
                req = req.header("Authorization", format!("Token {token}"));
            }
            match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        return resp
                            .json::<Value>()
                            .await
                            .map_err(|_| PretalxError::Decode { path: path.into() });
                    }
                    let err = PretalxError::Status {
                        status: status.as_u16(),
                        path: path.into(),
                    };
                    if !(status.is_server_error() || status.as_u16() == 429) {
                        return Err(err);
                    }
                    last = Some(err);
                }
                Err(e) => {
                    last = Some(PretalxError::Transport {
                        path: path.into(),
                        reason: e.without_url().to_string(),
                    })
                }
            }
        }
        Err(last.unwrap_or(PretalxError::Decode { path: path.into() }))
    }
}
