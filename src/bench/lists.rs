//! `tessera bench lists`: list pages at real sizes through the real HTTP API on a
//! socket. Seeds the orders and attendees read models of one conference with
//! `orders` and `attendees` rows (written straight into the live generation: the
//! benchmark measures reads, not folds), then prints the first-page latency of
//! each list with each filter (p50/p99) and the items/s of walking every page of
//! the orders. Figures only: nothing is asserted on time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration as Span, TimeZone, Utc};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rust_decimal::Decimal;
use tessera_aggregates::conference::ConferenceDetails;
use tessera_aggregates::natural_id;
use tessera_aggregates::order::{OrderLine, OrderStatus};
use tessera_aggregates::pricing::ProductRef;
use tessera_projections::Projection;
use tessera_projections::attendees::{
    self, AttendeeRow, Attendees, AttendeesRow, HeldProduct, attendee_key, attendee_product_index,
};
use tessera_projections::orders::{self, OrderRecord, Orders, OrdersRow, order_key, product_index};
use tessera_projections::tally::tally_key;
use tessera_replay::Db;
use tessera_replay::storage::{self, RowChange, Tx};

use crate::config::Config;
use crate::meta::CommandMeta;
use crate::server::{SystemClock, build_app, open_db};

const CONF: &str = "lists-2027";
const TICKETS: [&str; 4] = ["individual", "student", "corporate", "speaker"];
const STATUSES: [OrderStatus; 4] = [
    OrderStatus::Paid,
    OrderStatus::Pending,
    OrderStatus::Cancelled,
    OrderStatus::PartiallyRefunded,
];

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>;

fn order_row(conference_id: uuid::Uuid, i: usize) -> OrderRecord {
    let placed_at = Utc
        .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + Span::seconds(i as i64 * 7);
    let price = Decimal::new(10_000, 2);
    let reference = format!("ORD-B{i:07}");
    OrderRecord {
        id: natural_id("order", &reference),
        conference_id,
        reference,
        user: natural_id("user", &format!("buyer{i}@lists.example")),
        cart_id: None,
        status: STATUSES[i % STATUSES.len()],
        lines: vec![OrderLine {
            product: ProductRef::ticket(TICKETS[i % TICKETS.len()]),
            description: TICKETS[i % TICKETS.len()].to_string(),
            unit_price: price,
            quantity: 1,
            discount_amount: Decimal::ZERO,
            line_total: price,
        }],
        subtotal: price,
        discount_amount: Decimal::ZERO,
        total: price,
        voucher_code: i.is_multiple_of(50).then(|| format!("V{}", i % 1000)),
        voucher_details: None,
        billing_name: format!("Buyer {i}"),
        billing_email: format!("buyer{i}@lists.example"),
        billing_company: String::new(),
        sealed_billing: None,
        hold_expires_at: None,
        placed_at,
        balance: price,
        ..OrderRecord::default()
    }
}

fn attendee_row(conference_id: uuid::Uuid, i: usize) -> AttendeeRow {
    let user = natural_id("user", &format!("attendee{i}@lists.example"));
    let ticket = TICKETS[i % TICKETS.len()];
    AttendeeRow {
        id: natural_id("attendee", &format!("{conference_id}/{user}")),
        conference_id,
        user,
        access_code: format!("A{i:07}"),
        registered_at: Utc
            .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
            + Span::seconds(i as i64 * 5),
        orders: vec![],
        current_order: None,
        completed_registration: true,
        products: vec![HeldProduct {
            product: ProductRef::ticket(ticket),
            name: ticket.to_string(),
            held: 1,
            redeemed: 0,
            remaining: 1,
        }],
        ticket_type: ticket.to_string(),
        checked_in: i.is_multiple_of(3),
        checked_in_at: None,
        last_check_in_at: None,
        check_in_count: u32::from(i.is_multiple_of(3)),
        door_checks: 0,
        door_checks_denied: 0,
        redeemed: BTreeMap::new(),
    }
}

/// Writes `rows` into the live generation of `name`, in batches.
async fn seed(db: &Db, name: &'static str, rows: Vec<(String, String)>) -> anyhow::Result<()> {
    let generation = storage::generations(db)
        .await?
        .into_iter()
        .find(|g| g.name == name && g.status == storage::Status::Live)
        .context("no live generation")?
        .generation;
    for chunk in rows.chunks(5_000) {
        let mut tx = Tx::begin(db).await?;
        tx.write_rows(
            chunk
                .iter()
                .map(|(key, doc)| RowChange {
                    name,
                    generation,
                    key: key.clone(),
                    doc: Some(doc.clone()),
                })
                .collect(),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

async fn get(client: &HttpClient, url: &str, token: &str) -> anyhow::Result<serde_json::Value> {
    let req = hyper::Request::builder()
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .body(Empty::new())?;
    let resp = client.request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    anyhow::ensure!(
        status.is_success(),
        "{url}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    Ok(serde_json::from_slice(&body)?)
}

pub async fn lists(
    url: &str,
    orders: usize,
    attendees: usize,
    samples: usize,
) -> anyhow::Result<()> {
    let db = open_db(url).await?;
    let app = build_app(db.clone(), Config::default(), Arc::new(SystemClock)).await?;
    let meta = CommandMeta::system();
    crate::provision::create_series(&app.bus, "lists", "Lists", &meta)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let details = ConferenceDetails {
        name: "Lists 2027".into(),
        start_date: chrono::NaiveDate::from_ymd_opt(2027, 5, 1).unwrap_or_default(),
        end_date: chrono::NaiveDate::from_ymd_opt(2027, 5, 3).unwrap_or_default(),
        ..Default::default()
    };
    let conf = crate::provision::create_conference(&app.bus, "lists", CONF, 2027, details, &meta)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let admin = crate::process::accounts::create_user_with(
        &app.bus,
        &app.personal,
        "admin@lists.example",
        "bench admin password",
        "Admin",
        true,
    )
    .await?;
    let head = db.head().await?;
    app.runner
        .wait_for(head, std::time::Duration::from_secs(60))
        .await;
    let token = app.tokens.issue(admin, 0, app.bus.services().now());

    println!("bench lists: seeding {orders} orders and {attendees} attendees…");
    let t = Instant::now();
    let mut rows = Vec::with_capacity(orders * 2);
    let mut tally = tessera_projections::tally::Tally::default();
    for i in 0..orders {
        let o = order_row(conf.id, i);
        // The counts the fold keeps beside the rows.
        tally.shift(&[], &orders::order_facets(&o));
        // The product index rows the orders projection writes beside each order.
        for (key, row) in product_index(&o) {
            rows.push((key, serde_json::to_string(&row)?));
        }
        rows.push((
            order_key(conf.id, o.id),
            serde_json::to_string(&OrdersRow::Order(o))?,
        ));
    }
    rows.push((
        tally_key(conf.id),
        serde_json::to_string(&OrdersRow::Tally(tally))?,
    ));
    seed(&db, Orders::NAME, rows).await?;
    let mut rows = Vec::with_capacity(attendees * 2);
    let mut tally = tessera_projections::tally::Tally::default();
    for i in 0..attendees {
        let a = attendee_row(conf.id, i);
        tally.shift(&[], &attendees::attendee_facets(&a));
        // The product index rows the attendees projection writes beside each
        // attendee.
        for (key, row) in attendee_product_index(&a) {
            rows.push((key, serde_json::to_string(&row)?));
        }
        rows.push((
            attendee_key(conf.id, a.user),
            serde_json::to_string(&AttendeesRow::Attendee(a))?,
        ));
    }
    rows.push((
        tally_key(conf.id),
        serde_json::to_string(&AttendeesRow::Tally(tally))?,
    ));
    seed(&db, Attendees::NAME, rows).await?;
    if let Db::Postgres(p) = &db {
        // As autovacuum leaves a table that has settled: statistics, and the
        // visibility map that lets a count read the index alone.
        sqlx::query("VACUUM (ANALYZE) projection_rows")
            .execute(p)
            .await?;
    }
    if let Db::Sqlite(p) = &db {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    println!("seeded in {:.1}s", t.elapsed().as_secs_f64());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!(
        "http://{}/api/v1/conferences/{CONF}",
        listener.local_addr()?
    );
    let router = crate::router(app.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service()).await;
    });
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    let queries = [
        "orders",
        "orders?status=paid",
        "orders?sort=oldest",
        "orders?reference=ORD-B0004242",
        "orders?email=buyer77@lists.example",
        "orders?placed_from=2027-01-03T00:00:00Z&placed_to=2027-01-04T00:00:00Z",
        "orders?ticket_type=student",
        "orders?voucher_code=V100",
        "orders?status=pending&ticket_type=corporate",
        "attendees",
        "attendees?checked_in=true",
        "attendees?ticket_type=speaker",
        "attendees?sort=newest",
        "attendees?email=attendee99@lists.example",
    ];
    println!("first page (limit 50), {samples} requests each:");
    for q in queries {
        let mut h = Histogram::<u64>::new(3)?;
        let mut total = serde_json::Value::Null;
        for _ in 0..samples {
            let t = Instant::now();
            let page = get(&client, &format!("{base}/{q}"), &token).await?;
            h.record(t.elapsed().as_micros() as u64)?;
            total = page["total"].clone();
        }
        println!(
            "  {q:<72} p50 {:>8.2} ms   p99 {:>8.2} ms   ({total} matches)",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.99) as f64 / 1000.0,
        );
    }

    for limit in [50, 500] {
        let t = Instant::now();
        let (mut items, mut pages) = (0usize, 0usize);
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{base}/orders?limit={limit}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page = get(&client, &url, &token).await?;
            items += page["items"].as_array().map_or(0, Vec::len);
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "walk every page of orders (limit {limit}): {items} items in {pages} pages, {s:.1}s, {:.0} items/s",
            items as f64 / s
        );
    }
    Ok(())
}
