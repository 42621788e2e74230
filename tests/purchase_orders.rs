//! Purchase orders end to end (SPEC PO-*), on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn pos() -> String {
    format!("/api/v1/conferences/{CONF}/purchase-orders")
}

fn po(reference: &str, action: &str) -> String {
    if action.is_empty() {
        format!("{}/{reference}", pos())
    } else {
        format!("{}/{reference}/{action}", pos())
    }
}

/// An admin, a conference, and a finance user of that conference.
async fn setup(b: Backend) -> (TestApp, User, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let finance = app.user("fiona").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    (app, admin, finance)
}

fn acme(lines: Value) -> Value {
    json!({
        "organization_name": "ACME Corp",
        "contact_email": "billing@acme.example",
        "contact_name": "Wile E.",
        "billing_address": "1 Desert Road",
        "lines": lines,
    })
}

/// Creates a PO of `total` (one line).
async fn create_po(app: &TestApp, user: &User, total: &str) -> Response {
    let r = app
        .post(&pos())
        .as_user(user)
        .json(acme(
            json!([{ "description": "Corporate tickets", "unit_price": total }]),
        ))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r
}

/// Creates a PO of `total` (one line) and answers its reference.
async fn create(app: &TestApp, user: &User, total: &str) -> String {
    let r = create_po(app, user, total).await;
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

fn reference_of(r: &Response) -> String {
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

async fn pay(app: &TestApp, user: &User, reference: &str, amount: &str) -> Response {
    app.post(&po(reference, "payments"))
        .as_user(user)
        .json(
            json!({ "amount": amount, "method": "wire", "reference": "BANK-1",
            "payment_date": "2027-03-01", "note": "first tranche" }),
        )
        .send()
        .await
}

async fn credit(app: &TestApp, user: &User, reference: &str, amount: &str) -> Response {
    app.post(&po(reference, "credit-notes"))
        .as_user(user)
        .json(json!({ "amount": amount, "reason": "Goodwill" }))
        .send()
        .await
}

fn is_po_reference(s: &str) -> bool {
    s.strip_prefix("PO-").is_some_and(|tail| {
        tail.len() == 6
            && tail
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// PO-2, PO-3: a draft with a "PO-" + 6 reference; line total = price × quantity
/// (quantity default 1); blank rows skipped; subtotal = total = Σ lines.
async fn po_2_3_creation_makes_a_draft_with_totals(b: Backend) {
    let (app, _admin, finance) = setup(b).await;
    let r = app
        .post(&pos())
        .as_user(&finance)
        .json(acme(json!([
            { "description": "Corporate tickets", "quantity": 3, "unit_price": "450.00" },
            { "description": "   ", "quantity": 9, "unit_price": "1.00" },
            { "description": "Sponsor table", "unit_price": "200" },
        ])))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    assert!(is_po_reference(&reference), "{reference}");
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["subtotal"], "1550.00");
    assert_eq!(r.body["total"], "1550.00");
    assert_eq!(r.body["balance_due"], "1550.00");
    let lines = r.body["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 2, "the blank row is skipped");
    assert_eq!(lines[0]["line_total"], "1350.00");
    assert_eq!(lines[1]["quantity"], 1);
    assert_eq!(r.body["created_by"], finance.id.as_str());

    let got = app
        .get(&po(&reference, ""))
        .as_user(&finance)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.body["organization_name"], "ACME Corp");
    assert_eq!(got.body["total"], "1550.00");
    app.finish().await;
}

/// PO-4: organization, a valid contact e-mail and at least one line are required;
/// quantity ≥ 1; unit price ≥ 0; lines may only name products of the conference.
async fn po_4_creation_is_validated(b: Backend) {
    let (app, _admin, finance) = setup(b).await;
    let line = json!([{ "description": "Tickets", "unit_price": "10.00" }]);
    let cases = [
        (
            json!({ "organization_name": " ", "contact_email": "a@b.example", "lines": line }),
            "po.blank_organization",
        ),
        (
            json!({ "organization_name": "ACME", "contact_email": "nope", "lines": line }),
            "po.invalid_contact_email",
        ),
        (acme(json!([])), "po.no_lines"),
        (
            acme(json!([{ "description": "", "unit_price": "10.00" }])),
            "po.no_lines",
        ),
        (
            acme(json!([{ "description": "T", "quantity": 0, "unit_price": "10.00" }])),
            "po.invalid_quantity",
        ),
        (
            acme(json!([{ "description": "T", "unit_price": "-1.00" }])),
            "po.negative_unit_price",
        ),
        (
            acme(json!([{ "description": "T", "unit_price": "1.00",
                "product": { "kind": "ticket", "slug": "no-such-ticket" } }])),
            "po.unknown_product",
        ),
    ];
    for (body, code) in cases {
        let r = app.post(&pos()).as_user(&finance).json(body).send().await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {}",
            r.text
        );
        assert_eq!(r.code(), code, "{}", r.text);
    }
    let list = app.get(&pos()).as_user(&finance).send().await;
    assert_eq!(list.body["items"], json!([]), "nothing was created");
    app.finish().await;
}

/// PO-5, PO-6, PO-8: the status follows the balance: partially_paid, paid,
/// overpaid; balance_due may go negative.
async fn po_8_status_follows_the_balance(b: Backend) {
    let (app, _admin, finance) = setup(b).await;
    let reference = create(&app, &finance, "1000.00").await;
    let sent = app
        .post(&po(&reference, "send"))
        .as_user(&finance)
        .send()
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.body["status"], "sent");

    let r = pay(&app, &finance, &reference, "400.00").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "partially_paid");
    assert_eq!(r.body["total_paid"], "400.00");
    assert_eq!(r.body["balance_due"], "600.00");
    let payment = &r.body["payments"][0];
    assert_eq!(payment["method"], "wire");
    assert_eq!(payment["reference"], "BANK-1");
    assert_eq!(payment["payment_date"], "2027-03-01");

    let r = pay(&app, &finance, &reference, "600.00").await;
    assert_eq!(r.body["status"], "paid", "{}", r.text);
    assert_eq!(r.body["balance_due"], "0.00");

    let r = pay(&app, &finance, &reference, "25.00").await;
    assert_eq!(r.body["status"], "overpaid", "{}", r.text);
    assert_eq!(r.body["balance_due"], "-25.00");
    app.finish().await;
}

/// PO-6: amount > 0, a known method and a payment date are required; wire is the
/// default method.
async fn po_6_payment_is_validated(b: Backend) {
    let (app, _admin, finance) = setup(b).await;
    let reference = create(&app, &finance, "100.00").await;
    let zero = pay(&app, &finance, &reference, "0").await;
    assert_eq!(
        zero.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        zero.text
    );
    assert_eq!(zero.code(), "po.non_positive_payment");

    let bad_method = app
        .post(&po(&reference, "payments"))
        .as_user(&finance)
        .json(json!({ "amount": "10.00", "method": "bitcoin", "payment_date": "2027-03-01" }))
        .send()
        .await;
    assert_eq!(
        bad_method.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_method.text
    );

    let no_date = app
        .post(&po(&reference, "payments"))
        .as_user(&finance)
        .json(json!({ "amount": "10.00" }))
        .send()
        .await;
    assert_eq!(
        no_date.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        no_date.text
    );
    assert_eq!(no_date.code(), "po.payment_date_required");

    for method in ["ach", "check", "stripe", "other"] {
        let r = app
            .post(&po(&reference, "payments"))
            .as_user(&finance)
            .json(json!({ "amount": "1.00", "method": method, "payment_date": "2027-03-01" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{method}: {}", r.text);
    }
    let default = app
        .post(&po(&reference, "payments"))
        .as_user(&finance)
        .json(json!({ "amount": "1.00", "payment_date": "2027-03-02" }))
        .send()
        .await;
    assert_eq!(default.status, StatusCode::CREATED, "{}", default.text);
    assert_eq!(default.body["payments"][4]["method"], "wire");
    assert_eq!(default.body["total_paid"], "5.00");
    assert_eq!(default.body["status"], "partially_paid");
    app.finish().await;
}

/// PO-7, PO-9: credit notes need amount > 0 and a reason; alone they never make a
/// PO partially_paid; bringing the balance to exactly 0 makes it paid.
async fn po_9_credit_notes_alone_never_partially_pay(b: Backend) {
    let (app, _admin, finance) = setup(b).await;
    let reference = create(&app, &finance, "300.00").await;
    let r = credit(&app, &finance, &reference, "100.00").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["total_credited"], "100.00");
    assert_eq!(r.body["balance_due"], "200.00");

    let no_reason = app
        .post(&po(&reference, "credit-notes"))
        .as_user(&finance)
        .json(json!({ "amount": "5.00", "reason": "  " }))
        .send()
        .await;
    assert_eq!(
        no_reason.code(),
        "po.blank_credit_reason",
        "{}",
        no_reason.text
    );
    let negative = credit(&app, &finance, &reference, "-5.00").await;
    assert_eq!(
        negative.code(),
        "po.non_positive_credit",
        "{}",
        negative.text
    );

    let r = credit(&app, &finance, &reference, "200.00").await;
    assert_eq!(r.body["status"], "paid", "{}", r.text);
    assert_eq!(r.body["balance_due"], "0.00");
    app.finish().await;
}

/// PO-10: only draft POs can be sent.
async fn po_10_only_drafts_can_be_sent(b: Backend) {
    let (app, _admin, finance) = setup(b).await;
    let reference = create(&app, &finance, "10.00").await;
    let first = app
        .post(&po(&reference, "send"))
        .as_user(&finance)
        .send()
        .await;
    assert_eq!(first.body["status"], "sent", "{}", first.text);
    let again = app
        .post(&po(&reference, "send"))
        .as_user(&finance)
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.code(), "po.not_draft");
    assert_eq!(
        again.body["detail"],
        "Only draft POs can be sent (current status: sent)"
    );
    app.finish().await;
}

/// PO-6, PO-7, PO-11: a cancelled PO keeps its payments and refuses new payments
/// and credit notes; a paid PO cannot be cancelled.
async fn po_11_cancelled_pos_refuse_money(b: Backend) {
    let (app, _admin, finance) = setup(b).await;
    let reference = create(&app, &finance, "100.00").await;
    pay(&app, &finance, &reference, "30.00").await;
    let r = app
        .post(&po(&reference, "cancel"))
        .as_user(&finance)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["total_paid"], "30.00", "payments are kept for audit");

    let payment = pay(&app, &finance, &reference, "10.00").await;
    assert_eq!(payment.status, StatusCode::CONFLICT, "{}", payment.text);
    assert_eq!(
        payment.body["detail"],
        format!("Cannot record payment on cancelled PO {reference}")
    );
    let note = credit(&app, &finance, &reference, "10.00").await;
    assert_eq!(note.status, StatusCode::CONFLICT, "{}", note.text);
    assert_eq!(note.code(), "po.credit_on_cancelled");

    let paid = create(&app, &finance, "50.00").await;
    pay(&app, &finance, &paid, "50.00").await;
    let r = app
        .post(&po(&paid, "cancel"))
        .as_user(&finance)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "po.cancel_paid");
    app.finish().await;
}

/// PO-17: the list is newest first and filters by status; each conference sees
/// only its own POs.
async fn po_17_list_newest_first_by_status(b: Backend) {
    let (app, admin, finance) = setup(b).await;
    let mut created = vec![];
    for total in ["10.00", "20.00", "30.00"] {
        created.push(create_po(&app, &finance, total).await);
        app.clock.advance(chrono::Duration::minutes(1));
    }
    let [first, second, third] = [0, 1, 2].map(|i| reference_of(&created[i]));
    let sent = app
        .post(&po(&second, "send"))
        .as_user(&finance)
        .send()
        .await;

    let other = app
        .post("/api/v1/conferences")
        .as_user(&admin)
        .json(json!({
            "series": "pycon-us", "slug": "pycon-us-2028", "name": "PyCon US 2028",
            "year": 2028, "start_date": "2028-05-14", "end_date": "2028-05-22",
            "timezone": "America/Chicago", "total_capacity": 2500
        }))
        .send()
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let r = app
        .post("/api/v1/conferences/pycon-us-2028/purchase-orders")
        .as_user(&admin)
        .json(acme(
            json!([{ "description": "Elsewhere", "unit_price": "1.00" }]),
        ))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let elsewhere = reference_of(&r);
    let last = r.position().max(sent.position());

    let refs = |r: &Response| -> Vec<String> {
        r.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|p| p["reference"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let all = app.get(&pos()).as_user(&finance).after(last).send().await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(
        refs(&all),
        vec![third.clone(), second.clone(), first.clone()]
    );
    let drafts = app
        .get(&format!("{}?status=draft", pos()))
        .as_user(&finance)
        .send()
        .await;
    assert_eq!(refs(&drafts), vec![third, first]);
    let sent = app
        .get(&format!("{}?status=sent", pos()))
        .as_user(&finance)
        .send()
        .await;
    assert_eq!(refs(&sent), vec![second]);

    let foreign = app.get(&po(&elsewhere, "")).as_user(&finance).send().await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    let unknown = app.get(&po("PO-ZZZZZZ", "")).as_user(&finance).send().await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    app.finish().await;
}

/// CONF-55/57: POs are for organizers and finance staff; check-in staff and
/// attendees are refused, anonymous callers must sign in.
async fn conf_55_purchase_orders_are_finance_only(b: Backend) {
    let (app, admin, finance) = setup(b).await;
    let reference = create(&app, &finance, "10.00").await;
    let organizer = app.user("olga").await;
    app.grant(&admin, CONF, &organizer, "organizer").await;
    let r = app.get(&pos()).as_user(&organizer).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let staff = app.user("sam").await;
    app.grant(&admin, CONF, &staff, "checkin").await;
    let attendee = app.user("ana").await;
    for user in [&staff, &attendee] {
        let r = app.get(&pos()).as_user(user).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = pay(&app, user, &reference, "5.00").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    let r = app.get(&pos()).send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    app.finish().await;
}

on_both_backends!(
    po_2_3_creation_makes_a_draft_with_totals,
    po_4_creation_is_validated,
    po_8_status_follows_the_balance,
    po_6_payment_is_validated,
    po_9_credit_notes_alone_never_partially_pay,
    po_10_only_drafts_can_be_sent,
    po_11_cancelled_pos_refuse_money,
    po_17_list_newest_first_by_status,
    conf_55_purchase_orders_are_finance_only,
);
