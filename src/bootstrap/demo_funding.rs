//! `--seed-demo`'s fundraising and travel grants: deals along the pipeline on the
//! file's sponsorship tiers (MY-5/7), a few donations (MY-29), and BOOT-24's travel
//! grants, one each submitted, accepted, offered, rejected and withdrawn, applied
//! for by the demo users. Idempotent: a deal or a grant already there is left as
//! it is (a second run sends nothing that changes the log).

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tessera_aggregates::fundraising::{Deal, DealStatus, Fundraising, FundraisingCommand};
use tessera_aggregates::natural_id;
use tessera_aggregates::travel_grant::{
    GrantApplication, GrantCommand, GrantStatus, TravelGrant, stream_id,
};
use tessera_aggregates::visa_letter::{LetterCommand, LetterRequest, ReviewAction, VisaLetter};

use super::{BootstrapPlan, demo_email};
use crate::app::{conference_id, user_id};
use crate::bus::CommandBus;
use crate::config::Config;
use crate::ids::fundraising_id;
use crate::meta::CommandMeta;
use crate::process::donations::{Donor, sealed_donation};

/// The demo deals: organisation, tier (by position in the file), own amount,
/// and the status the deal is moved to.
const DEALS: [(&str, usize, Option<i64>, DealStatus); 6] = [
    ("Snake Oil Labs", 0, None, DealStatus::Paid),
    ("Byte Bakery", 1, None, DealStatus::Invoiced),
    ("Indent Co", 1, None, DealStatus::AgreementSigned),
    ("Tab Width Ltd", 1, Some(750), DealStatus::Accepted),
    ("Lambda Lane", 1, None, DealStatus::AwaitingResponse),
    ("Mega Monolith Inc", 0, None, DealStatus::Rejected),
];

/// The pipeline in order: a deal walks it up to its target (the transition
/// table allows one step at a time).
const PATH: [DealStatus; 7] = [
    DealStatus::AwaitingResponse,
    DealStatus::Accepted,
    DealStatus::Approved,
    DealStatus::AgreementSent,
    DealStatus::AgreementSigned,
    DealStatus::Invoiced,
    DealStatus::Paid,
];

/// Donor, amount, date.
const DONATIONS: [(&str, i64, &str); 4] = [
    ("Grace Community Fund", 250, "2025-10-01"),
    ("Anonymous donor A", 50, "2025-10-12"),
    ("Anonymous donor B", 100, "2025-11-02"),
    ("Grace Community Fund", 150, "2025-11-20"),
];

/// Deals and donations of the file's conference (nothing without tiers).
pub async fn seed_fundraising(
    bus: &CommandBus,
    plan: &BootstrapPlan,
    out: &mut String,
) -> anyhow::Result<()> {
    if plan.sponsorship_tiers.is_empty() {
        return Ok(());
    }
    let cid = conference_id(&plan.conference.slug);
    let stream = Fundraising::stream(fundraising_id(cid));
    let meta = CommandMeta::system().for_conf(Some(cid));
    let (mut opened, mut donated) = (0, 0);
    for (organisation, tier, amount, to) in DEALS {
        let id = natural_id("demo-deal", &format!("{cid}/{organisation}"));
        let tier = plan
            .sponsorship_tiers
            .get(tier.min(plan.sponsorship_tiers.len() - 1))
            .map(|t| t.slug.clone());
        let deal = Deal {
            organisation: organisation.to_string(),
            contact_email: String::new(),
            tier,
            amount: amount.map(Decimal::from),
            notes: String::new(),
            ..Default::default()
        };
        let sent = bus
            .send(
                &stream,
                FundraisingCommand::OpenDeal {
                    conference_id: cid,
                    id,
                    deal,
                },
                &meta,
            )
            .await
            .map_err(|e| anyhow::anyhow!("deal '{organisation}': {e}"))?;
        if sent.position.is_none() {
            continue; // there already: left as it is
        }
        opened += 1;
        let steps: Vec<DealStatus> = if to == DealStatus::Rejected {
            vec![DealStatus::AwaitingResponse, DealStatus::Rejected]
        } else {
            let end = PATH.iter().position(|s| *s == to).unwrap_or(0);
            PATH[..=end].to_vec()
        };
        for step in steps {
            bus.send(
                &stream,
                FundraisingCommand::MoveDeal { id, to: step },
                &meta,
            )
            .await
            .map_err(|e| anyhow::anyhow!("deal '{organisation}' to {step:?}: {e}"))?;
        }
    }
    // The donors' names enter the log sealed, as every donor's do.
    let personal = crate::personal::PersonalData::for_cli(bus.db()).await?;
    for (i, (donor, amount, date)) in DONATIONS.iter().enumerate() {
        let id = natural_id("demo-donation", &format!("{cid}/{i}"));
        let there = bus
            .inspect(&stream, |f| f.donation(id).is_some())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if there {
            continue; // left as it is (an older demo may hold it unsealed)
        }
        let donation = sealed_donation(
            &personal,
            Donor {
                name: donor,
                email: "",
                message: "",
            },
            Decimal::from(*amount),
            NaiveDate::parse_from_str(date, "%Y-%m-%d")?,
        )
        .await?;
        let sent = bus
            .send(
                &stream,
                FundraisingCommand::RecordDonation {
                    conference_id: cid,
                    id,
                    donation,
                },
                &meta,
            )
            .await
            .map_err(|e| anyhow::anyhow!("donation {i}: {e}"))?;
        donated += usize::from(sent.position.is_some());
    }
    let _ = writeln!(
        out,
        "Sponsorship deals: {opened} opened; donations: {donated} recorded."
    );
    Ok(())
}

/// BOOT-24: the demo users' applications and the status each is brought to.
const GRANTS: [(&str, GrantStatus, i64); 5] = [
    ("attendee_alice", GrantStatus::Submitted, 800),
    ("attendee_bob", GrantStatus::Accepted, 1200),
    ("speaker_carol", GrantStatus::Offered, 1500),
    ("attendee_dave", GrantStatus::Rejected, 600),
    ("attendee_eve", GrantStatus::Withdrawn, 400),
];

/// BOOT-24: one travel grant each submitted, accepted, offered, rejected and
/// withdrawn, applied for by the demo users (who exist by then).
pub async fn seed_grants(
    bus: &CommandBus,
    plan: &BootstrapPlan,
    out: &mut String,
) -> anyhow::Result<()> {
    let cid = conference_id(&plan.conference.slug);
    let meta = CommandMeta::system().for_conf(Some(cid));
    let max = Config::default().max_grant_amount;
    let (mut created, mut kept) = (0, 0);
    for (name, status, requested) in GRANTS {
        let applicant = user_id(&demo_email(name));
        let id = stream_id(cid, applicant).to_string();
        let exists = bus
            .inspect(&TravelGrant::stream(&id), |g| g.exists())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if exists {
            kept += 1;
            continue;
        }
        let requested = Decimal::from(requested);
        let application = GrantApplication {
            travel_from: "Lima, Peru".into(),
            international: true,
            first_time: Some(true),
            airfare_description: "Round trip, economy".into(),
            airfare_amount: requested,
            requested_amount: requested,
            occupation: "Developer".into(),
            involvement: "Local PyLadies chapter organizer".into(),
            reason: "To meet the community and bring back what I learn.".into(),
            ..Default::default()
        };
        let send = |cmd: GrantCommand| {
            let (id, meta) = (id.clone(), meta.clone());
            async move {
                bus.send(&TravelGrant::stream(&id), cmd, &meta)
                    .await
                    .map_err(|e| anyhow::anyhow!("travel grant of {name}: {e}"))
            }
        };
        send(GrantCommand::Apply {
            conference_id: cid,
            applicant,
            application,
            max_grant_amount: max,
            // The demo applications choose no days (GRANT-49 has nothing to check).
            offered_days: vec![],
        })
        .await?;
        let review = |to: GrantStatus, approved: Option<Decimal>| GrantCommand::Review {
            by: uuid::Uuid::nil(),
            status: to,
            approved_amount: approved,
            promo_code: String::new(),
            reviewer_notes: String::new(),
        };
        // The reviewer offers 3/4 of the request; the applicant accepts.
        let offer = Some((requested * Decimal::new(75, 2)).round_dp(2));
        match status {
            GrantStatus::Offered => {
                send(review(GrantStatus::Offered, offer)).await?;
            }
            GrantStatus::Accepted => {
                send(review(GrantStatus::Offered, offer)).await?;
                send(GrantCommand::Accept).await?;
            }
            GrantStatus::Rejected => {
                send(review(GrantStatus::Rejected, None)).await?;
            }
            GrantStatus::Withdrawn => {
                send(GrantCommand::Withdraw).await?;
            }
            _ => {}
        }
        created += 1;
    }
    let _ = writeln!(
        out,
        "Travel grants (BOOT-24): {created} created (submitted, accepted, offered, rejected, withdrawn), {kept} already present."
    );
    Ok(())
}

/// The demo visa letter requests: applicant and how far the organizers took it
/// (none: still submitted).
const LETTERS: [(&str, Option<bool>); 3] = [
    ("attendee_alice", None),
    ("attendee_bob", Some(true)),
    ("attendee_dave", Some(false)),
];

/// Sample visa letter requests (LETTER-1…7) by the demo users: one submitted, one
/// approved (ready to generate), one rejected with its reason. The passport values
/// are sealed under each applicant's key, as every request's are. Idempotent: a
/// request already there is left as it is.
pub async fn seed_letters(
    bus: &CommandBus,
    plan: &BootstrapPlan,
    out: &mut String,
) -> anyhow::Result<()> {
    let cid = conference_id(&plan.conference.slug);
    let meta = CommandMeta::system().for_conf(Some(cid));
    let personal = crate::personal::PersonalData::for_cli(bus.db()).await?;
    let (mut created, mut kept) = (0, 0);
    for (name, approve) in LETTERS {
        let applicant = user_id(&demo_email(name));
        let id = tessera_aggregates::visa_letter::stream_id(cid, applicant).to_string();
        let exists = bus
            .inspect(&VisaLetter::stream(&id), |l| l.exists())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if exists {
            kept += 1;
            continue;
        }
        let request = LetterRequest {
            passport_name: personal.seal_opt(applicant, name).await?,
            passport_number: personal.seal_opt(applicant, "X0000000").await?,
            nationality: "Peruvian".into(),
            date_of_birth: None,
            embassy_name: String::new(),
            travel_from: plan.conference.start_date - chrono::Duration::days(2),
            travel_until: plan.conference.end_date + chrono::Duration::days(2),
            destination_address: personal.seal_opt(applicant, "Conference hotel").await?,
        };
        let send = |cmd: LetterCommand| {
            let (id, meta) = (id.clone(), meta.clone());
            async move {
                bus.send(&VisaLetter::stream(&id), cmd, &meta)
                    .await
                    .map_err(|e| anyhow::anyhow!("visa letter of {name}: {e}"))
            }
        };
        send(LetterCommand::Request {
            conference_id: cid,
            applicant,
            request: Box::new(request),
        })
        .await?;
        let action = match approve {
            None => None,
            Some(true) => Some(ReviewAction::Approve),
            Some(false) => Some(ReviewAction::Reject {
                reason: "The travel dates do not match the conference.".into(),
            }),
        };
        if let Some(action) = action {
            send(LetterCommand::Review {
                by: uuid::Uuid::nil(),
                action,
            })
            .await?;
        }
        created += 1;
    }
    let _ = writeln!(
        out,
        "Visa letters: {created} requested (submitted, approved, rejected), {kept} already present."
    );
    Ok(())
}
