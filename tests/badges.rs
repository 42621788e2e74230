//! Badges end to end (SPEC ATT-30…37), on SQLite and PostgreSQL. A badge is
//! checked by reading it back: the PNG is decoded and its QR code scanned; the
//! PDF is parsed for its pages and their size.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use common::{Backend, Response, TestApp, User};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

const CONF: &str = "pycon-us-2027";

fn url(path: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{path}")
}

/// An admin and a conference with a free ticket and a free speaker ticket.
async fn setup(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    for (slug, name) in [("free", "General Admission"), ("speaker", "Speaker")] {
        app.ticket_type(
            &admin,
            CONF,
            json!({ "slug": slug, "name": name, "price": "0.00", "total_quantity": 50 }),
        )
        .await;
    }
    (app, admin)
}

/// A new attendee holding one `ticket`; answers them with their access code.
async fn attendee(app: &TestApp, name: &str, ticket: &str) -> (User, String) {
    let user = app.user(name).await;
    let r = app.buy(&user, CONF, ticket, 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default();
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&user)
        .json(json!({ "method": "comp" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "comp: {}", r.text);
    let r = app
        .get(&url("attendees/me"))
        .as_user(&user)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "attendee: {}", r.text);
    let code = r.body["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (user, code)
}

async fn template(app: &TestApp, admin: &User, body: serde_json::Value) -> Response {
    app.post(&url("badge-templates"))
        .as_user(admin)
        .json(body)
        .send()
        .await
}

/// A GET answered as raw bytes (badges are binary).
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

async fn raw(app: &TestApp, user: &User, path: &str) -> Raw {
    let head = app.settled().await;
    let req = Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {}", user.token))
        .header("x-tessera-after", head.to_string())
        .body(Body::empty())
        .expect("request");
    let response = app
        .router
        .clone()
        .oneshot(req)
        .await
        .expect("router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes().to_vec())
        .unwrap_or_default();
    Raw {
        status,
        headers,
        bytes,
    }
}

fn detail(r: &Raw) -> String {
    serde_json::from_slice::<serde_json::Value>(&r.bytes)
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The PNG's size and the text of the QR code it shows.
fn scan_png(bytes: &[u8]) -> (u32, u32, Option<String>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels;
        let px = &buf[i..i + channels.min(3)];
        (px.iter().map(|v| u32::from(*v)).sum::<u32>() / px.len() as u32) as u8
    });
    let payload = img
        .detect_grids()
        .first()
        .and_then(|g| g.decode().ok())
        .map(|(_, text)| text);
    (info.width, info.height, payload)
}

/// The PDF's page count and the first page's MediaBox (points).
fn pdf_pages(bytes: &[u8]) -> (usize, Vec<f32>) {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages = doc.get_pages();
    let first = pages.values().next().copied().expect("a page");
    let media = doc
        .get_object(first)
        .and_then(|o| o.as_dict().cloned())
        .and_then(|d| d.get(b"MediaBox").cloned())
        .and_then(|m| m.as_array().cloned())
        .unwrap_or_default();
    (
        pages.len(),
        media.iter().map(|v| v.as_float().unwrap_or(-1.0)).collect(),
    )
}

on_both_backends!(
    att_33_templates_have_defaults_validated_colours_and_one_default,
    att_30_31_formats_and_the_default_template_are_checked,
    att_35_a_png_badge_has_the_template_size_and_a_qr_code_of_slug_and_access_code,
    att_30_a_pdf_badge_is_one_page_of_the_template_size,
    att_36_an_existing_badge_is_returned_without_regeneration,
    att_37_bulk_generation_by_ticket_type_reports_progress,
);

async fn att_33_templates_have_defaults_validated_colours_and_one_default(b: Backend) {
    let (app, admin) = setup(b).await;
    let r = template(
        &app,
        &admin,
        json!({ "name": "Standard", "is_default": true }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["slug"], "standard");
    // ATT-33: colours must match #RRGGBB.
    let r = template(
        &app,
        &admin,
        json!({ "name": "Bad", "accent_color": "#12345" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "badge.invalid_colour");
    // ATT-32: the slug is unique in the conference.
    let r = template(&app, &admin, json!({ "name": "Standard", "width_mm": 90 })).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // ATT-32: a new default replaces the previous one.
    let r = template(
        &app,
        &admin,
        json!({ "name": "Speakers", "is_default": true, "banner_position": "bottom", "width_mm": 90, "height_mm": 140 }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let list = app
        .get(&url("badge-templates"))
        .as_user(&admin)
        .after(r.position())
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let standard = &list.body["items"][1];
    assert_eq!(standard["slug"], "standard");
    assert_eq!(standard["is_default"], false);
    assert_eq!(
        (standard["width_mm"].clone(), standard["height_mm"].clone()),
        (json!(102), json!(152))
    );
    assert_eq!(standard["banner_position"], "below_header");
    assert_eq!(
        [
            &standard["show_name"],
            &standard["show_email"],
            &standard["show_company"],
            &standard["show_ticket_type"],
            &standard["show_qr_code"],
            &standard["show_conference_name"]
        ],
        [
            &json!(true),
            &json!(false),
            &json!(false),
            &json!(true),
            &json!(true),
            &json!(true)
        ]
    );
    assert_eq!(
        [
            &standard["background_color"],
            &standard["text_color"],
            &standard["accent_color"],
            &standard["font"]
        ],
        [
            &json!("#FFFFFF"),
            &json!("#000000"),
            &json!("#4338CA"),
            &json!("Helvetica")
        ]
    );
    assert_eq!(list.body["items"][0]["slug"], "speakers");
    assert_eq!(list.body["items"][0]["is_default"], true);
    app.finish().await;
}

async fn att_30_31_formats_and_the_default_template_are_checked(b: Backend) {
    let (app, admin) = setup(b).await;
    let (ana, code) = attendee(&app, "ana", "free").await;
    // ATT-31: no template given and no default.
    let r = raw(&app, &ana, &url("badges/mine")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        detail(&r),
        format!("No default badge template found for conference '{CONF}'")
    );
    template(&app, &admin, json!({ "name": "Plain" })).await;
    let r = raw(&app, &ana, &url("badges/mine?template=plain&format=png")).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a named template needs no default"
    );
    // ATT-30.
    let r = raw(&app, &ana, &url("badges/mine?template=plain&format=svg")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail(&r),
        "Unsupported badge format 'svg'. Must be one of: pdf, png"
    );
    // Only attendees have a badge; organizers fetch anyone's by access code.
    let bo = app.user("bo").await;
    let r = raw(&app, &bo, &url("badges/mine?template=plain")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = raw(
        &app,
        &bo,
        &url(&format!("attendees/{code}/badge?template=plain")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = raw(
        &app,
        &admin,
        &url(&format!("attendees/{code}/badge?template=plain")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    app.finish().await;
}

async fn att_35_a_png_badge_has_the_template_size_and_a_qr_code_of_slug_and_access_code(
    b: Backend,
) {
    let (app, admin) = setup(b).await;
    template(
        &app,
        &admin,
        json!({ "name": "Standard", "is_default": true }),
    )
    .await;
    template(
        &app,
        &admin,
        json!({ "name": "Dark", "background_color": "#101828", "text_color": "#FFFFFF",
                "banner_position": "below_name", "width_mm": 90, "height_mm": 120 }),
    )
    .await;
    let (ana, code) = attendee(&app, "ana", "speaker").await;
    let r = raw(&app, &ana, &url("badges/mine?format=png")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "image/png");
    let (w, h, payload) = scan_png(&r.bytes);
    // 102 × 152 mm at 150 dpi.
    assert_eq!((w, h), (602, 898));
    assert_eq!(payload, Some(format!("{CONF}:{code}")));
    let r = raw(&app, &ana, &url("badges/mine?format=png&template=dark")).await;
    let (w, h, payload) = scan_png(&r.bytes);
    assert_eq!((w, h), (531, 709));
    assert_eq!(
        payload,
        Some(format!("{CONF}:{code}")),
        "the QR code sits on white"
    );
    app.finish().await;
}

async fn att_30_a_pdf_badge_is_one_page_of_the_template_size(b: Backend) {
    let (app, admin) = setup(b).await;
    template(
        &app,
        &admin,
        json!({ "name": "Standard", "is_default": true, "show_company": true, "show_email": true }),
    )
    .await;
    template(
        &app,
        &admin,
        json!({ "name": "Small", "width_mm": 54, "height_mm": 86, "font": "Times-Roman" }),
    )
    .await;
    let (ana, code) = attendee(&app, "ana", "free").await;
    let r = raw(&app, &ana, &url("badges/mine?format=pdf")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers["content-disposition"],
        format!("attachment; filename=\"badge-{code}.pdf\"").as_str()
    );
    let (pages, media) = pdf_pages(&r.bytes);
    assert_eq!(pages, 1);
    let pt = |mm: f32| mm * 72.0 / 25.4;
    assert_eq!(media.len(), 4);
    assert!(
        (media[2] - pt(102.0)).abs() < 0.01 && (media[3] - pt(152.0)).abs() < 0.01,
        "{media:?}"
    );
    let r = raw(&app, &ana, &url("badges/mine?template=small")).await;
    let (pages, media) = pdf_pages(&r.bytes);
    assert_eq!(pages, 1);
    assert!(
        (media[2] - pt(54.0)).abs() < 0.01 && (media[3] - pt(86.0)).abs() < 0.01,
        "{media:?}"
    );
    app.finish().await;
}

async fn att_36_an_existing_badge_is_returned_without_regeneration(b: Backend) {
    let (app, admin) = setup(b).await;
    template(
        &app,
        &admin,
        json!({ "name": "Standard", "is_default": true }),
    )
    .await;
    let (ana, code) = attendee(&app, "ana", "free").await;
    let first = raw(&app, &ana, &url("badges/mine?format=png")).await;
    assert_eq!(first.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::hours(2));
    let again = raw(&app, &ana, &url("badges/mine?format=png")).await;
    let by_organizer = raw(
        &app,
        &admin,
        &url(&format!("attendees/{code}/badge?format=png")),
    )
    .await;
    assert_eq!(again.bytes, first.bytes);
    assert_eq!(by_organizer.bytes, first.bytes);
    let stamp = |r: &Raw| {
        r.headers["x-badge-generated-at"]
            .to_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(stamp(&again), stamp(&first), "stamped once, when generated");
    assert_eq!(
        first.headers["content-disposition"],
        format!("attachment; filename=\"badge-{code}.png\"").as_str()
    );
    // Another format is another file.
    let pdf = raw(&app, &ana, &url("badges/mine?format=pdf")).await;
    assert_ne!(stamp(&pdf), stamp(&first));
    app.finish().await;
}

async fn att_37_bulk_generation_by_ticket_type_reports_progress(b: Backend) {
    let (app, admin) = setup(b).await;
    template(
        &app,
        &admin,
        json!({ "name": "Standard", "is_default": true }),
    )
    .await;
    attendee(&app, "ana", "free").await;
    attendee(&app, "bo", "free").await;
    let (cy, _) = attendee(&app, "cy", "speaker").await;
    let head = app.settled().await;
    let run = |body: serde_json::Value| {
        app.post(&url("badges/bulk"))
            .as_user(&admin)
            .after(Some(head))
            .json(body)
            .send()
    };
    let speakers = run(json!({ "ticket_type": "speaker", "format": "png" })).await;
    assert_eq!(speakers.status, StatusCode::ACCEPTED, "{}", speakers.text);
    assert_eq!(speakers.body["total"], 1);
    let all = run(json!({})).await;
    assert_eq!(all.body["total"], 3, "{}", all.text);
    for job in [&speakers, &all] {
        let id = job.body["id"].as_str().unwrap_or_default();
        let mut seen = job.body.clone();
        for _ in 0..200 {
            seen = app
                .get(&url(&format!("badges/jobs/{id}")))
                .as_user(&admin)
                .send()
                .await
                .body;
            if seen["status"] == "finished" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(seen["status"], "finished", "{seen}");
        assert_eq!(seen["done"], seen["total"]);
        assert_eq!(seen["failed"], 0);
    }
    // The bulk run stored the speaker's PNG: downloading it returns that file.
    let r = raw(&app, &cy, &url("badges/mine?format=png")).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .get(&url("badges/jobs/00000000-0000-0000-0000-000000000000"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.finish().await;
}
