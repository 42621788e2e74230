use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::{GrantApplication, GrantStatus, SealedPaymentInfo};

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
    /// GRANT-17: back to submitted, with the applicant's message (visible).
    ProvideInfo { message: String },
    /// GRANT-19: a reviewer's save; records reviewer and time.
    Review {
        by: Uuid,
        status: GrantStatus,
        approved_amount: Option<Decimal>,
        promo_code: String,
        reviewer_notes: String,
    },
    /// GRANT-24/25: a message; an applicant's is always visible.
    PostMessage {
        author: Uuid,
        from_reviewer: bool,
        text: String,
        visible: bool,
    },
    /// GRANT-20: finance staff pay out an accepted grant.
    Disburse { by: Uuid, amount: Decimal },
    /// GRANT-38…42: the applicant's payment details, sealed by the caller.
    RecordPaymentInfo { info: Box<SealedPaymentInfo> },
}
