//! The grant's transition tables (GRANT-13…20, AMB-13 as decided).
//!
//! | From | Applicant may | To |
//! |---|---|---|
//! | submitted, info_needed | withdraw | withdrawn |
//! | offered | accept / decline | accepted / declined |
//! | info_needed | provide info | submitted |
//! | need_more and every other status | – | – |
//!
//! Reviewers set any status but disbursed, from any status but disbursed
//! (disbursed is final); finance staff disburse from accepted only.

use super::{GrantError, GrantStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicantAction {
    Withdraw,
    Accept,
    Decline,
    ProvideInfo,
}

/// The status an applicant action leads to, or the GRANT-18 refusal.
pub fn applicant(from: GrantStatus, action: ApplicantAction) -> Result<GrantStatus, GrantError> {
    use ApplicantAction::*;
    use GrantStatus::*;
    match (from, action) {
        (Submitted | InfoNeeded, Withdraw) => Ok(Withdrawn),
        (Offered, Accept) => Ok(Accepted),
        (Offered, Decline) => Ok(Declined),
        (InfoNeeded, ProvideInfo) => Ok(Submitted),
        (_, Withdraw) => Err(GrantError::NotWithdrawable),
        (_, Accept) => Err(GrantError::NotAcceptable),
        (_, Decline) => Err(GrantError::NotDeclinable),
        (_, ProvideInfo) => Err(GrantError::NoInfoRequested),
    }
}

/// GRANT-19 with AMB-13: whether a reviewer's save may move `from` to `to`.
pub fn reviewer(from: GrantStatus, to: GrantStatus) -> Result<(), GrantError> {
    match (from, to) {
        (GrantStatus::Disbursed, _) => Err(GrantError::Final),
        (_, GrantStatus::Disbursed) => Err(GrantError::DisbursedByReview),
        _ => Ok(()),
    }
}
