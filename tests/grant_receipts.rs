//! Travel grant receipts and readiness end to end (SPEC GRANT-21, GRANT-29…36),
//! on SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn path(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/grants{rest}")
}

fn form() -> Value {
    json!({
        "experience_level": "intermediate",
        "travel_from": "Lagos, Nigeria",
        "airfare_description": "Return flight",
        "airfare_amount": "900.00",
        "requested_amount": "900.00",
        "occupation": "Developer",
        "involvement": "PyLadies Lagos",
        "reason": "First PyCon US"
    })
}

/// A whole PDF: its signature, `body`, its end-of-file marker.
fn pdf(body: &[u8]) -> Vec<u8> {
    [b"%PDF-1.4\n".as_slice(), body, b"\n%%EOF\n"].concat()
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const PNG_IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

/// A whole PNG: signature, `body`, IEND chunk.
fn png(body: &[u8]) -> Vec<u8> {
    [PNG_SIGNATURE.as_slice(), body, PNG_IEND.as_slice()].concat()
}

/// A whole JPEG of `len` bytes: start-of-image, filler, end-of-image.
fn jpeg(len: usize) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0];
    out.resize(len.saturating_sub(2).max(4), 0x20);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

const BOUNDARY: &str = "tessera-test-boundary-7Hq";

/// A multipart/form-data body: the text `fields`, then `file` (name, bytes).
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut out = vec![];
    for (name, value) in fields {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// The fields of an airfare receipt of `amount`.
fn form_fields(amount: &str) -> Vec<(&'static str, String)> {
    vec![
        ("type", "airfare".into()),
        ("date", "2027-05-12".into()),
        ("amount", amount.into()),
        ("description", "Boarding pass LOS-PIT".into()),
    ]
}

fn receipt(file_name: &str, content: &[u8], amount: &str) -> Value {
    json!({
        "kind": "airfare",
        "date": "2027-05-12",
        "amount": amount,
        "description": "Boarding pass LOS-PIT",
        "file_name": file_name,
        "content_base64": STANDARD.encode(content)
    })
}

struct Cast {
    app: TestApp,
    reviewer: User,
}

async fn setup(b: Backend) -> Cast {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let reviewer = app.user("rita").await;
    app.grant(&admin, CONF, &reviewer, "reviewer").await;
    Cast { app, reviewer }
}

impl Cast {
    /// `who` applies; the reviewer offers `amount`; answers the grant id.
    async fn offered(&self, who: &User, amount: &str) -> String {
        let r = self
            .app
            .post(&path(""))
            .as_user(who)
            .json(form())
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap_or_default().to_string();
        let r = self
            .app
            .post(&path(&format!("/{id}/review")))
            .as_user(&self.reviewer)
            .json(json!({ "status": "offered", "approved_amount": amount }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        id
    }

    /// `who`'s grant, accepted with `amount` approved.
    async fn accepted(&self, who: &User, amount: &str) -> String {
        let id = self.offered(who, amount).await;
        let r = self.mine(who, "/accept").post().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        id
    }

    fn mine<'a>(&'a self, who: &'a User, rest: &str) -> Mine<'a> {
        Mine {
            cast: self,
            who,
            path: path(&format!("/mine{rest}")),
        }
    }

    /// Uploads as multipart/form-data.
    async fn upload_form(
        &self,
        who: &User,
        fields: &[(&str, String)],
        file: Option<(&str, &[u8])>,
    ) -> common::Response {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.app
            .post(&path("/mine/receipts"))
            .as_user(who)
            .raw(
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(&fields, file),
            )
            .send()
            .await
    }

    /// What is stored: files in the store, rows in `personal_files`, upload events.
    async fn stored(&self) -> (usize, i64, usize) {
        let files = self.app.app.files.count().expect("count files");
        let sql = "SELECT COUNT(*) FROM personal_files";
        let rows: (i64,) = match &self.app.app.db {
            tessera_replay::Db::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await,
            tessera_replay::Db::Sqlite(p) => sqlx::query_as(sql).fetch_one(p).await,
        }
        .expect("count rows");
        let events = self
            .app
            .count_events(|e| e.event_type == "GrantReceiptUploaded")
            .await;
        (files, rows.0, events)
    }

    async fn upload(&self, who: &User, body: Value) -> common::Response {
        self.app
            .post(&path("/mine/receipts"))
            .as_user(who)
            .json(body)
            .send()
            .await
    }

    async fn staff(&self, method: &str, rest: &str, body: Option<Value>) -> common::Response {
        let call = match method {
            "GET" => self.app.get(&path(rest)),
            _ => self.app.post(&path(rest)),
        }
        .as_user(&self.reviewer);
        match body {
            Some(b) => call.json(b).send().await,
            None => call.send().await,
        }
    }
}

struct Mine<'a> {
    cast: &'a Cast,
    who: &'a User,
    path: String,
}

impl Mine<'_> {
    async fn post(self) -> common::Response {
        self.cast
            .app
            .post(&self.path)
            .as_user(self.who)
            .send()
            .await
    }
    async fn get(self, after: Option<i64>) -> common::Response {
        self.cast
            .app
            .get(&self.path)
            .as_user(self.who)
            .after(after)
            .send()
            .await
    }
    async fn delete(self) -> common::Response {
        self.cast
            .app
            .delete(&self.path)
            .as_user(self.who)
            .send()
            .await
    }
}

/// GRANT-29: no receipts before the grant is accepted with a non-zero amount.
async fn grant_29_receipts_need_an_accepted_grant_with_an_approved_amount(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    let bo = cast.app.user("bo").await;
    cast.offered(&ana, "800.00").await;
    cast.accepted(&bo, "0.00").await;
    for who in [&ana, &bo] {
        let r = cast.upload(who, receipt("a.pdf", &pdf(b""), "10.00")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(r.code(), "grant.receipts_not_allowed");
        assert_eq!(
            r.body["detail"],
            "Receipts can only be uploaded for accepted grants with an approved amount."
        );
        let r = cast
            .mine(who, "/receipts")
            .get(Some(cast.app.settled().await))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    }
    // Without an application there is nothing to attach receipts to.
    let cy = cast.app.user("cy").await;
    let r = cast.upload(&cy, receipt("a.pdf", &pdf(b""), "10.00")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(
        cast.app
            .count_events(|e| e.event_type == "GrantReceiptUploaded")
            .await,
        0
    );
    cast.app.finish().await;
}

/// GRANT-30, 31, 36: upload, list with Σ, download by the owner and reviewers;
/// the file is never in the event.
async fn grant_31_36_upload_list_sum_and_download(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    let bo = cast.app.user("bo").await;
    let grant = cast.accepted(&ana, "800.00").await;
    cast.accepted(&bo, "500.00").await;
    let pdf_bytes = pdf(b"ana's boarding pass");
    let pdf = pdf_bytes.as_slice();
    let r = cast
        .upload(&ana, receipt("Boarding.PDF", pdf, "450.00"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = r.body["receipt"].as_str().unwrap_or_default().to_string();
    // The list is in upload order (by upload time).
    cast.app.clock.advance(chrono::Duration::seconds(1));
    let mut png = receipt("hotel.png", &png(b"hotel folio"), "120.50");
    png["kind"] = json!("lodging");
    png["description"] = json!("");
    let r = cast.upload(&ana, png).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let list = cast.mine(&ana, "/receipts").get(r.position()).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["total_amount"], "570.50");
    let receipts = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[0]["description"], "Boarding pass LOS-PIT");
    assert_eq!(receipts[0]["file_type"], "pdf");
    assert_eq!(receipts[0]["file_size"], pdf.len());
    assert_eq!(receipts[0]["review"], "pending");
    assert_eq!(receipts[1]["kind"], "lodging");
    // The owner and reviewers download it; Bo cannot reach Ana's file.
    let own = cast
        .app
        .get(&path(&format!("/mine/receipts/{first}/file")))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.text.as_bytes(), pdf);
    assert_eq!(own.headers["content-type"], "application/pdf");
    let staff = cast
        .staff("GET", &format!("/{grant}/receipts/{first}/file"), None)
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text);
    assert_eq!(staff.text.as_bytes(), pdf);
    let other = cast
        .app
        .get(&path(&format!("/mine/receipts/{first}/file")))
        .as_user(&bo)
        .send()
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.text);
    // The event holds the hash and size, never the bytes.
    let with_bytes = cast
        .app
        .count_events(|e| {
            e.event_type == "GrantReceiptUploaded" && e.payload.contains(&STANDARD.encode(pdf))
        })
        .await;
    assert_eq!(with_bytes, 0);
    cast.app.finish().await;
}

/// GRANT-31: type by extension, case-insensitive, and at most 10 MiB (413).
async fn grant_31_refuses_other_types_and_files_over_ten_mib(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    cast.accepted(&ana, "800.00").await;
    for name in ["a.gif", "a.pdf.exe", "noextension"] {
        let r = cast.upload(&ana, receipt(name, b"x", "1.00")).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.text
        );
        assert_eq!(r.code(), "grant.receipt_file_type");
    }
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let r = cast.upload(&ana, receipt("big.jpg", &big, "1.00")).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(r.code(), "grant.receipt_too_large");
    assert_eq!(r.body["detail"], "File size must be under 10 MB.");
    let mut long = receipt("a.jpeg", b"x", "1.00");
    long["description"] = json!("d".repeat(256));
    let r = cast.upload(&ana, long).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    let mut unknown = receipt("a.jpeg", b"x", "1.00");
    unknown["colour"] = json!("red");
    let r = cast.upload(&ana, unknown).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    let exactly = jpeg(10 * 1024 * 1024);
    let r = cast
        .upload(&ana, receipt("max.JPEG", &exactly, "1.00"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        cast.app
            .count_events(|e| e.event_type == "GrantReceiptUploaded")
            .await,
        1
    );
    cast.app.finish().await;
}

/// GRANT-32…34 and GRANT-21: delete a pending receipt (its file goes), approve
/// and flag, and readiness once payment info and an approved receipt exist.
async fn grant_21_33_34_review_delete_and_readiness(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    let grant = cast.accepted(&ana, "800.00").await;
    let mut ids = vec![];
    for n in 0..3 {
        let r = cast
            .upload(&ana, receipt(&format!("r{n}.pdf"), &pdf(b""), "100.00"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.body["receipt"].as_str().unwrap_or_default().to_string());
    }
    let r = cast
        .mine(&ana, &format!("/receipts/{}", ids[0]))
        .delete()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let gone = cast
        .app
        .get(&path(&format!("/mine/receipts/{}/file", ids[0])))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    let r = cast
        .staff(
            "POST",
            &format!("/{grant}/receipts/{}/approve", ids[1]),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cast
        .staff(
            "POST",
            &format!("/{grant}/receipts/{}/flag", ids[2]),
            Some(json!({ "reason": " " })),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "grant.flag_reason_required");
    let r = cast
        .staff(
            "POST",
            &format!("/{grant}/receipts/{}/flag", ids[2]),
            Some(json!({ "reason": "x".repeat(1025) })),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    let r = cast
        .staff(
            "POST",
            &format!("/{grant}/receipts/{}/flag", ids[2]),
            Some(json!({ "reason": "Illegible" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for id in &ids[1..] {
        let r = cast.mine(&ana, &format!("/receipts/{id}")).delete().await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(r.body["detail"], "This receipt cannot be deleted.");
    }
    let view = cast
        .app
        .get(&path(&format!("/{grant}")))
        .as_user(&cast.reviewer)
        .after(r.position())
        .send()
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    let reviews: Vec<Value> = view.body["receipts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| r["review"].clone())
        .collect();
    assert_eq!(reviews, vec![json!("approved"), json!("flagged")]);
    assert_eq!(view.body["receipts"][1]["flag_reason"], "Illegible");
    assert_eq!(view.body["receipts_total"], "200.00");
    // GRANT-21: no payment info yet.
    assert_eq!(view.body["is_ready_for_disbursement"], false);
    let r = cast
        .app
        .put(&path("/mine/payment-info"))
        .as_user(&ana)
        .json(json!({
            "payment_method": "check", "legal_name": "Ana Okafor",
            "address_street": "1 Marina", "address_city": "Lagos",
            "address_zip": "101001", "address_country": "Nigeria"
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let view = cast
        .app
        .get(&path(&format!("/{grant}")))
        .as_user(&cast.reviewer)
        .after(r.position())
        .send()
        .await;
    assert_eq!(
        view.body["is_ready_for_disbursement"], true,
        "{}",
        view.text
    );
    cast.app.finish().await;
}

/// GRANT-35: the queue answers a receipt neither approved nor flagged, and
/// nothing once all are reviewed.
async fn grant_35_the_queue_answers_an_unreviewed_receipt(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    let bo = cast.app.user("bo").await;
    let mut pending = vec![];
    for who in [&ana, &bo] {
        let grant = cast.accepted(who, "800.00").await;
        let r = cast.upload(who, receipt("r.pdf", &pdf(b""), "10.00")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        pending.push((
            grant,
            r.body["receipt"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let last = cast.app.settled().await;
    let q = cast
        .app
        .get(&path("/receipt-queue"))
        .as_user(&cast.reviewer)
        .after(Some(last))
        .send()
        .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    assert_eq!(q.body["pending"], 2);
    let picked = q.body["receipt"]["id"].as_str().unwrap_or_default();
    assert!(pending.iter().any(|(_, r)| r == picked), "{}", q.text);
    let mut position = None;
    for (grant, receipt) in &pending {
        let r = cast
            .staff(
                "POST",
                &format!("/{grant}/receipts/{receipt}/approve"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        position = r.position();
    }
    let q = cast
        .app
        .get(&path("/receipt-queue"))
        .as_user(&cast.reviewer)
        .after(position)
        .send()
        .await;
    assert_eq!(q.body["pending"], 0, "{}", q.text);
    assert_eq!(q.body["receipt"], Value::Null);
    cast.app.finish().await;
}

/// GRANT-33/34 under concurrency: 10 deletes racing 10 approvals of one receipt
/// end either deleted (no approval took) or approved (no delete took).
async fn grant_33_concurrent_deletes_and_approvals_never_both_win(b: Backend) {
    let cast = Arc::new(setup(b).await);
    let ana = cast.app.user("ana").await;
    let grant = cast.accepted(&ana, "800.00").await;
    let r = cast
        .upload(&ana, receipt("r.pdf", &pdf(b""), "10.00"))
        .await;
    let id = r.body["receipt"].as_str().unwrap_or_default().to_string();
    let mut tasks = vec![];
    for n in 0..20 {
        let (cast, ana, grant, id) = (cast.clone(), ana.clone(), grant.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                let r = cast.mine(&ana, &format!("/receipts/{id}")).delete().await;
                ("delete", r.status)
            } else {
                let r = cast
                    .staff("POST", &format!("/{grant}/receipts/{id}/approve"), None)
                    .await;
                ("approve", r.status)
            }
        }));
    }
    let (mut deleted, mut approved) = (0, 0);
    for t in tasks {
        let (what, status) = t.await.expect("task");
        assert!(
            status == StatusCode::OK
                || status == StatusCode::CONFLICT
                || status == StatusCode::NOT_FOUND,
            "{what}: {status}"
        );
        if status == StatusCode::OK {
            match what {
                "delete" => deleted += 1,
                _ => approved += 1,
            }
        }
    }
    assert!(
        (deleted == 1 && approved == 0) || (deleted == 0 && approved >= 1),
        "deleted {deleted}, approved {approved}"
    );
    let events = cast
        .app
        .count_events(|e| e.event_type == "GrantReceiptDeleted")
        .await;
    assert_eq!(events, deleted);
    let cast = Arc::into_inner(cast).expect("only owner");
    cast.app.finish().await;
}

/// GRANT-30, 31, 36: the multipart form; the file lands sealed in the
/// content-addressed store (`<root>/<2>/<sha256 of the stored bytes>`), the
/// event records its hashes, size, type and logical name; deleting removes it.
async fn grant_31_36_multipart_upload_stores_the_file_on_disk(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    let grant = cast.accepted(&ana, "800.00").await;
    let content = png(b"hotel folio, three nights");
    let mut fields = form_fields("321.40");
    fields[0].1 = "lodging".into();
    let r = cast
        .upload_form(&ana, &fields, Some(("Folio.PNG", &content)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["receipt"].as_str().unwrap_or_default().to_string();
    let list = cast.mine(&ana, "/receipts").get(r.position()).await;
    assert_eq!(list.body["total_amount"], "321.40", "{}", list.text);
    assert_eq!(list.body["items"][0]["kind"], "lodging");
    assert_eq!(list.body["items"][0]["file_type"], "png");
    assert_eq!(list.body["items"][0]["file_size"], content.len());
    // One file, sealed (not the plain bytes), at its content address.
    let root = cast.app.app.files.root().to_path_buf();
    assert_eq!(cast.app.app.files.count().expect("count"), 1);
    let found = std::sync::Mutex::new(String::new());
    cast.app
        .count_events(|e| {
            if e.event_type == "GrantReceiptUploaded"
                && let Ok(mut f) = found.lock()
            {
                *f = e.payload.clone();
            }
            false
        })
        .await;
    let uploaded = found.into_inner().unwrap_or_default();
    let payload: Value = serde_json::from_str(&uploaded).expect("json");
    let file = &payload["GrantReceiptUploaded"]["receipt"]["file"];
    let stored = file["stored"].as_str().unwrap_or_default().to_string();
    assert_eq!(stored.len(), 64, "{payload}");
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["size"], content.len());
    assert_eq!(
        file["name"],
        format!("travel_grant_receipts/{}/{id}.png", ana.id)
    );
    let on_disk = std::fs::read(root.join(&stored[..2]).join(&stored)).expect("stored file");
    assert_ne!(on_disk, content, "the stored bytes are sealed");
    assert!(!uploaded.contains(&STANDARD.encode(&content)));
    // Owner and reviewer download the plain file.
    let own = cast
        .app
        .get(&path(&format!("/mine/receipts/{id}/file")))
        .as_user(&ana)
        .after(r.position())
        .send()
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.headers["content-type"], "image/png");
    let staff = cast
        .staff("GET", &format!("/{grant}/receipts/{id}/file"), None)
        .await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text);
    // GRANT-33: deleting removes the file from the store.
    let r = cast.mine(&ana, &format!("/receipts/{id}")).delete().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(cast.app.app.files.count().expect("count"), 0);
    let gone = cast
        .app
        .get(&path(&format!("/mine/receipts/{id}/file")))
        .as_user(&ana)
        .after(r.position())
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    cast.app.finish().await;
}

/// GRANT-31: a file too large (refused while it streams), of another type by
/// its content, or cut short is a 4xx that leaves no file, row nor event.
async fn grant_31_refused_files_leave_nothing_behind(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    cast.accepted(&ana, "800.00").await;
    let before = cast.stored().await;
    assert_eq!(before, (0, 0, 0));
    let fields = form_fields("10.00");
    let whole_pdf = pdf(b"ticket");
    let whole_png = png(b"folio");
    let whole_jpeg = jpeg(64);
    let big = jpeg(10 * 1024 * 1024 + 1);
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "big.jpg",
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "grant.receipt_too_large",
        ),
        (
            "a.gif",
            whole_png.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grant.receipt_file_type",
        ),
        // The name says PDF, the content is a PNG (and the other way round).
        (
            "a.pdf",
            whole_png.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grant.receipt_content_mismatch",
        ),
        (
            "a.png",
            whole_pdf.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grant.receipt_content_mismatch",
        ),
        (
            "a.jpg",
            b"GIF89a not a jpeg".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grant.receipt_content_mismatch",
        ),
        // Cut short: no %%EOF, no IEND, no end-of-image marker.
        (
            "a.pdf",
            whole_pdf[..whole_pdf.len() - 7].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grant.receipt_truncated",
        ),
        (
            "a.png",
            whole_png[..whole_png.len() - 4].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grant.receipt_truncated",
        ),
        (
            "a.jpeg",
            whole_jpeg[..whole_jpeg.len() - 2].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grant.receipt_truncated",
        ),
    ];
    for (name, content, status, code) in cases {
        let r = cast
            .upload_form(&ana, &fields, Some((name, &content)))
            .await;
        assert_eq!(r.status, status, "{name}: {}", r.text);
        assert_eq!(r.code(), code, "{name}");
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            assert_eq!(r.body["detail"], "File size must be under 10 MB.");
        }
        assert_eq!(cast.stored().await, before, "{name} left something behind");
    }
    // The JSON form checks the content the same way.
    let r = cast
        .upload(&ana, receipt("a.pdf", &whole_png, "1.00"))
        .await;
    assert_eq!(r.code(), "grant.receipt_content_mismatch", "{}", r.text);
    // A form without a file, with an unknown field, or a bad amount.
    let r = cast.upload_form(&ana, &fields, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let mut extra = fields.clone();
    extra.push(("colour", "red".into()));
    let r = cast
        .upload_form(&ana, &extra, Some(("a.pdf", &whole_pdf)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let mut bad = fields.clone();
    bad[2].1 = "ten".into();
    let r = cast
        .upload_form(&ana, &bad, Some(("a.pdf", &whole_pdf)))
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert_eq!(cast.stored().await, before);
    // jpg and jpeg are both JPEG; exactly 10 MiB is accepted.
    for name in ["ok.jpg", "ok.JPEG"] {
        let r = cast
            .upload_form(&ana, &fields, Some((name, &jpeg(10 * 1024 * 1024))))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.text);
    }
    assert_eq!(cast.stored().await, (2, 0, 2));
    cast.app.finish().await;
}

/// A file stored whose event was never recorded (a crash between the two) is
/// removed by the orphan sweep once old enough; referenced and young files stay.
async fn grant_36_the_sweep_removes_orphan_files(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    cast.accepted(&ana, "800.00").await;
    let r = cast
        .upload_form(&ana, &form_fields("5.00"), Some(("r.pdf", &pdf(b"kept"))))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The read model knows the receipt before the sweep reads it.
    let list = cast.mine(&ana, "/receipts").get(r.position()).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
    let id = list.body["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let files = &cast.app.app.files;
    let orphan = files
        .put(b"sealed bytes of a crashed upload".to_vec())
        .await
        .expect("put");
    let young = files
        .put(b"an upload in flight".to_vec())
        .await
        .expect("put");
    assert_eq!(files.count().expect("count"), 3);
    // Everything but the young orphan is two hours old.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
    let root = files.root().to_path_buf();
    for dir in std::fs::read_dir(&root).expect("root") {
        for f in std::fs::read_dir(dir.expect("dir").path()).expect("dir") {
            let p = f.expect("file").path();
            if !p.ends_with(&young) {
                let file = std::fs::File::options().write(true).open(&p).expect("open");
                file.set_modified(old).expect("mtime");
            }
        }
    }
    let removed = tessera::process::grant_receipts::sweep_orphans(
        &cast.app.app.records(),
        cast.app.app.config.files.orphan_minutes,
    )
    .await
    .expect("sweep");
    assert_eq!(removed, 1);
    assert_eq!(files.get(&orphan).await.expect("get"), None);
    assert!(files.get(&young).await.expect("get").is_some());
    assert_eq!(files.count().expect("count"), 2);
    // The referenced receipt still downloads.
    let own = cast
        .app
        .get(&path(&format!("/mine/receipts/{id}/file")))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.text.as_bytes(), pdf(b"kept"));
    cast.app.finish().await;
}

/// GRANT-36: the receipts page (oldest upload first) with Σ of every receipt on
/// each page; receipts uploaded between pages come after the cursor and are
/// seen once, a deleted one already seen changes nothing, none is repeated.
async fn grant_36_receipts_walk(b: Backend) {
    let cast = setup(b).await;
    let ana = cast.app.user("ana").await;
    cast.accepted(&ana, "800.00").await;
    let mut uploaded = vec![];
    let upload = |n: usize| {
        let (cast, ana) = (&cast, &ana);
        async move {
            cast.app.clock.advance(chrono::Duration::seconds(1));
            let name = format!("r{n}.pdf");
            let r = cast.upload(ana, receipt(&name, &pdf(b"r"), "10.00")).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.body["receipt"].as_str().unwrap_or_default().to_string()
        }
    };
    for n in 0..5 {
        uploaded.push(upload(n).await);
    }
    let mut seen: Vec<String> = vec![];
    let mut cursor: Option<String> = None;
    for n in 0.. {
        let mut rest = "/receipts?limit=2".to_string();
        if let Some(c) = &cursor {
            rest.push_str(&format!("&cursor={c}"));
        }
        let head = cast.app.settled().await;
        let r = cast.mine(&ana, &rest).get(Some(head)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["total"].is_i64(), n == 0, "{}", r.text);
        if n == 0 {
            assert_eq!(r.body["total"], 5);
            assert_eq!(r.body["total_amount"], "50.00");
        }
        assert!(r.body["total_amount"].is_string(), "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 2, "{}", r.text);
        seen.extend(
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string)),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        uploaded.push(upload(10 + n).await);
        if n == 0 {
            let r = cast
                .mine(&ana, &format!("/receipts/{}", uploaded[0]))
                .delete()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
    assert_eq!(seen[..5], uploaded[..5], "oldest upload first");
    assert_eq!(seen, uploaded, "the uploads made meanwhile come last");
    cast.app.finish().await;
}

on_both_backends!(
    grant_31_36_multipart_upload_stores_the_file_on_disk,
    grant_31_refused_files_leave_nothing_behind,
    grant_36_the_sweep_removes_orphan_files,
    grant_29_receipts_need_an_accepted_grant_with_an_approved_amount,
    grant_31_36_upload_list_sum_and_download,
    grant_31_refuses_other_types_and_files_over_ten_mib,
    grant_21_33_34_review_delete_and_readiness,
    grant_35_the_queue_answers_an_unreviewed_receipt,
    grant_33_concurrent_deletes_and_approvals_never_both_win,
    grant_36_receipts_walk,
);
