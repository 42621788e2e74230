//! The Stripe customer of a user in a conference (PAY-5, PAY-11): reused when
//! stored, else created in Stripe (email, full name, metadata `user_id` and
//! `conference_slug`; idempotency key `customer-<conference id>-<user id>`) and
//! recorded on its `StripeCustomer` stream. Two concurrent first payments send the
//! same key, so Stripe makes one customer; whatever the stream stored first is
//! what every caller uses.

use tessera_aggregates::stripe_customer::{self, StripeCustomer, StripeCustomerCommand};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::stripe_payments::gateway_problem;
use crate::app::{AppState, ConferenceRef};
use crate::http::error::{ApiError, ApiResult};
use crate::stripe::{CustomerRequest, PaymentGateway, customer_idempotency_key};

/// Who the customer is.
pub(super) struct CustomerOf<'a> {
    pub user: Uuid,
    pub email: &'a str,
    pub name: &'a str,
}

async fn stored(app: &AppState, stream: &str) -> ApiResult<Option<String>> {
    Ok(app
        .bus
        .inspect::<StripeCustomer, _>(stream, |c| c.stripe_customer_id().map(str::to_string))
        .await?)
}

/// PAY-5/11: the user's Stripe customer id in `conf`, created when there is none.
pub(super) async fn stripe_customer(
    app: &AppState,
    gateway: &dyn PaymentGateway,
    conf: &ConferenceRef,
    who: CustomerOf<'_>,
    meta: &EventMeta,
) -> ApiResult<String> {
    let stream = stripe_customer::stream_id(conf.id, who.user).to_string();
    if let Some(id) = stored(app, &stream).await? {
        return Ok(id);
    }
    let request = CustomerRequest {
        email: who.email.to_string(),
        name: who.name.to_string(),
        user_id: who.user,
        conference_slug: conf.slug.clone(),
        idempotency_key: customer_idempotency_key(conf.id, who.user),
    };
    let customer = gateway
        .create_customer(&request)
        .await
        .map_err(|e| gateway_problem(&e))?;
    app.bus
        .send::<StripeCustomer>(
            &stream,
            StripeCustomerCommand::Record {
                conference_id: conf.id,
                user: who.user,
                stripe_customer_id: customer.id.clone(),
            },
            meta,
        )
        .await?;
    // PAY-11: a concurrent creation may have stored another one first: it wins.
    let id = stored(app, &stream)
        .await?
        .ok_or_else(|| ApiError::internal(format!("Stripe customer {} vanished", customer.id)))?;
    if id != customer.id {
        tracing::warn!(stored = %id, created = %customer.id, "a second Stripe customer was created for one user; using the stored one");
    }
    Ok(id)
}
