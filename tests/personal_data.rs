//! Personal data is crypto-shredded, on SQLite and PostgreSQL: names, e-mail
//! addresses and billing details enter the log only sealed under
//! a key per person; erasing the person forgets the key, so their fields read
//! "erased" everywhere, every projection still rebuilds and verifies, the amounts
//! are unchanged, and their log-in is gone.

mod common;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use serde_json::json;
use tessera_replay::admin;

const CONF: &str = "pycon-us-2027";
const NAME: &str = "Ada Lovelace-Byron";
const COMPANY: &str = "Analytical Engines Ltd";
const EMAIL: &str = "ada.lovelace@example.org";
const PASSWORD: &str = "correct horse battery";

fn order_path(reference: &str) -> String {
    format!("/api/v1/conferences/{CONF}/orders/{reference}")
}

/// A conference selling "individual" (100.00); Ada signs up, checks out with
/// billing details and is paid manually by finance. Her order's reference.
async fn purchase(app: &TestApp, admin: &User) -> (User, String) {
    app.conference(admin, CONF).await;
    app.ticket_type(
        admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let r = app
        .post("/api/v1/auth/signup")
        .json(json!({ "email": EMAIL, "password": PASSWORD, "name": NAME }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "signup: {}", r.text);
    let ada = User {
        id: r.body["id"].as_str().unwrap_or_default().to_string(),
        email: EMAIL.into(),
        token: r.body["token"].as_str().unwrap_or_default().to_string(),
    };
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/cart/items"))
        .as_user(&ada)
        .json(json!({ "ticket_type": "individual", "quantity": 1 }))
        .send()
        .await;
    assert!(r.status.is_success(), "cart: {}", r.text);
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&ada)
        .json(json!({ "billing_name": NAME, "billing_email": EMAIL, "billing_company": COMPANY }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!("{}/payments", order_path(&reference)))
        .as_user(admin)
        .json(json!({ "method": "manual", "amount": "100.00", "reference": "WIRE-1", "note": "bank transfer" }))
        .send()
        .await;
    assert!(r.status.is_success(), "manual payment: {}", r.text);
    app.settled().await;
    (ada, reference)
}

async fn login(app: &TestApp) -> StatusCode {
    app.post("/api/v1/auth/login")
        .json(json!({ "email": EMAIL, "password": PASSWORD }))
        .send()
        .await
        .status
}

/// The log holds none of Ada's plain values, yet every read shows them.
async fn personal_values_enter_the_log_only_sealed(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (ada, reference) = purchase(&app, &admin).await;
    for value in [EMAIL, NAME, COMPANY, "ada.lovelace", "Lovelace"] {
        let leaks = app
            .count_events(|e| e.payload.contains(value) || e.metadata.contains(value))
            .await;
        assert_eq!(leaks, 0, "'{value}' is in {leaks} stored event(s)");
    }
    // Sealed values are stored instead.
    let sealed = app
        .count_events(|e| e.payload.contains(r#""sealed_billing""#))
        .await;
    assert_eq!(sealed, 1, "the order's billing details are sealed");

    let r = app
        .get(&order_path(&reference))
        .as_user(&ada)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["billing_name"], NAME);
    assert_eq!(r.body["billing_email"], EMAIL);
    assert_eq!(r.body["billing_company"], COMPANY);
    assert_eq!(r.body["status"], "paid");
    let r = app.get("/api/v1/auth/me").as_user(&ada).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (&r.body["email"], &r.body["name"]),
        (&json!(EMAIL), &json!(NAME))
    );
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/orders"))
        .as_user(&admin)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["items"][0]["billing_name"], NAME);
    assert_eq!(login(&app).await, StatusCode::OK);
    app.finish().await;
}

/// After erasure: the order reads "erased" with its amounts unchanged, every
/// projection rebuilds and verifies, Ada's tokens and log-in are refused; others
/// are untouched.
async fn an_erased_person_reads_erased_and_cannot_sign_in(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (ada, reference) = purchase(&app, &admin).await;
    let bo = app.user("bo").await;
    let before = app
        .get(&order_path(&reference))
        .as_user(&admin)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);

    // Only an admin erases; an unknown user is 404.
    let erase = format!("/api/v1/users/{}/erase", ada.id);
    let r = app.post(&erase).as_user(&bo).json(json!({})).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .post(&format!("/api/v1/users/{}/erase", uuid::Uuid::new_v4()))
        .as_user(&admin)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .post(&erase)
        .as_user(&admin)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["erased"], true);

    // Every projection rebuilt from the log, and verified.
    admin::rebuild(&app.app.db, None).await.expect("rebuild");
    let diffs = admin::verify(&app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "verify after erasure: {diffs:?}");

    let after = app
        .get(&order_path(&reference))
        .as_user(&admin)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    for field in ["billing_name", "billing_email", "billing_company"] {
        assert_eq!(after.body[field], "erased", "{field}");
    }
    for field in ["total", "paid", "balance", "refunded", "status", "lines"] {
        assert_eq!(after.body[field], before.body[field], "{field} unchanged");
    }
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/orders"))
        .as_user(&admin)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["items"][0]["billing_name"], "erased");
    assert_eq!(r.body["items"][0]["total"], before.body["total"]);

    // Her log-in and her tokens are gone; signing up again is refused, not a 500.
    assert_eq!(login(&app).await, StatusCode::UNAUTHORIZED);
    let r = app.get("/api/v1/auth/me").as_user(&ada).send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let r = app
        .post("/api/v1/auth/signup")
        .json(json!({ "email": EMAIL, "password": PASSWORD, "name": NAME }))
        .send()
        .await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.text);

    // Erasing again changes nothing; Bo is untouched.
    let r = app
        .post(&erase)
        .as_user(&admin)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.get("/api/v1/auth/me").as_user(&bo).send().await;
    assert_eq!(r.body["email"], bo.email.as_str());
    app.finish().await;
}

/// `tessera user erase --email E` erases from outside the server: the log-in is
/// refused at once (another running instance keeps an unwrapped key it already
/// holds in memory until it restarts; its reads of a cold key see the erasure).
async fn the_cli_erases_a_user(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    purchase(&app, &admin).await;
    let erase = |email: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("TESSERA_PERSONAL_DATA_KEY")
            .args([
                "user",
                "erase",
                "--email",
                email,
                "--database-url",
                &app.url,
            ])
            .output()
            .expect("run")
    };
    let out = erase("nobody@example.org");
    assert!(!out.status.success(), "an unknown user is an error");
    let out = erase(EMAIL);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(login(&app).await, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

/// Rewrites Ada's registration and order into the plain shape the first
/// releases stored (before personal values were sealed).
async fn as_the_first_release_wrote_them(app: &TestApp, ada: &User) {
    use tessera_replay::Db;
    let select = "SELECT position, aggregate_id, event_type, payload FROM events \
                  WHERE event_type IN ('UserRegistered', 'OrderPlaced')";
    let rows: Vec<(i64, String, String, String)> = match &app.app.db {
        Db::Postgres(p) => sqlx::query_as(&select.replace(", payload", ", payload::text"))
            .fetch_all(p)
            .await
            .expect("select"),
        Db::Sqlite(p) => sqlx::query_as(select).fetch_all(p).await.expect("select"),
    };
    let mut rewritten = 0;
    for (position, aggregate_id, event_type, payload) in rows {
        let mut payload: serde_json::Value = serde_json::from_str(&payload).expect("json");
        let inner = &mut payload[&event_type];
        match event_type.as_str() {
            "UserRegistered" if aggregate_id == ada.id => {
                let o = inner.as_object_mut().expect("object");
                for k in ["sealed_email", "sealed_name", "email_hash"] {
                    o.remove(k);
                }
                o.insert("email".into(), json!(EMAIL));
                o.insert("name".into(), json!(NAME));
            }
            "OrderPlaced" if inner["user"] == json!(ada.id) => {
                let o = inner.as_object_mut().expect("object");
                o.remove("sealed_billing");
                o.insert("billing_name".into(), json!(NAME));
                o.insert("billing_email".into(), json!(EMAIL));
                o.insert("billing_company".into(), json!(COMPANY));
            }
            _ => continue,
        }
        rewritten += 1;
        app.set_event_payload(position, &payload).await;
    }
    assert_eq!(rewritten, 2, "Ada's registration and order");
    admin::rebuild(&app.app.db, None).await.expect("rebuild");
}

fn migrate_personal_data(app: &TestApp) -> String {
    app.migrate_personal_data()
}

async fn plain_values_in_the_log(app: &TestApp) -> usize {
    app.count_events(|e| e.payload.contains(EMAIL) || e.payload.contains(NAME))
        .await
}

/// Events of the first releases hold plain values: `tessera migrate
/// personal-data` seals them in place (resumably: a second run changes
/// nothing), rebuilds the read models, and everything reads and signs in as
/// before; the projections verify.
async fn the_migration_seals_plain_values_of_old_events(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (ada, reference) = purchase(&app, &admin).await;
    as_the_first_release_wrote_them(&app, &ada).await;
    assert_eq!(plain_values_in_the_log(&app).await, 2);
    let r = app
        .get(&order_path(&reference))
        .as_user(&admin)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(
        r.body["billing_name"], NAME,
        "old events still read: {}",
        r.text
    );

    let out = migrate_personal_data(&app);
    assert!(
        out.contains("2 sealed, 0 of erased people dropped"),
        "{out}"
    );
    assert_eq!(
        plain_values_in_the_log(&app).await,
        0,
        "no plain value left"
    );
    let r = app
        .get(&order_path(&reference))
        .as_user(&admin)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (
            &r.body["billing_name"],
            &r.body["billing_email"],
            &r.body["billing_company"]
        ),
        (&json!(NAME), &json!(EMAIL), &json!(COMPANY))
    );
    assert_eq!(r.body["total"], "100.00");
    assert_eq!(
        login(&app).await,
        StatusCode::OK,
        "the account still signs in"
    );
    let r = app.get("/api/v1/auth/me").as_user(&ada).send().await;
    assert_eq!(r.body["name"], NAME, "{}", r.text);
    let diffs = admin::verify(&app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "verify after the migration: {diffs:?}");

    let again = migrate_personal_data(&app);
    assert!(
        again.contains("0 sealed, 0 of erased people dropped"),
        "{again}"
    );
    app.finish().await;
}

/// Erasing a person whose events predate sealing leaves their plain values in
/// the log until the migration runs; the migration then drops them: the log
/// holds none, every read says "erased", the amounts stand, and the
/// projections verify.
async fn the_migration_drops_plain_values_of_erased_people(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (ada, reference) = purchase(&app, &admin).await;
    as_the_first_release_wrote_them(&app, &ada).await;
    let r = app
        .post(&format!("/api/v1/users/{}/erase", ada.id))
        .as_user(&admin)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The reads already say "erased", but the log still holds the values.
    assert_eq!(
        plain_values_in_the_log(&app).await,
        2,
        "a plain value outlives its key"
    );

    let out = migrate_personal_data(&app);
    assert!(
        out.contains("0 sealed, 2 of erased people dropped"),
        "{out}"
    );
    assert_eq!(plain_values_in_the_log(&app).await, 0);
    let r = app
        .get(&order_path(&reference))
        .as_user(&admin)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for field in ["billing_name", "billing_email", "billing_company"] {
        assert_eq!(r.body[field], "erased", "{field}");
    }
    assert_eq!(r.body["total"], "100.00");
    assert_eq!(r.body["status"], "paid");
    assert_eq!(login(&app).await, StatusCode::UNAUTHORIZED);
    let diffs = admin::verify(&app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "verify after the migration: {diffs:?}");
    app.finish().await;
}

// ---------------------------------------------------------------------------
// Purchase-order contacts

const PO_EMAIL: &str = "grace.hopper@navy.example";
const PO_NAME: &str = "Grace Brewster Hopper";
const PO_ADDRESS: &str = "1 Harbour Way, Arlington";
const PO_NOTES: &str = "Call Grace on 555-0100";
const PO_ORG: &str = "Eckert-Mauchly Computers";

fn pos_path() -> String {
    format!("/api/v1/conferences/{CONF}/purchase-orders")
}

/// A conference and a PO of 400.00 with its contact; paid 150.00. Its reference.
async fn purchase_order(app: &TestApp, admin: &User) -> String {
    app.conference(admin, CONF).await;
    let r = app
        .post(&pos_path())
        .as_user(admin)
        .json(json!({
            "organization_name": PO_ORG,
            "contact_email": PO_EMAIL,
            "contact_name": PO_NAME,
            "billing_address": PO_ADDRESS,
            "notes": PO_NOTES,
            "lines": [{ "description": "Corporate tickets", "quantity": 4, "unit_price": "100.00" }],
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!("{}/{reference}/payments", pos_path()))
        .as_user(admin)
        .json(json!({ "amount": "150.00", "payment_date": "2027-03-01", "reference": "WIRE-9" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.settled().await;
    reference
}

async fn po_plain_values_in_the_log(app: &TestApp) -> usize {
    app.count_events(|e| {
        [
            PO_EMAIL,
            PO_NAME,
            PO_ADDRESS,
            PO_NOTES,
            "grace.hopper",
            "555-0100",
        ]
        .iter()
        .any(|v| e.payload.contains(v) || e.metadata.contains(v))
    })
    .await
}

/// The PO as read one by one and in the list (after the log head).
async fn po_reads(app: &TestApp, admin: &User, reference: &str) -> (Response, serde_json::Value) {
    let one = app
        .get(&format!("{}/{reference}", pos_path()))
        .as_user(admin)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let list = app
        .get(&pos_path())
        .as_user(admin)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    (one, list.body["items"][0].clone())
}

const PO_FIELDS: [&str; 4] = ["contact_email", "contact_name", "billing_address", "notes"];

/// A PO contact's e-mail, name, address and notes enter the log only sealed
/// (under the PO's own key) and read back opened; erasing the contact makes them
/// read "erased" in the aggregate's view and the read model, the organization
/// and the money stay, and every projection rebuilds and verifies.
async fn po_contacts_are_sealed_and_erasable(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let reference = purchase_order(&app, &admin).await;
    assert_eq!(po_plain_values_in_the_log(&app).await, 0, "no plain value");
    let sealed = app
        .count_events(|e| e.payload.contains(r#""sealed_contact""#))
        .await;
    assert_eq!(sealed, 1, "the contact is sealed");

    let (one, listed) = po_reads(&app, &admin, &reference).await;
    let values = [PO_EMAIL, PO_NAME, PO_ADDRESS, PO_NOTES];
    for (field, value) in PO_FIELDS.iter().zip(values) {
        assert_eq!(one.body[field], value, "{field}: {}", one.text);
        assert_eq!(listed[field], value, "{field} listed: {listed}");
    }
    assert_eq!(one.body["organization_name"], PO_ORG);

    let erase = format!("{}/{reference}/erase-contact", pos_path());
    let r = app.post(&erase).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["contact_email"], "erased", "{}", r.text);
    let (after, listed) = po_reads(&app, &admin, &reference).await;
    for field in PO_FIELDS {
        assert_eq!(after.body[field], "erased", "{field}");
        assert_eq!(listed[field], "erased", "{field} listed");
    }
    for field in [
        "organization_name",
        "total",
        "total_paid",
        "balance_due",
        "status",
        "lines",
    ] {
        assert_eq!(after.body[field], one.body[field], "{field} unchanged");
    }
    assert_eq!(after.body["balance_due"], "250.00");
    // Erasing again changes nothing; another PO is untouched.
    let r = app.post(&erase).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    admin::rebuild(&app.app.db, None).await.expect("rebuild");
    let diffs = admin::verify(&app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "verify after erasure: {diffs:?}");
    let (_, listed) = po_reads(&app, &admin, &reference).await;
    assert_eq!(listed["contact_email"], "erased", "after a rebuild too");
    app.finish().await;
}

/// Rewrites the PO's creation into the plain shape of the first releases.
async fn po_as_the_first_release_wrote_it(app: &TestApp) {
    use tessera_replay::Db;
    let select = "SELECT position, payload FROM events WHERE event_type = 'PurchaseOrderCreated'";
    let rows: Vec<(i64, String)> = match &app.app.db {
        Db::Postgres(p) => sqlx::query_as(&select.replace(", payload", ", payload::text"))
            .fetch_all(p)
            .await
            .expect("select"),
        Db::Sqlite(p) => sqlx::query_as(select).fetch_all(p).await.expect("select"),
    };
    assert_eq!(rows.len(), 1);
    for (position, payload) in rows {
        let mut payload: serde_json::Value = serde_json::from_str(&payload).expect("json");
        let inner = payload["PurchaseOrderCreated"]
            .as_object_mut()
            .expect("object");
        inner.remove("sealed_contact");
        inner.insert(
            "contact".into(),
            json!({
                "organization_name": PO_ORG,
                "contact_email": PO_EMAIL,
                "contact_name": PO_NAME,
                "billing_address": PO_ADDRESS,
                "notes": PO_NOTES,
            }),
        );
        app.set_event_payload(position, &payload).await;
    }
    admin::rebuild(&app.app.db, None).await.expect("rebuild");
}

/// A PO created before sealing still reads; `tessera migrate personal-data`
/// seals its contact in place (a second run changes nothing); erased afterwards
/// it reads "erased". A PO erased before the migration has its values dropped.
async fn the_migration_seals_old_po_contacts(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let reference = purchase_order(&app, &admin).await;
    po_as_the_first_release_wrote_it(&app).await;
    assert_eq!(po_plain_values_in_the_log(&app).await, 1);
    let (one, listed) = po_reads(&app, &admin, &reference).await;
    assert_eq!(one.body["contact_name"], PO_NAME, "old events still read");
    assert_eq!(listed["contact_name"], PO_NAME);

    let out = migrate_personal_data(&app);
    assert!(
        out.contains("1 sealed, 0 of erased people dropped"),
        "{out}"
    );
    assert_eq!(
        po_plain_values_in_the_log(&app).await,
        0,
        "no plain value left"
    );
    let (one, listed) = po_reads(&app, &admin, &reference).await;
    for (field, value) in PO_FIELDS
        .iter()
        .zip([PO_EMAIL, PO_NAME, PO_ADDRESS, PO_NOTES])
    {
        assert_eq!(one.body[field], value, "{field}");
        assert_eq!(listed[field], value, "{field} listed");
    }
    let again = migrate_personal_data(&app);
    assert!(
        again.contains("0 sealed, 0 of erased people dropped"),
        "{again}"
    );

    // Erased before the migration: the migration drops the plain values.
    po_as_the_first_release_wrote_it(&app).await;
    let erase = format!("{}/{reference}/erase-contact", pos_path());
    let r = app.post(&erase).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["contact_name"], "erased", "{}", r.text);
    let out = migrate_personal_data(&app);
    assert!(
        out.contains("0 sealed, 1 of erased people dropped"),
        "{out}"
    );
    assert_eq!(po_plain_values_in_the_log(&app).await, 0);
    let (one, listed) = po_reads(&app, &admin, &reference).await;
    for field in PO_FIELDS {
        assert_eq!(one.body[field], "erased", "{field}");
        assert_eq!(listed[field], "erased", "{field} listed");
    }
    assert_eq!(one.body["total_paid"], "150.00");
    let diffs = admin::verify(&app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "verify after the migration: {diffs:?}");
    app.finish().await;
}

on_both_backends!(
    personal_values_enter_the_log_only_sealed,
    an_erased_person_reads_erased_and_cannot_sign_in,
    the_cli_erases_a_user,
    the_migration_seals_plain_values_of_old_events,
    the_migration_drops_plain_values_of_erased_people,
    po_contacts_are_sealed_and_erasable,
    the_migration_seals_old_po_contacts,
);
