//! Auditors: the auditor role reads every staff view and changes nothing; the
//! conference's history and an order's timeline over HTTP.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

struct Cast {
    admin: User,
    auditor: User,
    organizer: User,
    ana: User,
}

/// A conference with a ticket type, an auditor and an organizer, and one order
/// of Ana's paid by the organizer: its reference.
async fn setup(b: Backend) -> (TestApp, Cast, String) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let cast = Cast {
        auditor: app.user("audrey").await,
        organizer: app.user("olga").await,
        ana: app.user("ana").await,
        admin,
    };
    app.grant(&cast.admin, CONF, &cast.auditor, "auditor").await;
    app.grant(&cast.admin, CONF, &cast.organizer, "organizer")
        .await;
    let r = app.buy(&cast.ana, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/payments"
        ))
        .as_user(&cast.organizer)
        .json(json!({ "method": "manual", "amount": "100.00", "reference": "cheque 1" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
    // The history reads up to the projection runner's position.
    let head = app.settled().await;
    assert!(
        app.app
            .runner
            .wait_for(head, std::time::Duration::from_secs(20))
            .await
    );
    (app, cast, reference)
}

fn events(r: &common::Response) -> Vec<Value> {
    r.body["events"].as_array().cloned().unwrap_or_default()
}

/// The auditor reads the staff views (orders, attendees, purchase orders,
/// vouchers, settings) and every command is refused, changing nothing.
async fn the_auditor_reads_everything_and_changes_nothing(b: Backend) {
    let (app, cast, reference) = setup(b).await;
    let head = app.settled().await;
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/orders"))
        .as_user(&cast.auditor)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let orders = r.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(orders.len(), 1, "the auditor sees Ana's order: {}", r.text);
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/orders/{reference}"))
        .as_user(&cast.auditor)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "paid");
    for path in [
        "attendees",
        "purchase-orders",
        "vouchers",
        "settings",
        "inventory",
    ] {
        let r = app
            .get(&format!("/api/v1/conferences/{CONF}/{path}"))
            .as_user(&cast.auditor)
            .after(Some(head))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.text);
    }
    // Commands: refused, and the log does not move.
    let before = app.app.db.head().await.expect("head");
    let refused = [
        (
            format!("/api/v1/conferences/{CONF}/orders/{reference}/refunds"),
            json!({ "amount": "10.00", "to": "credit" }),
        ),
        (
            format!("/api/v1/conferences/{CONF}/vouchers"),
            json!({ "code": "AUDIT", "value": "100" }),
        ),
        (
            format!("/api/v1/conferences/{CONF}/ticket-types"),
            json!({ "slug": "free", "name": "Free", "price": "0.00", "total_quantity": 1 }),
        ),
        (
            format!("/api/v1/conferences/{CONF}/roles"),
            json!({ "email": cast.auditor.email, "role": "organizer" }),
        ),
    ];
    for (path, body) in refused {
        let r = app
            .post(&path)
            .as_user(&cast.auditor)
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "POST {path}: {}", r.text);
    }
    // Cancelling someone else's order: not theirs to see as an actor.
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/cancel"
        ))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert!(r.status.is_client_error(), "cancel: {}", r.text);
    assert_eq!(app.app.db.head().await.expect("head"), before);
    app.finish().await;
}

/// The history pages through the conference's events in log order with who,
/// when and under which request; filters narrow it; pages join up exactly.
async fn history_pages_in_log_order_with_filters(b: Backend) {
    let (app, cast, reference) = setup(b).await;
    let path = format!("/api/v1/conferences/{CONF}/history");
    let r = app
        .get(&format!("{path}?limit=1000"))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let all = events(&r);
    assert!(all.len() >= 5, "{}", r.text);
    assert_eq!(r.body["next_cursor"], Value::Null);
    let positions: Vec<i64> = all.iter().filter_map(|e| e["position"].as_i64()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "log order");
    for e in &all {
        assert!(e["stream"]["aggregate_type"].is_string());
        assert!(e["stream"]["sequence"].is_i64());
        assert!(e["recorded_at"].is_string());
        assert!(e["actor"].is_string());
        assert!(e["payload"].is_object());
    }
    // Who placed the order and who recorded its payment.
    let placed = all
        .iter()
        .find(|e| e["event_type"] == "OrderPlaced")
        .expect("OrderPlaced in the history");
    assert_eq!(placed["actor"], cast.ana.id.as_str());
    assert!(placed["request_id"].is_string(), "{placed}");
    let paid = all
        .iter()
        .find(|e| e["event_type"] == "PaymentRecorded")
        .expect("PaymentRecorded");
    assert_eq!(paid["actor"], cast.organizer.id.as_str());

    // Pages of 2 join up to the whole, with no event twice.
    let mut paged = vec![];
    let mut after = 0;
    loop {
        let r = app
            .get(&format!("{path}?limit=2&after={after}"))
            .as_user(&cast.auditor)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        paged.extend(events(&r));
        match r.body["next_cursor"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(paged, all);

    // Filters: event type, stream, actor, time.
    let r = app
        .get(&format!("{path}?event_type=OrderPlaced"))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert_eq!(events(&r).len(), 1, "{}", r.text);
    let r = app
        .get(&format!("{path}?aggregate_type=order"))
        .as_user(&cast.auditor)
        .send()
        .await;
    let orders = events(&r);
    assert!(!orders.is_empty());
    assert!(
        orders
            .iter()
            .all(|e| e["stream"]["aggregate_type"] == "order")
    );
    let r = app
        .get(&format!("{path}?actor={}", cast.organizer.id))
        .as_user(&cast.auditor)
        .send()
        .await;
    let by_olga = events(&r);
    assert!(!by_olga.is_empty());
    assert!(
        by_olga
            .iter()
            .all(|e| e["actor"] == cast.organizer.id.as_str())
    );
    let r = app
        .get(&format!("{path}?since=2100-01-01T00:00:00Z"))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert_eq!(events(&r).len(), 0, "{}", r.text);
    let r = app
        .get(&format!(
            "{path}?until=2100-01-01T00:00:00Z&since=2000-01-01T00:00:00Z&limit=1000"
        ))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert_eq!(events(&r).len(), all.len(), "{}", r.text);

    // The order's own timeline.
    let r = app
        .get(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/history"
        ))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let timeline = events(&r);
    assert_eq!(timeline[0]["event_type"], "OrderPlaced");
    assert!(timeline.iter().any(|e| e["event_type"] == "OrderPaid"));
    let id = &timeline[0]["stream"]["aggregate_id"];
    assert!(timeline.iter().all(|e| &e["stream"]["aggregate_id"] == id));
    let r = app
        .get(&format!(
            "/api/v1/conferences/{CONF}/orders/NOPE-0000/history"
        ))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    // Bad paging is refused; staff without the role and attendees get 403.
    for bad in ["limit=0", "limit=1001", "after=-1"] {
        let r = app
            .get(&format!("{path}?{bad}"))
            .as_user(&cast.auditor)
            .send()
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
    }
    let r = app
        .get(&format!("{path}?since=yesterday"))
        .as_user(&cast.auditor)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    for who in [&cast.organizer, &cast.ana] {
        let r = app.get(&path).as_user(who).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    let r = app.get(&path).as_user(&cast.admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}

/// An order as it stood: at the position (or the moment) it was placed it is
/// pending, at the head it is paid; the CLI answers the same.
async fn an_order_as_of_a_moment_or_position(b: Backend) {
    let (app, cast, reference) = setup(b).await;
    let r = app
        .get(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/history"
        ))
        .as_user(&cast.auditor)
        .send()
        .await;
    let timeline = events(&r);
    let placed = &timeline[0];
    assert_eq!(placed["event_type"], "OrderPlaced");
    let placed_at = placed["position"].as_i64().unwrap_or_default();
    let state = |q: String| {
        let app = &app;
        let auditor = &cast.auditor;
        let reference = reference.clone();
        async move {
            app.get(&format!(
                "/api/v1/conferences/{CONF}/orders/{reference}/state?{q}"
            ))
            .as_user(auditor)
            .send()
            .await
        }
    };
    let r = state(format!("position={placed_at}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["position"], placed_at);
    assert_eq!(r.body["events"], 1);
    assert_eq!(r.body["state"]["status"], "pending");
    let moment = placed["recorded_at"]
        .as_str()
        .unwrap_or_default()
        .replace('+', "%2B");
    let r = state(format!("as_of={moment}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["position"], placed_at, "{}", r.text);
    assert_eq!(r.body["state"]["status"], "pending");
    let head = app.app.db.head().await.expect("head");
    let r = state(format!("position={head}")).await;
    assert_eq!(r.body["state"]["status"], "paid", "{}", r.text);
    let last = timeline.last().map(|e| e["position"].clone());
    assert_eq!(Some(r.body["position"].clone()), last);
    // Before it was placed there was no such order; a query needs one bound.
    let r = state(format!("position={}", placed_at - 1)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = state("as_of=2000-01-01T00:00:00Z".to_string()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    for bad in ["", "position=-1", "position=3&as_of=2000-01-01T00:00:00Z"] {
        let r = state(bad.to_string()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .args([
            "replay",
            "state",
            "--conference",
            CONF,
            "--order",
            &reference,
        ])
        .args([
            "--position",
            &placed_at.to_string(),
            "--database-url",
            &app.url,
        ])
        .output()
        .expect("run tessera replay state");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["state"]["status"], "pending");
    assert_eq!(doc["position"], placed_at);
    app.finish().await;
}

/// A page of history is read through the conference index, never by scanning
/// the whole log.
async fn history_reads_through_the_conference_index(b: Backend) {
    let (app, _cast, _) = setup(b).await;
    let q = tessera_replay::history::HistoryQuery {
        conference_id: tessera::app::conference_id(CONF).to_string(),
        after: 3,
        limit: Some(100),
        event_type: Some("OrderPlaced".to_string()),
        ..Default::default()
    };
    let plan = tessera_replay::history::plan(&app.app.db, &q)
        .await
        .expect("explain");
    assert!(
        plan.iter().any(|l| l.contains("events_conference")),
        "{plan:#?}"
    );
    app.finish().await;
}

on_both_backends!(
    the_auditor_reads_everything_and_changes_nothing,
    history_pages_in_log_order_with_filters,
    an_order_as_of_a_moment_or_position,
    history_reads_through_the_conference_index
);
