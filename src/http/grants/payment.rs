//! Payment details (GRANT-39…42): read at the edge, sealed under the applicant's
//! key, so no plain value reaches the log or a read model.

use serde::Deserialize;
use tessera_aggregates::travel_grant::{PaymentMethod, SealedPaymentInfo};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::ApiResult;

/// GRANT-40/41: which fields each method requires is checked on the sealed
/// values (a blank field is absent).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentInfoBody {
    #[schema(value_type = String, max_length = 32, example = "paypal")]
    pub payment_method: PaymentMethod,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub legal_name: String,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub address_street: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address_city: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address_state: String,
    #[serde(default)]
    #[schema(max_length = 50)]
    pub address_zip: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address_country: String,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub paypal_email: String,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub zelle_email: String,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub wise_email: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub bank_name: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub bank_account_number: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub bank_routing_number: String,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub bank_holder_name: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub bank_holder_address: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub bank_address: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub bank_additional: String,
}

/// Seals every text of `body` under `person`'s key (GRANT-42).
pub async fn seal(
    app: &AppState,
    person: Uuid,
    body: PaymentInfoBody,
) -> ApiResult<SealedPaymentInfo> {
    let p = &app.personal;
    let s = |v: String| async move { p.seal_opt(person, v.trim()).await };
    Ok(SealedPaymentInfo {
        payment_method: body.payment_method,
        legal_name: s(body.legal_name).await?,
        address_street: s(body.address_street).await?,
        address_city: s(body.address_city).await?,
        address_state: s(body.address_state).await?,
        address_zip: s(body.address_zip).await?,
        address_country: s(body.address_country).await?,
        paypal_email: s(body.paypal_email).await?,
        zelle_email: s(body.zelle_email).await?,
        wise_email: s(body.wise_email).await?,
        bank_name: s(body.bank_name).await?,
        bank_account_number: s(body.bank_account_number).await?,
        bank_routing_number: s(body.bank_routing_number).await?,
        bank_holder_name: s(body.bank_holder_name).await?,
        bank_holder_address: s(body.bank_holder_address).await?,
        bank_address: s(body.bank_address).await?,
        bank_additional: s(body.bank_additional).await?,
    })
}
