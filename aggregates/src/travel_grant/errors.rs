/// Refused travel-grant commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GrantError {
    #[error("Travel grant application not found.")]
    NotFound,
    #[error("You have already applied for a travel grant for this conference.")]
    AlreadyApplied, // GRANT-1
    #[error("This field is required: {0}.")]
    Required(&'static str), // GRANT-4, GRANT-40/41
    #[error("Requested amount must be greater than zero.")]
    AmountNotPositive, // GRANT-5
    #[error("You must specify an amount of at least $1.")]
    AmountBelowOne, // GRANT-6
    #[error("Total requested amount must be less than {0} USD.")]
    AmountAboveMax(String), // GRANT-6
    #[error("Amounts must not be negative.")]
    NegativeAmount,
    #[error("Please describe your airfare.")]
    AirfareUndescribed, // GRANT-7
    #[error("Please describe your lodging.")]
    LodgingUndescribed, // GRANT-7
    #[error("This application cannot be edited in its current state.")]
    NotEditable, // GRANT-18
    #[error("This application cannot be withdrawn in its current state.")]
    NotWithdrawable, // GRANT-18
    #[error("This grant cannot be accepted in its current state.")]
    NotAcceptable, // GRANT-18
    #[error("This grant cannot be declined in its current state.")]
    NotDeclinable, // GRANT-18
    #[error("No information has been requested for this application.")]
    NoInfoRequested, // GRANT-18
    #[error("A disbursed grant is final; its status cannot change.")]
    Final, // AMB-13
    #[error("Only finance staff disburse a grant; a review cannot set disbursed.")]
    DisbursedByReview, // GRANT-20
    #[error("Only accepted grants can be disbursed.")]
    NotAccepted, // GRANT-20
    #[error("A message must not be blank.")]
    BlankMessage, // GRANT-24
    #[error("Payment info can only be submitted for accepted grants with an approved amount.")]
    PaymentInfoNotAllowed, // GRANT-38
    #[error("Select a valid choice. {0} is not one of the available days.")]
    DayNotOffered(String), // GRANT-49
    #[error("Receipts can only be uploaded for accepted grants with an approved amount.")]
    ReceiptsNotAllowed, // GRANT-29
    #[error("Receipt files must be PDF, JPG, JPEG or PNG.")]
    ReceiptFileType, // GRANT-31
    #[error("File size must be under 10 MB.")]
    ReceiptTooLarge, // GRANT-31
    #[error("The file's content is not of the type its name says.")]
    ReceiptContentMismatch, // GRANT-31
    #[error("The file is cut short: it does not end as a whole file of its type does.")]
    ReceiptTruncated, // GRANT-31
    #[error("Receipt not found.")]
    ReceiptNotFound,
    #[error("This receipt cannot be deleted.")]
    ReceiptNotDeletable, // GRANT-33
    #[error("A reason is required to flag a receipt.")]
    FlagReasonRequired, // GRANT-34
    #[error("The reason must be at most 1024 characters.")]
    FlagReasonTooLong, // GRANT-34
    #[error("content_base64 is not valid base64.")]
    ReceiptUnreadable, // GRANT-29
    #[error("The receipt's owner was erased; the file can no longer be read.")]
    ReceiptErased,
}

impl GrantError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ReceiptUnreadable => "grant.receipt_unreadable",
            Self::ReceiptErased => "grant.receipt_erased",
            Self::NotFound => "grant.not_found",
            Self::AlreadyApplied => "grant.already_applied",
            Self::Required(_) => "grant.required",
            Self::AmountNotPositive => "grant.amount_not_positive",
            Self::AmountBelowOne => "grant.amount_below_one",
            Self::AmountAboveMax(_) => "grant.amount_above_max",
            Self::NegativeAmount => "grant.negative_amount",
            Self::AirfareUndescribed => "grant.airfare_undescribed",
            Self::LodgingUndescribed => "grant.lodging_undescribed",
            Self::NotEditable => "grant.not_editable",
            Self::NotWithdrawable => "grant.not_withdrawable",
            Self::NotAcceptable => "grant.not_acceptable",
            Self::NotDeclinable => "grant.not_declinable",
            Self::NoInfoRequested => "grant.no_info_requested",
            Self::Final => "grant.final",
            Self::DisbursedByReview => "grant.disbursed_by_review",
            Self::NotAccepted => "grant.not_accepted",
            Self::BlankMessage => "grant.blank_message",
            Self::PaymentInfoNotAllowed => "grant.payment_info_not_allowed",
            Self::DayNotOffered(_) => "grant.day_not_offered",
            Self::ReceiptsNotAllowed => "grant.receipts_not_allowed",
            Self::ReceiptFileType => "grant.receipt_file_type",
            Self::ReceiptTooLarge => "grant.receipt_too_large",
            Self::ReceiptContentMismatch => "grant.receipt_content_mismatch",
            Self::ReceiptTruncated => "grant.receipt_truncated",
            Self::ReceiptNotFound => "grant.receipt_not_found",
            Self::ReceiptNotDeletable => "grant.receipt_not_deletable",
            Self::FlagReasonRequired => "grant.flag_reason_required",
            Self::FlagReasonTooLong => "grant.flag_reason_too_long",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound | Self::ReceiptNotFound)
    }

    /// Refused by the grant's state (HTTP 409) rather than by its input.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::AlreadyApplied
                | Self::NotEditable
                | Self::NotWithdrawable
                | Self::NotAcceptable
                | Self::NotDeclinable
                | Self::NoInfoRequested
                | Self::Final
                | Self::NotAccepted
                | Self::PaymentInfoNotAllowed
                | Self::ReceiptsNotAllowed
                | Self::ReceiptNotDeletable
        )
    }
}
