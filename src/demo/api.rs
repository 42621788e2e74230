//! The generator's way in: the service's own router, called in process.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tessera_aggregates::user::{User, UserCommand};
use tessera_projections::EventMeta;
use tower::ServiceExt;
use uuid::Uuid;

use crate::app::{AppState, user_id};

/// A person the generator acts as.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Uuid,
    pub email: String,
}

pub struct Api {
    pub app: AppState,
    router: axum::Router,
    /// One password hash for every generated shopper: the run measures sales, not
    /// argon2.
    hash: std::sync::OnceLock<String>,
}

/// An answer: status and JSON body (Null when there is none).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    pub fn ok(&self) -> bool {
        self.status.is_success()
    }
    pub fn str(&self, key: &str) -> String {
        self.body[key].as_str().unwrap_or_default().to_string()
    }
}

impl Api {
    pub fn new(app: AppState) -> Self {
        let router = crate::router(app.clone());
        Self {
            app,
            router,
            hash: std::sync::OnceLock::new(),
        }
    }

    /// Calls the API as `who` (a token issued at the current simulated time).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        who: &Actor,
        body: Option<Value>,
    ) -> anyhow::Result<Answer> {
        let now = self.app.bus.services().now();
        let token = self.app.tokens.issue(who.id, 0, now);
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"));
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let response = self.router.clone().oneshot(req.body(body)?).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_server_error() {
            anyhow::bail!("{path}: {status} {body}");
        }
        Ok(Answer { status, body })
    }

    /// Like [`Api::call`], but a refusal is an error too (setup steps).
    pub async fn must(
        &self,
        method: Method,
        path: &str,
        who: &Actor,
        body: Value,
    ) -> anyhow::Result<Answer> {
        let a = self.call(method, path, who, Some(body)).await?;
        if !a.ok() {
            anyhow::bail!("{path}: {} {}", a.status, a.body);
        }
        Ok(a)
    }

    /// The organizer: a global admin (created when missing).
    pub async fn admin(&self) -> anyhow::Result<Actor> {
        let email = "organizer@democon.example";
        let id = user_id(email);
        let exists = self
            .app
            .bus
            .inspect(&User::stream(id), |u| u.exists())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if !exists {
            crate::process::accounts::create_user_with(
                &self.app.bus,
                &self.app.personal,
                email,
                "demo organizer password",
                "Demo Organizer",
                true,
            )
            .await?;
        }
        Ok(Actor {
            id,
            email: email.into(),
        })
    }

    /// The series (left as it is when it exists).
    pub async fn series(&self, admin: &Actor, slug: &str) -> anyhow::Result<()> {
        let a = self
            .call(
                Method::POST,
                "/api/v1/series",
                admin,
                Some(json!({ "slug": slug, "name": "DemoCon" })),
            )
            .await?;
        if !a.ok() && a.status != StatusCode::CONFLICT {
            anyhow::bail!("series: {} {}", a.status, a.body);
        }
        Ok(())
    }

    /// A shopper's account, registered on first use.
    pub async fn shopper(&self, n: usize, new: bool) -> anyhow::Result<Actor> {
        let email = format!("shopper{n}@democon.example");
        let id = user_id(&email);
        if !new {
            return Ok(Actor { id, email });
        }
        let hash = match self.hash.get() {
            Some(h) => h.clone(),
            None => {
                let h = crate::identity::hash_password("demo shopper password")
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                self.hash.get_or_init(|| h).clone()
            }
        };
        let sent = self
            .app
            .bus
            .send(
                &User::stream(id),
                UserCommand::Register {
                    email: email.clone(),
                    name: format!("Shopper {n}"),
                    password_hash: hash,
                    // Synthetic people: nothing personal to seal.
                    sealed: None,
                },
                &EventMeta::default(),
            )
            .await;
        // Already registered (a returning shopper) is fine.
        if let Err(e) = sent
            && !matches!(e, crate::bus::BusError::Refused(_))
        {
            return Err(anyhow::anyhow!("shopper {email}: {e}"));
        }
        Ok(Actor { id, email })
    }
}
