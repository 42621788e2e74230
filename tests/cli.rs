//! The binary itself: `user create`, `migrate`, `serve` start-up and config errors.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;

fn tessera() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tessera"));
    c.env("RUST_LOG", "warn").env_remove("DATABASE_URL");
    c
}

/// `tessera user create --admin` makes the first admin, who can then log in and
/// create a series.
async fn user_create_makes_an_admin(b: Backend) {
    let app = TestApp::start(b).await;
    let out = tessera()
        .args([
            "user",
            "create",
            "--email",
            "root@example.org",
            "--password",
            "root password",
            "--admin",
        ])
        .args(["--database-url", &app.url])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let login = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": "root@example.org", "password": "root password" }))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let token = login.body["token"].as_str().unwrap_or_default().to_string();
    let me = app.get("/api/v1/auth/me").token(&token).send().await;
    assert_eq!(me.body["is_admin"], true);
    let r = app
        .post("/api/v1/series")
        .token(&token)
        .json(json!({ "slug": "pycon-us", "name": "PyCon US" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // A too-short password is refused by the CLI with a clear message.
    let out = tessera()
        .args([
            "user",
            "create",
            "--email",
            "x@example.org",
            "--password",
            "short",
        ])
        .args(["--database-url", &app.url])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8 characters"));
    app.finish().await;
}

on_both_backends!(user_create_makes_an_admin);

/// CONF-45: an invalid value fails start-up with a message naming the key.
#[test]
fn conf_45_serve_refuses_an_invalid_config_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("tessera.toml");
    std::fs::write(&file, "cart_expiry_minutes = 0\n").expect("write");
    let out = tessera()
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&file)
        .arg("--database-url")
        .arg(format!("sqlite://{}/t.db", dir.path().display()))
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cart_expiry_minutes"), "{err}");

    let out = tessera()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .arg("--database-url")
        .arg(format!("sqlite://{}/t.db", dir.path().display()))
        .env("TESSERA_STRIPE__WEBHOOK_TOLERANCE", "soon")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stripe.webhook_tolerance"), "{err}");
}

/// `serve` migrates a new SQLite file, prints its URL and answers on it.
#[test]
fn serve_prints_its_url_and_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = tessera()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out).read_line(&mut line).expect("read");
    }
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_default()
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    assert!(
        dir.path().join("tessera.db").exists(),
        "SQLite by default: tessera.db"
    );
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).ok();
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"ok\""), "{response}");
}
