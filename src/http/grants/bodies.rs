//! Request and response shapes of the grant routes.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::travel_grant::{
    ApplicationType, ExperienceLevel, GrantApplication, GrantStatus, PaymentMethod, RequestType,
};
use tessera_aggregates::travel_grant::{ReceiptKind, ReceiptReview};
use tessera_projections::travel_grants::{GrantRow, MessageRow, ReceiptRow};

use crate::app::AppState;
use crate::http::error::ApiResult;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::input::MoneyString;

/// The application form (GRANT-2…4, 9). Absent optional fields take their
/// GRANT-3/10 defaults.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantForm {
    #[schema(value_type = Option<String>, max_length = 32, example = "ticket_and_grant")]
    #[serde(default)]
    pub request_type: RequestType,
    #[schema(value_type = Option<String>, max_length = 32, example = "general")]
    #[serde(default)]
    pub application_type: ApplicationType,
    #[schema(value_type = String, max_length = 32, example = "intermediate")]
    pub experience_level: ExperienceLevel,
    #[schema(max_length = 200)]
    pub travel_from: String,
    #[serde(default)]
    pub international: bool,
    pub first_time: Option<bool>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub airfare_description: String,
    #[serde(default, deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = Option<MoneyString>)]
    pub airfare_amount: Decimal,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub lodging_description: String,
    #[serde(default, deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = Option<MoneyString>)]
    pub lodging_amount: Decimal,
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = MoneyString)]
    pub requested_amount: Decimal,
    #[schema(max_length = 200)]
    pub occupation: String,
    #[schema(max_length = 5000)]
    pub involvement: String,
    #[schema(max_length = 5000)]
    pub reason: String,
    /// GRANT-9: the days attending, ISO dates, each among the days
    /// `/program/days` offers (GRANT-49).
    #[serde(default)]
    pub days_attending: Vec<NaiveDate>,
    #[serde(default)]
    pub sharing_expenses: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub traveling_with: String,
}

impl GrantForm {
    /// GRANT-4: the form offers only the airfare and lodging breakdowns.
    pub fn into_application(self) -> GrantApplication {
        let days: Vec<String> = self.days_attending.iter().map(|d| d.to_string()).collect();
        GrantApplication {
            request_type: self.request_type,
            application_type: self.application_type,
            experience_level: self.experience_level,
            travel_from: self.travel_from,
            international: self.international,
            first_time: self.first_time,
            airfare_description: self.airfare_description,
            airfare_amount: self.airfare_amount,
            lodging_description: self.lodging_description,
            lodging_amount: self.lodging_amount,
            requested_amount: self.requested_amount,
            occupation: self.occupation,
            involvement: self.involvement,
            reason: self.reason,
            days_attending: days.join(","),
            sharing_expenses: self.sharing_expenses,
            traveling_with: self.traveling_with,
            ..Default::default()
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageBody {
    #[schema(max_length = 5000)]
    pub message: String,
    /// Reviewers only (GRANT-25): show the message to the applicant.
    #[serde(default)]
    pub visible: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicantMessageBody {
    #[schema(max_length = 5000)]
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = GrantReviewBody)]
pub struct ReviewBody {
    #[schema(value_type = String, max_length = 32, example = "offered")]
    pub status: GrantStatus,
    #[serde(
        default,
        deserialize_with = "tessera_aggregates::money::optional_decimal"
    )]
    #[schema(value_type = Option<MoneyString>)]
    pub approved_amount: Option<Decimal>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub promo_code: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub reviewer_notes: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisburseBody {
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = MoneyString)]
    pub amount: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub author: Uuid,
    pub from_reviewer: bool,
    pub text: String,
    pub visible: bool,
    pub at: DateTime<Utc>,
}

impl From<MessageRow> for MessageView {
    fn from(m: MessageRow) -> Self {
        Self {
            author: m.author,
            from_reviewer: m.from_reviewer,
            text: m.text,
            visible: m.visible,
            at: m.at,
        }
    }
}

/// The applicant's view of their grant: no reviewer notes, only visible
/// messages (GRANT-26), and the actions the status allows (GRANT-13).
#[derive(Debug, Serialize, ToSchema)]
pub struct MyGrantView {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub status: GrantStatus,
    #[schema(value_type = Object)]
    pub application: GrantApplication,
    /// GRANT-9: the stored days as selections.
    pub days_attending: Vec<String>,
    /// GRANT-8.
    #[schema(value_type = MoneyString)]
    pub travel_plans_total: Decimal,
    #[schema(value_type = Option<MoneyString>)]
    pub approved_amount: Option<Decimal>,
    pub promo_code: String,
    #[schema(value_type = Option<MoneyString>)]
    pub disbursed_amount: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub payment_method: Option<PaymentMethod>,
    pub can_edit: bool,
    pub can_withdraw: bool,
    pub can_accept: bool,
    pub can_decline: bool,
    pub can_provide_info: bool,
    pub messages: Vec<MessageView>,
}

impl From<GrantRow> for MyGrantView {
    fn from(r: GrantRow) -> Self {
        let s = r.status;
        Self {
            id: r.id,
            status: s,
            days_attending: r.application.days(),
            travel_plans_total: r.application.travel_plans_total(),
            messages: vec![],
            application: r.application,
            approved_amount: r.approved_amount,
            promo_code: r.promo_code,
            disbursed_amount: r.disbursed_amount,
            payment_method: r.payment_method,
            can_edit: s.is_editable(),
            can_withdraw: s.is_editable(),
            can_accept: s.is_actionable(),
            can_decline: s.is_actionable(),
            can_provide_info: s.awaits_info(),
        }
    }
}

/// One receipt (GRANT-30…34), its description opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    pub id: Uuid,
    #[schema(value_type = String, example = "airfare")]
    pub kind: ReceiptKind,
    pub date: NaiveDate,
    #[schema(value_type = MoneyString)]
    pub amount: Decimal,
    pub description: String,
    /// GRANT-32: pending, approved or flagged.
    #[schema(value_type = String, example = "pending")]
    pub review: ReceiptReview,
    pub approved: bool,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub flagged: bool,
    pub flag_reason: String,
    pub flagged_by: Option<Uuid>,
    pub flagged_at: Option<DateTime<Utc>>,
    /// The file's type (pdf, jpg, jpeg, png) and size in bytes.
    pub file_type: String,
    pub file_size: u64,
    pub uploaded_at: DateTime<Utc>,
}

impl ReceiptView {
    /// `r` of `applicant`'s grant, its description opened (or "erased").
    pub async fn open(app: &AppState, applicant: Uuid, r: ReceiptRow) -> ApiResult<Self> {
        let description = app
            .personal
            .read(applicant, "", r.description.as_ref())
            .await?;
        Ok(Self {
            id: r.id,
            kind: r.kind,
            date: r.date,
            amount: r.amount,
            description,
            review: r.review(),
            approved: r.approved,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            flagged: r.flagged,
            flag_reason: r.flag_reason,
            flagged_by: r.flagged_by,
            flagged_at: r.flagged_at,
            file_type: r.extension,
            file_size: r.size,
            uploaded_at: r.uploaded_at,
        })
    }
}

/// The messages of `applicant`'s grant with their words opened: sealed ones
/// under the applicant's key ("erased" once erased), older plain ones as stored.
pub async fn open_messages(
    app: &AppState,
    applicant: Uuid,
    rows: Vec<MessageRow>,
) -> ApiResult<Vec<MessageView>> {
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let text = app
            .personal
            .read(applicant, &m.text, m.sealed_text.as_ref())
            .await?;
        out.push(MessageView {
            text,
            ..MessageView::from(m)
        });
    }
    Ok(out)
}

impl MyGrantView {
    /// The view of `row` with its visible messages opened, showing only the
    /// stored days that are still among `offered` (GRANT-49: the choices are
    /// recomputed on every render).
    pub async fn open(app: &AppState, mut row: GrantRow, offered: &[NaiveDate]) -> ApiResult<Self> {
        let messages = open_messages(app, row.applicant, row.visible_messages()).await?;
        let shown: Vec<String> = row
            .application
            .days()
            .into_iter()
            .filter(|d| d.parse::<NaiveDate>().is_ok_and(|d| offered.contains(&d)))
            .collect();
        row.application.days_attending = shown.join(",");
        Ok(Self {
            messages,
            ..Self::from(row)
        })
    }
}

impl GrantView {
    /// The view of `row` with messages and receipts opened (GRANT-21/26/32).
    pub async fn open(app: &AppState, row: GrantRow) -> ApiResult<Self> {
        let messages = open_messages(app, row.applicant, row.messages.clone()).await?;
        let mut receipts = vec![];
        for r in row.receipts.clone() {
            receipts.push(ReceiptView::open(app, row.applicant, r).await?);
        }
        Ok(Self {
            messages,
            receipts,
            ..Self::from(row)
        })
    }
}

/// The staff's view: every field and every message (GRANT-26).
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub id: Uuid,
    pub applicant: Uuid,
    #[schema(value_type = String)]
    pub status: GrantStatus,
    #[schema(value_type = Object)]
    pub application: GrantApplication,
    #[schema(value_type = MoneyString)]
    pub travel_plans_total: Decimal,
    #[schema(value_type = Option<MoneyString>)]
    pub approved_amount: Option<Decimal>,
    pub promo_code: String,
    pub reviewer_notes: String,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<MoneyString>)]
    pub disbursed_amount: Option<Decimal>,
    pub disbursed_at: Option<DateTime<Utc>>,
    pub disbursed_by: Option<Uuid>,
    #[schema(value_type = Option<String>)]
    pub payment_method: Option<PaymentMethod>,
    /// GRANT-21: accepted, payment info exists, at least one approved receipt.
    pub is_ready_for_disbursement: bool,
    /// GRANT-36: Σ receipt amounts.
    #[schema(value_type = MoneyString)]
    pub receipts_total: Decimal,
    pub receipts: Vec<ReceiptView>,
    pub messages: Vec<MessageView>,
    pub created_at: DateTime<Utc>,
}

impl From<GrantRow> for GrantView {
    fn from(r: GrantRow) -> Self {
        let (ready, receipts_total) = (r.is_ready_for_disbursement(), r.receipts_total());
        Self {
            id: r.id,
            applicant: r.applicant,
            status: r.status,
            travel_plans_total: r.application.travel_plans_total(),
            application: r.application,
            approved_amount: r.approved_amount,
            promo_code: r.promo_code,
            reviewer_notes: r.reviewer_notes,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            disbursed_amount: r.disbursed_amount,
            disbursed_at: r.disbursed_at,
            disbursed_by: r.disbursed_by,
            payment_method: r.payment_method,
            is_ready_for_disbursement: ready,
            receipts_total,
            receipts: vec![],
            messages: vec![],
            created_at: r.created_at,
        }
    }
}
