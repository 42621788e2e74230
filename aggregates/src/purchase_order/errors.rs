use super::PoStatus;

/// Refused purchase-order commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PurchaseOrderError {
    #[error("Purchase order not found.")]
    NotFound,
    #[error("A purchase order with this id already exists.")]
    AlreadyExists,
    #[error("Reference must be \"PO-\" followed by 6 characters from A-Z and 0-9.")]
    InvalidReference, // PO-2
    #[error("Organization name is required.")]
    BlankOrganization, // PO-4
    #[error("Enter a valid email address.")]
    InvalidContactEmail, // PO-4
    #[error("At least one line item is required.")]
    NoLines, // PO-4
    #[error("Quantity must be at least 1.")]
    InvalidQuantity, // PO-4
    #[error("Unit price must not be negative.")]
    NegativeUnitPrice, // PO-4
    #[error("Amounts must have at most 2 decimal places.")]
    TooPrecise,
    #[error("Only draft POs can be sent (current status: {0})")]
    NotDraft(PoStatus), // PO-10
    #[error("Payment amount must be greater than zero.")]
    NonPositivePayment, // PO-6
    #[error("Cannot record payment on cancelled PO {0}")]
    PaymentOnCancelled(String), // PO-6
    #[error("Credit note amount must be greater than zero.")]
    NonPositiveCredit, // PO-7
    #[error("A credit note needs a reason.")]
    BlankCreditReason, // PO-7
    #[error("Cannot issue credit note on cancelled PO {0}")]
    CreditOnCancelled(String), // PO-7
    #[error("This payment or credit note id was already used for different details.")]
    IdReused,
    #[error("Paid POs cannot be cancelled.")]
    CancelPaid, // PO-11 (view)
    #[error("Invoices can only be created for draft or sent POs (current status: {0})")]
    InvoiceNotAllowed(PoStatus), // PO-12, PO-14
    #[error("PO {0} already has a Stripe invoice.")]
    StripeInvoiceExists(String), // PO-12
    #[error("PO {0} already has a QuickBooks invoice.")]
    QboInvoiceExists(String), // PO-14
    #[error("This invoice does not belong to PO {0}.")]
    UnknownInvoice(String), // PO-13, PO-14
    #[error("No product '{0}' in this conference.")]
    UnknownProduct(String), // PO-4
    #[error("Payment date is required.")]
    PaymentDateRequired, // PO-6
}

impl PurchaseOrderError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownProduct(_) => "po.unknown_product",
            Self::PaymentDateRequired => "po.payment_date_required",
            Self::NotFound => "po.not_found",
            Self::AlreadyExists => "po.already_exists",
            Self::InvalidReference => "po.invalid_reference",
            Self::BlankOrganization => "po.blank_organization",
            Self::InvalidContactEmail => "po.invalid_contact_email",
            Self::NoLines => "po.no_lines",
            Self::InvalidQuantity => "po.invalid_quantity",
            Self::NegativeUnitPrice => "po.negative_unit_price",
            Self::TooPrecise => "po.too_precise",
            Self::NotDraft(_) => "po.not_draft",
            Self::NonPositivePayment => "po.non_positive_payment",
            Self::PaymentOnCancelled(_) => "po.payment_on_cancelled",
            Self::NonPositiveCredit => "po.non_positive_credit",
            Self::BlankCreditReason => "po.blank_credit_reason",
            Self::CreditOnCancelled(_) => "po.credit_on_cancelled",
            Self::IdReused => "po.id_reused",
            Self::CancelPaid => "po.cancel_paid",
            Self::InvoiceNotAllowed(_) => "po.invoice_not_allowed",
            Self::StripeInvoiceExists(_) => "po.stripe_invoice_exists",
            Self::QboInvoiceExists(_) => "po.qbo_invoice_exists",
            Self::UnknownInvoice(_) => "po.unknown_invoice",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
