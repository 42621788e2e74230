//! What a year has besides sales: the sponsorship pipeline (MY-5/7), donations
//! (MY-29) and the attendees' NPS survey (ANA-39), drawn from the year itself so
//! the same seed makes the same history. Deals and donations are recorded before
//! the conference, the survey's answers the day after it ends.

use super::ManualClock;
use axum::http::Method;
use serde_json::json;

use super::api::{Actor, Api};
use super::plan::Year;

/// The pipeline's statuses from the first contact to paid.
const TO_PAID: [&str; 7] = [
    "awaiting_response",
    "accepted",
    "approved",
    "agreement_sent",
    "agreement_signed",
    "invoiced",
    "paid",
];

/// NPS answers cycle through these scores (promoters, passives, a detractor).
const SCORES: [u8; 10] = [10, 9, 9, 8, 10, 7, 6, 9, 10, 4];

/// Records the year's deals, donations and survey answers; `attendees` are the
/// shoppers whose orders were paid. Answers (deals, donations, responses).
pub async fn run(
    api: &Api,
    clock: &ManualClock,
    admin: &Actor,
    plan: &Year,
    attendees: &[Actor],
) -> anyhow::Result<(usize, usize, usize)> {
    let base = format!("/api/v1/conferences/{}", plan.slug);
    let start = plan.start();
    let before = start - chrono::Duration::days(30);
    clock.set(before.and_hms_opt(10, 0, 0).unwrap_or_default().and_utc());
    for (slug, price) in [("gold", "5000.00"), ("silver", "2500.00")] {
        api.must(
            Method::PUT,
            &format!("{base}/sponsorships/tiers/{slug}"),
            admin,
            json!({ "name": slug.to_uppercase(), "price": price }),
        )
        .await?;
    }
    // More sponsors as the conference grows; the first deal is paid, each next one
    // stopped a step earlier, every fifth was rejected.
    let deals = 3 + plan.shoppers / 400 + (plan.year.rem_euclid(3) as usize);
    for i in 0..deals {
        let tier = if i % 3 == 0 { "gold" } else { "silver" };
        let a = api
            .must(
                Method::POST,
                &format!("{base}/sponsorships/deals"),
                admin,
                json!({ "organisation": format!("Sponsor {} #{}", plan.year, i + 1), "tier": tier }),
            )
            .await?;
        let id = a.str("id");
        let steps = if i % 5 == 4 {
            &["awaiting_response", "rejected"][..]
        } else {
            &TO_PAID[..TO_PAID.len() - i % TO_PAID.len()]
        };
        for status in steps {
            api.must(
                Method::POST,
                &format!("{base}/sponsorships/deals/{id}/status"),
                admin,
                json!({ "status": status }),
            )
            .await?;
        }
    }
    let donations = 2 + plan.shoppers / 25;
    // Goals the year can reach, for the progress figures.
    api.must(
        Method::PATCH,
        &base,
        admin,
        json!({ "sponsorship_goal": format!("{}.00", 4000 * deals),
                "donation_goal": format!("{}.00", 60 * donations) }),
    )
    .await?;
    for i in 0..donations {
        let amount = ["25.00", "50.00", "100.00", "20.00"][i % 4];
        api.must(
            Method::POST,
            &format!("{base}/donations"),
            admin,
            json!({
                "donor_name": format!("Donor {i}"),
                "donor_email": format!("donor{i}@democon.example"),
                "amount": amount,
                "transaction_date": before.to_string(),
            }),
        )
        .await?;
    }
    // The day after the conference: a third of the attendees answer the survey.
    let after = start + chrono::Duration::days(3);
    clock.set(after.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
    api.must(
        Method::POST,
        &format!("{base}/surveys"),
        admin,
        json!({ "slug": "feedback", "title": "How likely are you to recommend DemoCon to a friend?",
                "kind": "nps" }),
    )
    .await?;
    let mut responses = 0;
    for (i, who) in attendees.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let a = api
            .call(
                Method::POST,
                &format!("{base}/surveys/feedback/responses"),
                who,
                Some(json!({ "score": SCORES[i % SCORES.len()] })),
            )
            .await?;
        // A shopper with two paid orders answers once (SURVEY-2).
        if a.ok() {
            responses += 1;
        }
    }
    Ok((deals, donations, responses))
}
