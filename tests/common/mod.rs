//! `TestApp`: the real router over a fresh database (a SQLite file, or a new
//! PostgreSQL database), driven without a socket.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tessera::app::AppState;
use tessera::config::Config;
use tessera::server::build_app;
use tessera_aggregates::{Clock, Timestamp};
use tessera_replay::Db;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A clock tests can move.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(Utc::now())))
    }
    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|t| *t).unwrap_or_else(|_| Utc::now())
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub url: String,
    pub app: AppState,
    pub router: Router,
    pub clock: TestClock,
    _dir: Option<tempfile::TempDir>,
    /// The file store's root when the configuration names none.
    _files: Option<Arc<tempfile::TempDir>>,
    pg_name: Option<String>,
}

/// `config` with its file store in a fresh temporary directory unless it names one.
fn with_files_root(mut config: Config) -> (Config, Option<Arc<tempfile::TempDir>>) {
    if config.files.root.is_some() {
        return (config, None);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    config.files.root = Some(dir.path().display().to_string());
    (config, Some(Arc::new(dir)))
}

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// Whether the PostgreSQL variants run. The server at [`admin_url`] is tried once
/// per process (whether `TEST_DATABASE_URL` is set or not). When it does not
/// answer, the PostgreSQL variants are skipped, said once on stderr, so the suite
/// runs on a machine without PostgreSQL; with `TESSERA_REQUIRE_POSTGRES=1` (CI)
/// they fail instead. Every test that needs PostgreSQL asks this first.
pub async fn postgres_available() -> bool {
    static PROBE: tokio::sync::OnceCell<Result<(), String>> = tokio::sync::OnceCell::const_new();
    let probe = PROBE
        .get_or_init(|| async {
            let outcome = probe_postgres(&admin_url()).await;
            if let (Err(e), false) = (&outcome, postgres_required()) {
                // Straight to stderr: the test harness captures `eprintln!` of
                // passing tests, and this line must be seen.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL not reachable at {} ({e}): skipping PostgreSQL variants \
                     (set TESSERA_REQUIRE_POSTGRES=1 to fail instead)",
                    redacted(&admin_url())
                );
            }
            outcome
        })
        .await;
    match probe {
        Ok(()) => true,
        Err(e) if postgres_required() => panic!(
            "PostgreSQL not reachable at {} ({e}) and TESSERA_REQUIRE_POSTGRES=1",
            redacted(&admin_url())
        ),
        Err(_) => false,
    }
}

fn postgres_required() -> bool {
    std::env::var("TESSERA_REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
}

async fn probe_postgres(url: &str) -> Result<(), String> {
    use sqlx::Connection;
    let connect = sqlx::PgConnection::connect(url);
    match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".into()),
    }
}

/// `url` without its password, for messages.
fn redacted(url: &str) -> String {
    let Some(scheme) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme..];
    match (rest.find('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}{}:***{}", &url[..scheme], &rest[..colon], &rest[at..])
        }
        _ => url.to_string(),
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, empty PostgreSQL database on the test server; returns its URL. Only
/// for tests that asked [`postgres_available`] first.
pub async fn fresh_postgres() -> (String, String) {
    assert!(
        postgres_available().await,
        "a PostgreSQL test must check common::postgres_available() first"
    );
    let admin = admin_url();
    let name = format!(
        "tessera_t_{}_{}_{}",
        std::process::id(),
        Utc::now().timestamp_micros(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} must be running: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create test database");
    pool.close().await;
    let base = match admin.rfind('/') {
        Some(i) => admin[..i].to_string(),
        None => admin.clone(),
    };
    (format!("{base}/{name}"), name)
}

pub async fn drop_postgres(name: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(&admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
        pool.close().await;
    }
}

/// A fresh database of `backend`, migrated: `(db, url, tempdir, pg name)`.
pub async fn fresh_db(backend: Backend) -> (Db, String, Option<tempfile::TempDir>, Option<String>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}/tessera.db", dir.path().display());
            let db = tessera::server::open_db(&url).await.expect("open sqlite");
            (db, url, Some(dir), None)
        }
        Backend::Postgres => {
            let (url, name) = fresh_postgres().await;
            let db = tessera::server::open_db(&url).await.expect("open postgres");
            (db, url, None, Some(name))
        }
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    /// The `position` a command answered with (for `X-Tessera-After`).
    pub fn position(&self) -> Option<i64> {
        self.body.get("position").and_then(Value::as_i64)
    }

    pub fn code(&self) -> &str {
        self.body.get("code").and_then(Value::as_str).unwrap_or("")
    }
}

pub struct Call<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    raw: Option<(String, Vec<u8>)>,
    headers: Vec<(String, String)>,
}

impl Call<'_> {
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }
    #[allow(clippy::wrong_self_convention)] // reads as "send this call as user X"
    pub fn as_user(self, user: &User) -> Self {
        self.token(&user.token)
    }
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    /// A body of `content_type` other than JSON (a multipart form, …).
    pub fn raw(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.raw = Some((content_type.to_string(), body));
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// Waits until the read models include `position`.
    pub fn after(self, position: Option<i64>) -> Self {
        match position {
            Some(p) => self.header("x-tessera-after", &p.to_string()),
            None => self,
        }
    }
    /// Reads after everything written so far: `X-Tessera-After` at the log's
    /// head (for tests that do not keep the position their commands answered).
    pub async fn fresh(self) -> Self {
        let head = self.app.app.db.head().await.expect("log head");
        self.after(Some(head))
    }
    pub async fn send(self) -> Response {
        let mut req = Request::builder().method(self.method).uri(self.path);
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let body = match (&self.body, self.raw) {
            (Some(b), _) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            (None, Some((content_type, bytes))) => {
                req = req.header("content-type", content_type);
                Body::from(bytes)
            }
            (None, None) => Body::empty(),
        };
        let response = self
            .app
            .router
            .clone()
            .oneshot(req.body(body).expect("request"))
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, Config::default()).await
    }

    pub async fn start_with(backend: Backend, config: Config) -> Self {
        let (db, url, dir, pg_name) = fresh_db(backend).await;
        let (config, files) = with_files_root(config);
        let clock = TestClock::new();
        let app = build_app(db, config, Arc::new(clock.clone()))
            .await
            .expect("app starts");
        let router = tessera::http::router(app.clone());
        Self {
            backend,
            url,
            app,
            router,
            clock,
            _dir: dir,
            _files: files,
            pg_name,
        }
    }

    /// The service on a clock of the test's own (e.g. the history generator's
    /// `ManualClock`); `self.clock` is then unused.
    pub async fn start_with_clock(backend: Backend, clock: Arc<dyn Clock>) -> Self {
        let (db, url, dir, pg_name) = fresh_db(backend).await;
        let (config, files) = with_files_root(Config::default());
        let app = build_app(db, config, clock).await.expect("app starts");
        let router = tessera::http::router(app.clone());
        Self {
            backend,
            url,
            app,
            router,
            clock: TestClock::new(),
            _dir: dir,
            _files: files,
            pg_name,
        }
    }

    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            app: self,
            method,
            path: path.to_string(),
            token: None,
            body: None,
            raw: None,
            headers: vec![],
        }
    }
    pub fn get(&self, path: &str) -> Call<'_> {
        self.call(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Call<'_> {
        self.call(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> Call<'_> {
        self.call(Method::PUT, path)
    }
    pub fn patch(&self, path: &str) -> Call<'_> {
        self.call(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> Call<'_> {
        self.call(Method::DELETE, path)
    }

    /// Signs a user up through the API.
    pub async fn user(&self, name: &str) -> User {
        let email = format!("{name}@example.org");
        let r = self
            .post("/api/v1/auth/signup")
            .json(json!({ "email": email, "password": "correct horse battery", "name": name }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "signup {name}: {}", r.text);
        User {
            id: r.body["id"].as_str().unwrap_or_default().to_string(),
            email,
            token: r.body["token"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// A global admin (made through the same path as `tessera user create --admin`).
    pub async fn admin(&self) -> User {
        let email = "admin@example.org";
        tessera::cli::create_user_with(
            &self.app.bus,
            &self.app.personal,
            email,
            "admin password",
            "Admin",
            true,
        )
        .await
        .expect("admin");
        let r = self
            .post("/api/v1/auth/login")
            .json(json!({ "email": email, "password": "admin password" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "admin login: {}", r.text);
        User {
            id: tessera::app::user_id(email).to_string(),
            email: email.to_string(),
            token: r.body["token"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// Creates series "pycon-us" and conference `slug` (year 2027) as `admin`.
    pub async fn conference(&self, admin: &User, slug: &str) -> Response {
        let series = self
            .post("/api/v1/series")
            .as_user(admin)
            .json(json!({ "slug": "pycon-us", "name": "PyCon US" }))
            .send()
            .await;
        assert!(
            series.status == StatusCode::CREATED || series.status == StatusCode::CONFLICT,
            "series: {}",
            series.text
        );
        let r = self
            .post("/api/v1/conferences")
            .as_user(admin)
            .json(json!({
                "series": "pycon-us", "slug": slug, "name": format!("PyCon US {slug}"),
                "year": 2027, "start_date": "2027-05-14", "end_date": "2027-05-22",
                "timezone": "America/Chicago", "total_capacity": 2500
            }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "conference: {}", r.text);
        r
    }

    /// Grants `role` in conference `slug` to `user`.
    pub async fn grant(&self, admin: &User, slug: &str, user: &User, role: &str) {
        let r = self
            .post(&format!("/api/v1/conferences/{slug}/roles"))
            .as_user(admin)
            .json(json!({ "email": user.email, "role": role }))
            .send()
            .await;
        assert!(r.status.is_success(), "grant {role}: {}", r.text);
    }

    /// Lets the projections reach the log head, then checks replay determinism:
    /// a rebuild from position 0 equals the incrementally built views.
    pub async fn finish(self) {
        let head = self.app.db.head().await.expect("head");
        assert!(
            self.app
                .runner
                .wait_for(head, std::time::Duration::from_secs(20))
                .await,
            "projections did not reach the log head {head}"
        );
        assert!(
            self.app
                .reactor
                .wait_for(head, std::time::Duration::from_secs(20))
                .await,
            "a process-manager step is still pending below the log head {head}"
        );
        let diffs = tessera_replay::admin::verify(&self.app.db)
            .await
            .expect("verify");
        assert!(
            diffs.is_empty(),
            "replay verify found differences: {diffs:#?}"
        );
        self.close().await;
    }

    /// Closes the pool and drops the test's PostgreSQL database, checking
    /// nothing (for a test that stopped the service's jobs itself).
    pub async fn close(self) {
        if let Some(name) = &self.pg_name {
            if let Db::Postgres(pool) = &self.app.db {
                pool.close().await;
            }
            drop_postgres(name).await;
        }
    }
}

/// Runs an async scenario `fn(Backend)` once per backend, as two tests; the
/// PostgreSQL one is skipped when no PostgreSQL answers (see [`postgres_available`]).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if $crate::common::postgres_available().await {
                        super::$name($crate::common::Backend::Postgres).await
                    }
                }
            }
        )*
    };
}

impl TestApp {
    /// Lets the process managers finish what the log holds (their commands append
    /// more), then returns the head to read after (`X-Tessera-After`).
    pub async fn settled(&self) -> i64 {
        let mut head = self.app.db.head().await.expect("log head");
        for _ in 0..20 {
            assert!(
                self.app
                    .reactor
                    .wait_for(head, std::time::Duration::from_secs(10))
                    .await,
                "process managers stuck below {head}"
            );
            // The e-mail outbox records its messages as events too.
            assert!(
                self.app
                    .notifications
                    .wait_for(head, std::time::Duration::from_secs(10))
                    .await,
                "the notifications outbox stuck below {head}"
            );
            let now = self.app.db.head().await.expect("log head");
            if now == head {
                break;
            }
            head = now;
        }
        head
    }

    /// The first event of the log `matches` accepts, as (position, payload).
    pub async fn find_event(
        &self,
        matches: impl Fn(&tessera_replay::RawEvent) -> bool,
    ) -> Option<(i64, serde_json::Value)> {
        let mut reader = tessera_replay::LogReader::without_gap_protection(self.app.db.clone());
        let mut after = 0;
        loop {
            let batch = reader.read_after(after, 1000).await.expect("read log");
            if batch.events.is_empty() {
                return None;
            }
            for e in &batch.events {
                after = e.position;
                if matches(e) {
                    return Some((e.position, serde_json::from_str(&e.payload).expect("json")));
                }
            }
        }
    }

    /// Replaces the payload of the event at `position`, to store the shape an
    /// older release wrote.
    pub async fn set_event_payload(&self, position: i64, payload: &serde_json::Value) {
        use tessera_replay::Db;
        let text = payload.to_string();
        match &self.app.db {
            Db::Postgres(p) => {
                sqlx::query("UPDATE events SET payload = $1::json WHERE position = $2")
                    .bind(text)
                    .bind(position)
                    .execute(p)
                    .await
                    .map(|_| ())
            }
            Db::Sqlite(p) => sqlx::query("UPDATE events SET payload = $1 WHERE position = $2")
                .bind(text)
                .bind(position)
                .execute(p)
                .await
                .map(|_| ()),
        }
        .expect("update the event");
    }

    /// `tessera migrate personal-data` on this app's database: its stdout.
    pub fn migrate_personal_data(&self) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("TESSERA_PERSONAL_DATA_KEY")
            .args(["migrate", "personal-data", "--database-url", &self.url])
            .output()
            .expect("run tessera migrate");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// How many events of the whole log `matches` accepts.
    pub async fn count_events(&self, matches: impl Fn(&tessera_replay::RawEvent) -> bool) -> usize {
        let mut reader = tessera_replay::LogReader::without_gap_protection(self.app.db.clone());
        let (mut after, mut n) = (0, 0);
        loop {
            let batch = reader.read_after(after, 1000).await.expect("read log");
            if batch.events.is_empty() {
                return n;
            }
            for e in &batch.events {
                after = e.position;
                n += usize::from(matches(e));
            }
        }
    }
}

impl TestApp {
    /// Adds a ticket type to conference `slug` (as `admin`).
    pub async fn ticket_type(&self, admin: &User, slug: &str, body: Value) -> Response {
        let r = self
            .post(&format!("/api/v1/conferences/{slug}/ticket-types"))
            .as_user(admin)
            .json(body)
            .send()
            .await;
        assert!(r.status.is_success(), "ticket type: {}", r.text);
        r
    }

    /// Puts `quantity` of ticket type `ticket` in `user`'s cart and checks out:
    /// the checkout's response (201 with `reference`, or the refusal).
    pub async fn buy(
        &self,
        user: &User,
        conference: &str,
        ticket: &str,
        quantity: u32,
    ) -> Response {
        let add = self
            .post(&format!("/api/v1/conferences/{conference}/cart/items"))
            .as_user(user)
            .json(json!({ "ticket_type": ticket, "quantity": quantity }))
            .send()
            .await;
        if !add.status.is_success() {
            return add;
        }
        self.post(&format!("/api/v1/conferences/{conference}/checkout"))
            .as_user(user)
            .json(json!({ "billing_name": user.email, "billing_email": user.email }))
            .send()
            .await
    }
}

impl TestApp {
    /// A crash of this process: its pool is closed, so in-flight requests, the
    /// projection runner and the process managers fail at their next step and never
    /// touch the database again (their tasks linger, cut off, until the test ends).
    /// The database itself is kept.
    pub async fn crash(&self) {
        // A dead process's locks die with its connections: its jobs stop leading.
        self.app.leadership.stop().await;
        match &self.app.db {
            Db::Postgres(pool) => pool.close().await,
            Db::Sqlite(pool) => pool.close().await,
        }
    }

    /// A crash, then a restart over the same database (same tempdir or PostgreSQL
    /// database, same clock and configuration): a new pool and fresh caches; the
    /// projections and the process managers resume from their stored checkpoints.
    pub async fn restart(self) -> TestApp {
        self.crash().await;
        let db = tessera::server::open_db(&self.url)
            .await
            .expect("reopen the database");
        let app = build_app(db, self.app.config.clone(), Arc::new(self.clock.clone()))
            .await
            .expect("app restarts");
        let router = tessera::http::router(app.clone());
        TestApp {
            backend: self.backend,
            url: self.url,
            app,
            router,
            clock: self.clock,
            _dir: self._dir,
            _files: self._files,
            pg_name: self.pg_name,
        }
    }
}

impl TestApp {
    /// Another instance of the service on this one's database (its own pool,
    /// caches and jobs), with the same configuration and clock.
    pub async fn twin(&self) -> TestApp {
        let db = tessera::server::open_db(&self.url)
            .await
            .expect("second pool");
        let clock = self.clock.clone();
        let app = build_app(db, self.app.config.clone(), Arc::new(clock.clone()))
            .await
            .expect("second instance starts");
        let router = tessera::http::router(app.clone());
        TestApp {
            backend: self.backend,
            url: self.url.clone(),
            app,
            router,
            clock,
            _dir: None,
            _files: self._files.clone(),
            pg_name: None,
        }
    }
    /// The service over a database that already holds a history (opened and
    /// migrated by the caller with `tessera::server::open_db`, as `serve` does).
    pub async fn over(
        backend: Backend,
        db: Db,
        url: String,
        dir: Option<tempfile::TempDir>,
        pg_name: Option<String>,
    ) -> TestApp {
        let clock = TestClock::new();
        let (config, files) = with_files_root(Config::default());
        let app = build_app(db, config, Arc::new(clock.clone()))
            .await
            .expect("app starts over an existing database");
        let router = tessera::http::router(app.clone());
        TestApp {
            backend,
            url,
            app,
            router,
            clock,
            _dir: dir,
            _files: files,
            pg_name,
        }
    }
}
