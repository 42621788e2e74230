//! The values of a travel grant: its form (GRANT-2…4), statuses (GRANT-12) and
//! payment details (GRANT-39…42). Enums are stored lower_snake_case.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::user::Sealed;

/// GRANT-2.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestType {
    TicketOnly,
    #[default]
    TicketAndGrant,
}

/// GRANT-2.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    #[default]
    General,
    Staff,
    Speaker,
    CoreDev,
    PsfBoard,
    Community,
    Education,
    Pyladies,
    Other,
}

/// GRANT-2.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExperienceLevel {
    #[default]
    Beginner,
    Intermediate,
    Expert,
}

/// GRANT-12.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    #[default]
    Submitted,
    Withdrawn,
    InfoNeeded,
    Offered,
    NeedMore,
    Rejected,
    Declined,
    Accepted,
    Disbursed,
}

impl GrantStatus {
    pub const ALL: [GrantStatus; 9] = [
        Self::Submitted,
        Self::Withdrawn,
        Self::InfoNeeded,
        Self::Offered,
        Self::NeedMore,
        Self::Rejected,
        Self::Declined,
        Self::Accepted,
        Self::Disbursed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Withdrawn => "withdrawn",
            Self::InfoNeeded => "info_needed",
            Self::Offered => "offered",
            Self::NeedMore => "need_more",
            Self::Rejected => "rejected",
            Self::Declined => "declined",
            Self::Accepted => "accepted",
            Self::Disbursed => "disbursed",
        }
    }

    /// GRANT-13: is_editable = show_edit_button = show_withdraw_button.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Submitted | Self::InfoNeeded)
    }

    /// GRANT-13: is_actionable = show_accept_button = show_decline_button.
    pub fn is_actionable(self) -> bool {
        self == Self::Offered
    }

    /// GRANT-13: show_provide_info_button.
    pub fn awaits_info(self) -> bool {
        self == Self::InfoNeeded
    }
}

/// What the applicant fills in (GRANT-3/4). Amounts are in the conference's
/// currency with two places.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GrantApplication {
    pub request_type: RequestType,
    pub application_type: ApplicationType,
    pub experience_level: ExperienceLevel,
    pub travel_from: String,
    #[serde(default)]
    pub international: bool,
    /// GRANT-10: unanswered is None.
    #[serde(default)]
    pub first_time: Option<bool>,
    #[serde(default)]
    pub airfare_description: String,
    #[serde(default)]
    pub airfare_amount: Decimal,
    #[serde(default)]
    pub lodging_description: String,
    #[serde(default)]
    pub lodging_amount: Decimal,
    #[serde(default)]
    pub transit_description: String,
    #[serde(default)]
    pub transit_amount: Decimal,
    #[serde(default)]
    pub visa_description: String,
    #[serde(default)]
    pub visa_amount: Decimal,
    pub requested_amount: Decimal,
    pub occupation: String,
    pub involvement: String,
    pub reason: String,
    /// GRANT-9: the selected ISO dates joined with ",".
    #[serde(default)]
    pub days_attending: String,
    #[serde(default)]
    pub sharing_expenses: bool,
    #[serde(default)]
    pub traveling_with: String,
}

impl GrantApplication {
    /// GRANT-8: airfare + lodging (transit and visa excluded).
    pub fn travel_plans_total(&self) -> Decimal {
        self.airfare_amount + self.lodging_amount
    }

    /// GRANT-9: the stored days split back into selections.
    pub fn days(&self) -> Vec<String> {
        self.days_attending
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect()
    }
}

/// GRANT-39.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Zelle,
    Paypal,
    Ach,
    Wire,
    Wise,
    Check,
}

/// GRANT-40…42: the payment details as they enter an event, every text sealed
/// under the applicant's key by the caller (an empty field is None). A stored
/// format: never rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPaymentInfo {
    pub payment_method: PaymentMethod,
    pub legal_name: Option<Sealed>,
    pub address_street: Option<Sealed>,
    pub address_city: Option<Sealed>,
    #[serde(default)]
    pub address_state: Option<Sealed>,
    pub address_zip: Option<Sealed>,
    pub address_country: Option<Sealed>,
    #[serde(default)]
    pub paypal_email: Option<Sealed>,
    #[serde(default)]
    pub zelle_email: Option<Sealed>,
    #[serde(default)]
    pub wise_email: Option<Sealed>,
    #[serde(default)]
    pub bank_name: Option<Sealed>,
    #[serde(default)]
    pub bank_account_number: Option<Sealed>,
    #[serde(default)]
    pub bank_routing_number: Option<Sealed>,
    #[serde(default)]
    pub bank_holder_name: Option<Sealed>,
    #[serde(default)]
    pub bank_holder_address: Option<Sealed>,
    #[serde(default)]
    pub bank_address: Option<Sealed>,
    #[serde(default)]
    pub bank_additional: Option<Sealed>,
}

impl SealedPaymentInfo {
    /// GRANT-40/41: the first required field that is missing.
    pub fn missing_field(&self) -> Option<&'static str> {
        let always = [
            ("legal_name", &self.legal_name),
            ("address_street", &self.address_street),
            ("address_city", &self.address_city),
            ("address_zip", &self.address_zip),
            ("address_country", &self.address_country),
        ];
        let bank = [
            ("bank_name", &self.bank_name),
            ("bank_account_number", &self.bank_account_number),
            ("bank_routing_number", &self.bank_routing_number),
        ];
        let specific: &[(&'static str, &Option<Sealed>)] = match self.payment_method {
            PaymentMethod::Paypal => &[("paypal_email", &self.paypal_email)],
            PaymentMethod::Zelle => &[("zelle_email", &self.zelle_email)],
            PaymentMethod::Wise => &[("wise_email", &self.wise_email)],
            PaymentMethod::Ach | PaymentMethod::Wire => &bank,
            PaymentMethod::Check => &[],
        };
        always
            .iter()
            .chain(specific.iter())
            .find(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
    }
}

/// "$3,000" / "$2,500.50": an amount with thousands separators (GRANT-6).
pub fn dollars(amount: Decimal) -> String {
    let amount = amount.round_dp(2);
    let whole = amount.trunc().abs().to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let cents = (amount.fract().abs() * Decimal::from(100)).trunc();
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    if cents.is_zero() {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{:0>2}", cents.to_string())
    }
}
