use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::{GrantApplication, GrantStatus, ReceiptUpload, SealedPaymentInfo};
use crate::user::Sealed;

/// Commands on one travel grant. The stream id is [`super::stream_id`] of
/// (conference, applicant): one application per pair (GRANT-1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum GrantCommand {
    /// GRANT-1…10: a new application, submitted. `max_grant_amount` is the
    /// conference's (GRANT-6); `offered_days` the days the form offers now
    /// (GRANT-45…49).
    Apply {
        conference_id: Uuid,
        applicant: Uuid,
        application: GrantApplication,
        max_grant_amount: Decimal,
        #[serde(default)]
        offered_days: Vec<NaiveDate>,
    },
    /// GRANT-14: the applicant replaces the form while it is editable; the status
    /// stays. An identical form is a no-op.
    Edit {
        application: GrantApplication,
        max_grant_amount: Decimal,
        #[serde(default)]
        offered_days: Vec<NaiveDate>,
    },
    /// GRANT-15.
    Withdraw,
    /// GRANT-16.
    Accept,
    /// GRANT-16.
    Decline,
    /// GRANT-17: back to submitted, with the applicant's message (visible),
    /// sealed under the applicant's key by the caller (None: blank).
    ProvideInfo { message: Option<Sealed> },
    /// GRANT-19: a reviewer's save; records reviewer and time.
    Review {
        by: Uuid,
        status: GrantStatus,
        approved_amount: Option<Decimal>,
        promo_code: String,
        reviewer_notes: String,
    },
    /// GRANT-24/25: a message; an applicant's is always visible. The text is
    /// sealed under the applicant's key by the caller (None: blank).
    PostMessage {
        author: Uuid,
        from_reviewer: bool,
        text: Option<Sealed>,
        visible: bool,
    },
    /// GRANT-20: finance staff pay out an accepted grant.
    Disburse { by: Uuid, amount: Decimal },
    /// GRANT-38…42: the applicant's payment details, sealed by the caller.
    RecordPaymentInfo { info: Box<SealedPaymentInfo> },
    /// GRANT-29…31: the applicant adds a receipt (its file already stored).
    UploadReceipt { receipt: Box<ReceiptUpload> },
    /// GRANT-33: the applicant removes a receipt neither approved nor flagged.
    DeleteReceipt { receipt_id: Uuid },
    /// GRANT-34: a reviewer approves a receipt; approving again is a no-op.
    ApproveReceipt { receipt_id: Uuid, by: Uuid },
    /// GRANT-34: a reviewer flags a receipt with a reason (≤ 1024 characters).
    FlagReceipt {
        receipt_id: Uuid,
        by: Uuid,
        reason: String,
    },
}
