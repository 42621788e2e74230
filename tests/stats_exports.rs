//! CSV exports (ANA-45, ANA-48…51) end to end, on SQLite and PostgreSQL.

mod common;

use axum::http::{StatusCode, header};
use common::{Backend, TestApp};
use serde_json::json;

const CONF: &str = "pycon-us-2027";

fn export(name: &str) -> String {
    format!("/api/v1/conferences/{CONF}/exports/{name}.csv")
}

fn lines(text: &str) -> Vec<&str> {
    text.split("\r\n").filter(|l| !l.is_empty()).collect()
}

/// ANA-45/31: the inventory with sold, reserved and remaining; ANA-48/49: sales by
/// date and reconciliation; ANA-50: the file names; ANA-51: names starting with
/// `=`, `+`, `-` or `@` (after spaces) are defused with a leading `'`.
async fn ana_51_exports_defuse_formulas(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "=HYPERLINK(\"http://x\",\"y\")",
                "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    for (slug, name) in [("plus", "+1"), ("minus", "-cmd"), ("at", " @SUM(1)")] {
        let r = app
            .post(&format!("/api/v1/conferences/{CONF}/addons"))
            .as_user(&admin)
            .json(json!({ "slug": slug, "name": name, "price": "5.00" }))
            .send()
            .await;
        assert!(r.status.is_success(), "add-on: {}", r.text);
    }
    // One paid, one pending (its hold is live: reserved).
    let ana = app.user("ana").await;
    let r = app.buy(&ana, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/payments"
        ))
        .as_user(&admin)
        .json(json!({ "method": "manual", "amount": "100.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bo = app.user("bo").await;
    let r = app.buy(&bo, CONF, "individual", 2).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let head = Some(app.settled().await);

    let r = app
        .get(&export("inventory"))
        .as_user(&admin)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"pycon-us-2027-inventory.csv\""
    );
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let l = lines(&r.text);
    assert_eq!(
        l[0],
        "Type,Name,Price,Total Quantity,Sold,Reserved,Remaining,Active,Available From,Available Until"
    );
    assert!(
        l.contains(&r#"Ticket,"'=HYPERLINK(""http://x"",""y"")",100.00,10,1,2,7,Yes,,"#),
        "{l:?}"
    );
    assert!(
        l.contains(&"Add-on,'+1,5.00,Unlimited,0,0,Unlimited,Yes,,"),
        "{l:?}"
    );
    assert!(
        l.contains(&"Add-on,'-cmd,5.00,Unlimited,0,0,Unlimited,Yes,,"),
        "{l:?}"
    );
    assert!(
        l.contains(&"Add-on,' @SUM(1),5.00,Unlimited,0,0,Unlimited,Yes,,"),
        "{l:?}"
    );

    let r = app
        .get(&export("sales-by-date"))
        .as_user(&admin)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let l = lines(&r.text);
    assert_eq!(l[0], "Date,Orders,Revenue");
    assert_eq!(l.len(), 2, "{l:?}");
    assert!(l[1].ends_with(",1,100.00"), "{l:?}");

    let r = app
        .get(&export("reconciliation"))
        .as_user(&admin)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let l = lines(&r.text);
    assert!(l.contains(&"Summary,Total Sales,,100.00"), "{l:?}");
    assert!(l.contains(&"Summary,Discrepancy,,0.00"), "{l:?}");
    assert!(l.contains(&"Payment Method,manual,1,100.00"), "{l:?}");
    assert!(l.contains(&"Order Status,pending,1,200.00"), "{l:?}");

    let r = app
        .get(&export("registration-flow"))
        .as_user(&admin)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let l = lines(&r.text);
    assert_eq!(l[0], "Date,Registrations,Cancellations,Net");
    assert!(l[1].ends_with(",1,0,1"), "{l:?}");

    // ANA-52: staff without a reports role are refused.
    let chuck = app.user("chuck").await;
    app.grant(&admin, CONF, &chuck, "checkin").await;
    let r = app.get(&export("inventory")).as_user(&chuck).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    app.finish().await;
}

on_both_backends!(ana_51_exports_defuse_formulas);
