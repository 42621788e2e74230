//! Sponsors (SPONSOR-*).

use tessera_aggregates::sponsor::{
    Benefit, Sponsor, SponsorDetails, SponsorEvent, SponsorOverride,
};

use super::{Fixture, at, conference_id, id, later, stream};

pub fn sponsor() -> Vec<Fixture> {
    let details = SponsorDetails {
        name: "Acme Corp".into(),
        level: "gold".into(),
        external_id: "psf-123".into(),
        website_url: "https://acme.example.org".into(),
        logo: String::new(),
        logo_url: "https://acme.example.org/logo.png".into(),
        description: "Anvils and rockets.".into(),
        contact_name: "Jo Acme".into(),
        contact_email: "jo@acme.example.org".into(),
        is_active: true,
    };
    let benefit = uuid::Uuid::from_u128(7);
    let events = vec![
        SponsorEvent::SponsorCreated {
            conference_id: conference_id(),
            slug: "acme-corp".into(),
            details: details.clone(),
            comp_ticket_count: 3,
            at: at(),
        },
        SponsorEvent::SponsorUpdated {
            details: SponsorDetails {
                level: "silver".into(),
                ..details
            },
            at: later(1),
        },
        SponsorEvent::SponsorOverrideSaved {
            over: SponsorOverride {
                name: "ACME Corporation".into(),
                is_active: Some(false),
                level: Some("gold".into()),
                note: "Renamed for 2027".into(),
                ..Default::default()
            },
            at: later(2),
        },
        SponsorEvent::SponsorOverrideRemoved { at: later(3) },
        SponsorEvent::SponsorBenefitSaved {
            id: benefit,
            benefit: Benefit {
                name: "Booth".into(),
                description: "A 3x3 m booth.".into(),
                is_complete: true,
                notes: "Hall A".into(),
            },
            at: later(4),
        },
        SponsorEvent::SponsorBenefitRemoved {
            id: benefit,
            at: later(5),
        },
        SponsorEvent::SponsorRemoved { at: later(6) },
    ];
    stream::<Sponsor>(id("sponsor", "pycon-us-2027/acme-corp"), events)
}

#[allow(dead_code)]
fn sponsor_variants(e: &SponsorEvent) {
    use SponsorEvent::*;
    match e {
        SponsorCreated { .. }
        | SponsorUpdated { .. }
        | SponsorOverrideSaved { .. }
        | SponsorOverrideRemoved { .. }
        | SponsorBenefitSaved { .. }
        | SponsorBenefitRemoved { .. }
        | SponsorRemoved { .. } => {}
    }
}

pub fn fundraising() -> Vec<Fixture> {
    use tessera_aggregates::fundraising::{
        Deal, DealStatus, Donation, Fundraising, FundraisingEvent, SealedDonor, Tier,
    };
    let deal = uuid::Uuid::from_u128(11);
    let donation = uuid::Uuid::from_u128(12);
    let checkout = uuid::Uuid::from_u128(13);
    let sealed = tessera_aggregates::user::Sealed {
        v: 1,
        n: "AAAAAAAAAAAAAAAA".into(),
        c: "c2VhbGVkIGRvbm9yIHZhbHVl".into(),
    };
    let events = vec![
        FundraisingEvent::FundraisingOpened {
            conference_id: conference_id(),
            at: at(),
        },
        FundraisingEvent::SponsorshipTierSaved {
            slug: "gold".into(),
            tier: Tier {
                name: "Gold".into(),
                price: super::money("5000.00"),
            },
            at: later(1),
        },
        FundraisingEvent::SponsorshipDealOpened {
            id: deal,
            deal: Deal {
                organisation: "Acme Corp".into(),
                contact_email: "jo@acme.example.org".into(),
                tier: Some("gold".into()),
                amount: None,
                notes: "Met at PyCon".into(),
                ..Default::default()
            },
            at: later(2),
        },
        FundraisingEvent::SponsorshipDealChanged {
            id: deal,
            deal: Deal {
                organisation: "Acme Corp".into(),
                contact_email: "jo@acme.example.org".into(),
                tier: Some("gold".into()),
                amount: Some(super::money("4500.00")),
                notes: "Discount agreed".into(),
                ..Default::default()
            },
            at: later(3),
        },
        FundraisingEvent::SponsorshipDealMoved {
            id: deal,
            from: DealStatus::NotContacted,
            to: DealStatus::AwaitingResponse,
            at: later(4),
        },
        FundraisingEvent::DonationRecorded {
            id: donation,
            donation: Donation {
                donor_name: "Ada".into(),
                donor_email: "ada@example.org".into(),
                amount: super::money("25.00"),
                transaction_date: super::date("2027-05-01"),
                ..Default::default()
            },
            at: later(5),
        },
        FundraisingEvent::DonationRefunded {
            id: donation,
            at: later(6),
        },
        FundraisingEvent::DonationCheckoutStarted {
            id: checkout,
            donation: Donation {
                amount: super::money("40.00"),
                transaction_date: super::date("2027-05-02"),
                donor: Some(super::uid("bo")),
                sealed: Some(SealedDonor {
                    name: Some(sealed.clone()),
                    email: Some(sealed.clone()),
                    message: Some(sealed),
                }),
                ..Default::default()
            },
            at: later(7),
        },
        FundraisingEvent::DonationCheckoutSessionOpened {
            id: checkout,
            session_id: "cs_test_donation".into(),
            at: later(7),
        },
        FundraisingEvent::DonationCheckoutCompleted {
            id: checkout,
            session_id: "cs_test_donation".into(),
            payment_intent: Some("pi_test_donation".into()),
            amount: super::money("40.00"),
            at: later(8),
        },
        FundraisingEvent::DonationCheckoutFailed {
            id: uuid::Uuid::from_u128(14),
            reason: "The checkout session expired.".into(),
            at: later(9),
        },
    ];
    stream::<Fundraising>(id("fundraising", "pycon-us-2027"), events)
}

#[allow(dead_code)]
fn fundraising_variants(e: &tessera_aggregates::fundraising::FundraisingEvent) {
    use tessera_aggregates::fundraising::FundraisingEvent::*;
    match e {
        FundraisingOpened { .. }
        | SponsorshipTierSaved { .. }
        | SponsorshipDealOpened { .. }
        | SponsorshipDealChanged { .. }
        | SponsorshipDealMoved { .. }
        | DonationRecorded { .. }
        | DonationRefunded { .. }
        | DonationCheckoutStarted { .. }
        | DonationCheckoutSessionOpened { .. }
        | DonationCheckoutCompleted { .. }
        | DonationCheckoutFailed { .. } => {}
    }
}

pub fn bulk_purchase() -> Vec<Fixture> {
    use tessera_aggregates::bulk_purchase::{
        BulkPurchase, BulkPurchaseEvent, BulkTerms, VoucherConfig,
    };
    use tessera_aggregates::pricing::VoucherKind;
    let config = VoucherConfig {
        voucher_type: Some(VoucherKind::Comp),
        discount_value: Some(rust_decimal::Decimal::ZERO),
        max_uses: Some(1),
        notes: "For our booth staff".into(),
        ..Default::default()
    };
    let events = vec![
        BulkPurchaseEvent::BulkPurchaseRequested {
            conference_id: conference_id(),
            terms: BulkTerms {
                sponsor: Some("acme-corp".into()),
                quantity: 2,
                product_description: "2x Individual voucher codes".into(),
                ticket_type: Some("individual".into()),
                addon: None,
                unit_price: "50.00".parse().unwrap_or_default(),
                total_amount: "100.00".parse().unwrap_or_default(),
                voucher_config: config.clone(),
                requester: super::uid("ana"),
                from_portal: false,
            },
            at: at(),
        },
        BulkPurchaseEvent::BulkPurchaseApproved {
            by: super::uid("admin"),
            voucher_config: Some(config),
            at: later(1),
        },
        BulkPurchaseEvent::BulkCheckoutStarted {
            session_id: "cs_test_a1".into(),
            at: later(2),
        },
        BulkPurchaseEvent::BulkPurchaseFulfilled {
            codes: vec!["BULK-ACME-A1B2C3D4".into(), "BULK-ACME-E5F6G7H8".into()],
            payment_intent: Some("pi_test_a1".into()),
            at: later(3),
        },
        BulkPurchaseEvent::BulkPurchaseFailed {
            reason: "The checkout session expired.".into(),
            payment_intent: None,
            at: later(4),
        },
        BulkPurchaseEvent::BulkPurchaseRefunded { at: later(5) },
    ];
    stream::<BulkPurchase>(id("bulk-purchase", "acme/1"), events)
}

#[allow(dead_code)]
fn bulk_purchase_variants(e: &tessera_aggregates::bulk_purchase::BulkPurchaseEvent) {
    use tessera_aggregates::bulk_purchase::BulkPurchaseEvent::*;
    match e {
        BulkPurchaseRequested { .. }
        | BulkPurchaseApproved { .. }
        | BulkCheckoutStarted { .. }
        | BulkPurchaseFulfilled { .. }
        | BulkPurchaseFailed { .. }
        | BulkPurchaseRefunded { .. } => {}
    }
}
