//! Stripe: the API calls Tessera makes and the webhooks it receives (SPEC PAY-4…10,
//! PAY-27, PAY-40…54).
//!
//! - [`client`]: [`PaymentGateway`], the calls (create/retrieve a PaymentIntent,
//!   create a Refund) with persisted idempotency keys, and [`StripeClient`], the
//!   real one on async-stripe with a configurable base URL.
//! - [`webhook`]: pure signature verification (every `v1`, every configured secret,
//!   the tolerance both ways) and typed reading of the handled event kinds.
//! - [`amount`]: PAY-9 conversion between decimals and the smallest currency unit.
//!
//! Deduplication and retry bookkeeping of deliveries is the `stripe_event`
//! aggregate (`tessera_aggregates::stripe_event`).

pub mod amount;
pub mod client;
pub mod webhook;

pub use amount::{AmountError, from_minor_units, is_zero_decimal, to_minor_units};
pub use client::{
    CheckoutSession, CheckoutSessionRequest, Customer, CustomerRequest, GatewayError,
    PaymentGateway, PaymentIntent, PaymentIntentRequest, Reader, Refund, RefundReason,
    RefundRequest, SharedGateway, StripeClient, TerminalIntentRequest, cancel_idempotency_key,
    capture_idempotency_key, customer_idempotency_key, intent_idempotency_key, mask_secret,
    refund_idempotency_key, terminal_intent_idempotency_key,
};
pub use webhook::{EventData, EventError, StripeEvent, WebhookError, parse_event, sign, verify};

use crate::config::StripeConfig;

/// [`webhook::verify`] with the secrets and tolerance of the `[stripe]` config
/// (`webhook_secret` and the rotation list `webhook_secrets`).
pub fn verify_with_config(
    payload: &[u8],
    signature_header: &str,
    config: &StripeConfig,
    now_unix: i64,
) -> Result<(), WebhookError> {
    let secrets: Vec<&str> = config
        .signing_secrets()
        .into_iter()
        .map(|s| s.expose())
        .collect();
    verify(
        payload,
        signature_header,
        &secrets,
        config.webhook_tolerance,
        now_unix,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Secret};

    #[test]
    fn pay_40_the_config_secrets_and_tolerance_are_used() {
        let mut config = Config::default().stripe;
        let payload = b"{}";
        let now = 1_767_225_600;
        let old = sign(payload, "whsec_old", now);
        let new = sign(payload, "whsec_new", now);
        assert_eq!(
            verify_with_config(payload, &new, &config, now),
            Err(WebhookError::NoSecret)
        );
        config.webhook_secret = Some(Secret::new("whsec_new"));
        assert_eq!(verify_with_config(payload, &new, &config, now), Ok(()));
        assert_eq!(
            verify_with_config(payload, &old, &config, now),
            Err(WebhookError::SignatureMismatch)
        );
        config.webhook_secrets = vec![Secret::new("whsec_old")];
        assert_eq!(verify_with_config(payload, &old, &config, now), Ok(()));
        // CONF-41: 300 s by default.
        assert!(verify_with_config(payload, &new, &config, now + 300).is_ok());
        assert!(verify_with_config(payload, &new, &config, now + 301).is_err());
    }
}
