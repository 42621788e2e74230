//! Receipts (GRANT-29…35) and readiness (GRANT-21), given/when/then.

use chrono::NaiveDate;
use uuid::Uuid;

use super::tests::{accepted_with, applied, framework, in_status, payment, t0, uid, usd, words};
use super::*;

fn rid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn upload(n: u128, ext: &str, size: u64) -> ReceiptUpload {
    ReceiptUpload {
        receipt_id: rid(n),
        kind: ReceiptKind::Airfare,
        date: NaiveDate::from_ymd_opt(2027, 5, 12).unwrap_or_default(),
        amount: usd(450),
        description: words("flight"),
        file: ReceiptFile {
            extension: ext.into(),
            size,
            sha256: "ab".repeat(32),
            stored: None,
            content_type: None,
            name: None,
        },
    }
}

fn upload_cmd(n: u128) -> GrantCommand {
    GrantCommand::UploadReceipt {
        receipt: Box::new(upload(n, "pdf", 1024)),
    }
}

fn uploaded(n: u128) -> GrantEvent {
    GrantEvent::GrantReceiptUploaded {
        receipt: Box::new(upload(n, "pdf", 1024)),
        at: t0(),
    }
}

fn approved(n: u128) -> GrantEvent {
    GrantEvent::GrantReceiptApproved {
        receipt_id: rid(n),
        by: uid("rita"),
        at: t0(),
    }
}

fn flagged(n: u128) -> GrantEvent {
    GrantEvent::GrantReceiptFlagged {
        receipt_id: rid(n),
        by: uid("rita"),
        reason: "Illegible".into(),
        at: t0(),
    }
}

fn with(mut given: Vec<GrantEvent>, more: Vec<GrantEvent>) -> Vec<GrantEvent> {
    given.extend(more);
    given
}

#[test]
fn grant_29_receipts_need_an_accepted_grant_with_a_non_zero_approved_amount() {
    for given in [
        accepted_with(None),
        accepted_with(Some(0)),
        in_status(GrantStatus::Offered),
        vec![applied()],
    ] {
        framework()
            .given(given)
            .when(upload_cmd(1))
            .then_expect_error(GrantError::ReceiptsNotAllowed);
    }
    framework()
        .given(accepted_with(Some(800)))
        .when(upload_cmd(1))
        .then_expect_events(vec![uploaded(1)]);
}

#[test]
fn grant_29_a_retried_upload_of_the_same_receipt_changes_nothing() {
    framework()
        .given(with(accepted_with(Some(800)), vec![uploaded(1)]))
        .when(upload_cmd(1))
        .then_expect_events(vec![]);
}

#[test]
fn grant_31_only_pdf_jpg_jpeg_png_of_at_most_ten_mib_case_insensitively() {
    for name in ["a.pdf", "a.JPG", "b.Jpeg", "c.PNG", "d.tar.pdf"] {
        assert!(check_file(name, 10).is_ok(), "{name}");
    }
    assert_eq!(check_file("a.JPG", 1), Ok("jpg".to_string()));
    for name in ["a.gif", "a", "pdf", "a.pdf.exe", ""] {
        assert_eq!(
            check_file(name, 10),
            Err(GrantError::ReceiptFileType),
            "{name}"
        );
    }
    assert!(check_file("a.pdf", 10_485_760).is_ok());
    assert_eq!(
        check_file("a.pdf", 10_485_761),
        Err(GrantError::ReceiptTooLarge)
    );
    framework()
        .given(accepted_with(Some(800)))
        .when(GrantCommand::UploadReceipt {
            receipt: Box::new(upload(1, "pdf", MAX_RECEIPT_BYTES + 1)),
        })
        .then_expect_error(GrantError::ReceiptTooLarge);
    framework()
        .given(accepted_with(Some(800)))
        .when(GrantCommand::UploadReceipt {
            receipt: Box::new(upload(1, "gif", 10)),
        })
        .then_expect_error(GrantError::ReceiptFileType);
}

#[test]
fn grant_32_review_status_prefers_approved_then_flagged() {
    assert_eq!(ReceiptReview::of(true, true), ReceiptReview::Approved);
    assert_eq!(ReceiptReview::of(false, true), ReceiptReview::Flagged);
    assert_eq!(ReceiptReview::of(false, false), ReceiptReview::Pending);
}

#[test]
fn grant_33_a_pending_receipt_may_be_deleted() {
    framework()
        .given(with(accepted_with(Some(800)), vec![uploaded(1)]))
        .when(GrantCommand::DeleteReceipt { receipt_id: rid(1) })
        .then_expect_events(vec![GrantEvent::GrantReceiptDeleted {
            receipt_id: rid(1),
            at: t0(),
        }]);
}

#[test]
fn grant_33_an_approved_or_flagged_receipt_cannot_be_deleted() {
    for review in [approved(1), flagged(1)] {
        framework()
            .given(with(accepted_with(Some(800)), vec![uploaded(1), review]))
            .when(GrantCommand::DeleteReceipt { receipt_id: rid(1) })
            .then_expect_error(GrantError::ReceiptNotDeletable);
    }
    framework()
        .given(accepted_with(Some(800)))
        .when(GrantCommand::DeleteReceipt { receipt_id: rid(9) })
        .then_expect_error(GrantError::ReceiptNotFound);
}

#[test]
fn grant_34_approve_records_the_approver_and_again_is_a_no_op() {
    framework()
        .given(with(
            accepted_with(Some(800)),
            vec![uploaded(1), flagged(1)],
        ))
        .when(GrantCommand::ApproveReceipt {
            receipt_id: rid(1),
            by: uid("rita"),
        })
        .then_expect_events(vec![approved(1)]);
    framework()
        .given(with(
            accepted_with(Some(800)),
            vec![uploaded(1), approved(1)],
        ))
        .when(GrantCommand::ApproveReceipt {
            receipt_id: rid(1),
            by: uid("rita"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn grant_34_flagging_needs_a_reason_of_at_most_1024_characters() {
    let flag = |reason: String| GrantCommand::FlagReceipt {
        receipt_id: rid(1),
        by: uid("rita"),
        reason,
    };
    let given = || with(accepted_with(Some(800)), vec![uploaded(1), approved(1)]);
    framework()
        .given(given())
        .when(flag("  ".into()))
        .then_expect_error(GrantError::FlagReasonRequired);
    framework()
        .given(given())
        .when(flag("é".repeat(1025)))
        .then_expect_error(GrantError::FlagReasonTooLong);
    // Flagging an approved receipt keeps it approved (neither clears the other).
    framework()
        .given(given())
        .when(flag("Illegible".into()))
        .then_expect_events(vec![flagged(1)]);
    assert!(framework_ready(with(
        given(),
        vec![flagged(1), payment_recorded()]
    )));
}

fn payment_recorded() -> GrantEvent {
    GrantEvent::GrantPaymentInfoRecorded {
        info: Box::new(payment(PaymentMethod::Check)),
        at: t0(),
    }
}

fn framework_ready(events: Vec<GrantEvent>) -> bool {
    let mut g = TravelGrant::default();
    for e in events {
        g.evolve(e);
    }
    g.is_ready_for_disbursement()
}

#[test]
fn grant_21_ready_needs_accepted_payment_info_and_an_approved_receipt() {
    let base = accepted_with(Some(800));
    assert!(!framework_ready(base.clone()));
    assert!(!framework_ready(with(
        base.clone(),
        vec![payment_recorded(), uploaded(1)]
    )));
    assert!(!framework_ready(with(
        base.clone(),
        vec![uploaded(1), approved(1)]
    )));
    assert!(framework_ready(with(
        base.clone(),
        vec![payment_recorded(), uploaded(1), approved(1)]
    )));
    // Disbursed is no longer accepted.
    assert!(!framework_ready(with(
        base,
        vec![
            payment_recorded(),
            uploaded(1),
            approved(1),
            GrantEvent::GrantDisbursed {
                by: uid("fin"),
                amount: usd(800),
                at: t0(),
            },
        ]
    )));
}

/// GRANT-31: the content's signature matches the extension (jpg and jpeg are
/// both JPEG) and the file is whole.
#[test]
fn grant_31_content_is_checked_by_signature_and_ending() {
    let pdf = b"%PDF-1.7\nbody\n%%EOF\r\n".to_vec();
    let png = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[0, 0, 0, 0],
        b"IEND",
        &[0xAE, 0x42, 0x60, 0x82],
    ]
    .concat();
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x20, 0xFF, 0xD9];
    assert_eq!(check_content("pdf", &pdf), Ok(()));
    assert_eq!(check_content("png", &png), Ok(()));
    assert_eq!(check_content("jpg", &jpeg), Ok(()));
    assert_eq!(check_content("jpeg", &jpeg), Ok(()));
    assert_eq!(sniff(&png), Some("png"));
    for (ext, content) in [("pdf", &png), ("png", &jpeg), ("jpg", &pdf)] {
        assert_eq!(
            check_content(ext, content),
            Err(GrantError::ReceiptContentMismatch),
            "{ext}"
        );
    }
    for (ext, content) in [
        ("pdf", &pdf[..pdf.len() - 8]),
        ("png", &png[..png.len() - 1]),
        ("jpeg", &jpeg[..jpeg.len() - 1]),
    ] {
        assert_eq!(
            check_content(ext, content),
            Err(GrantError::ReceiptTruncated),
            "{ext}"
        );
    }
    assert_eq!(
        GrantError::ReceiptContentMismatch.code(),
        "grant.receipt_content_mismatch"
    );
    assert_eq!(
        GrantError::ReceiptTruncated.code(),
        "grant.receipt_truncated"
    );
}
