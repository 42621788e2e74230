//! The bootstrap file's sponsors (SPONSOR-2/3/12) and sponsorship tiers (MY-5),
//! written after the conference and its levels are committed, through the same
//! flows as the API: a new sponsor gets its level's comp vouchers once; a sponsor
//! already there is changed (never issued vouchers again).

use tessera_aggregates::fundraising::{Fundraising, FundraisingCommand, Tier};
use tessera_aggregates::sponsor::{Sponsor, SponsorDetails, SponsorPatch};

use super::BootstrapPlan;
use crate::bus::CommandBus;
use crate::config::Config;
use crate::ids::{conference_id, fundraising_id, sponsor_id};
use crate::meta::CommandMeta;
use crate::process::sponsors as flow;
use crate::process::{Context, Faults};

/// What the step did, per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SponsorshipsReport {
    pub sponsors_created: usize,
    pub sponsors_updated: usize,
    pub tiers_saved: usize,
}

/// Creates or updates the file's sponsors and tiers.
pub async fn execute_sponsorships(
    bus: &CommandBus,
    plan: &BootstrapPlan,
) -> anyhow::Result<SponsorshipsReport> {
    let cid = conference_id(&plan.conference.slug);
    let meta = CommandMeta::system().for_conf(Some(cid));
    let (faults, config) = (Faults::default(), Config::default());
    let ctx = Context {
        bus,
        gateway: None,
        faults: &faults,
        config: &config,
    };
    let mut report = SponsorshipsReport::default();
    for s in &plan.sponsors {
        let details = SponsorDetails {
            name: s.name.clone(),
            level: s.level.clone(),
            website_url: s.website_url.clone(),
            logo_url: s.logo_url.clone(),
            description: s.description.clone(),
            contact_name: s.contact_name.clone(),
            contact_email: s.contact_email.clone(),
            is_active: s.is_active,
            ..Default::default()
        };
        let exists = bus
            .inspect(&Sponsor::stream(sponsor_id(cid, &s.slug)), |x| x.exists())
            .await
            .map_err(|e| anyhow::anyhow!("sponsor '{}': {e}", s.slug))?;
        if exists {
            let patch = SponsorPatch {
                name: Some(details.name),
                level: Some(details.level),
                website_url: Some(details.website_url),
                logo_url: Some(details.logo_url),
                description: Some(details.description),
                contact_name: Some(details.contact_name),
                contact_email: Some(details.contact_email),
                is_active: Some(details.is_active),
                ..Default::default()
            };
            flow::change(&ctx, cid, &s.slug, patch, &meta)
                .await
                .map_err(|e| anyhow::anyhow!("sponsor '{}': {e}", s.slug))?;
            report.sponsors_updated += 1;
        } else {
            flow::create(&ctx, cid, s.slug.clone(), details, &meta)
                .await
                .map_err(|e| anyhow::anyhow!("sponsor '{}': {e}", s.slug))?;
            report.sponsors_created += 1;
        }
    }
    for t in &plan.sponsorship_tiers {
        bus.send(
            &Fundraising::stream(fundraising_id(cid)),
            FundraisingCommand::SaveTier {
                conference_id: cid,
                slug: t.slug.clone(),
                tier: Tier {
                    name: t.name.clone(),
                    price: t.price,
                },
            },
            &meta,
        )
        .await
        .map_err(|e| anyhow::anyhow!("sponsorship tier '{}': {e}", t.slug))?;
        report.tiers_saved += 1;
    }
    Ok(report)
}
