//! What a year does, drawn up front from the seed (the run only carries it out).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Sales of year `year`'s conference open on 1 October of the year before.
pub fn sales_open(year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year - 1, 10, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The conference runs from the second Thursday of May, three days.
pub fn conference_start(year: i32) -> NaiveDate {
    let may = NaiveDate::from_ymd_opt(year, 5, 1).unwrap_or_default();
    let to_thursday = (7 + 3 - may.weekday().num_days_from_monday() as i64) % 7;
    may + Duration::days(to_thursday + 7)
}

/// How a shopper's journey ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pay {
    /// Fills a cart and leaves (ANA-3's funnel).
    Abandon,
    /// Card (Stripe): the payment the webhook records.
    Card,
    /// Money received by transfer, recorded by finance (PAY-13).
    Manual,
    /// A speaker's comp voucher makes the total zero (PAY-12).
    Comp,
    /// Checks out, then cancels the pending order (ORDER-18).
    Cancel,
    /// Checks out and never pays (the hold lapses).
    Leave,
}

/// One shopper's visit.
#[derive(Debug, Clone)]
pub struct Journey {
    /// Unique within the year.
    pub index: usize,
    pub shopper: usize,
    /// First appearance of this shopper (registered now).
    pub new: bool,
    pub ticket: &'static str,
    pub quantity: u32,
    pub addon: bool,
    pub voucher: Option<&'static str>,
    pub pay: Pay,
    /// An activity signed up for after paying.
    pub activity: Option<&'static str>,
}

/// A refund of a journey's paid order, some slots later.
#[derive(Debug, Clone, Copy)]
pub struct Refund {
    pub journey: usize,
    /// Half the total (else all of it).
    pub partial: bool,
    /// After a partial refund the shopper spends the credit on a t-shirt (PAY-19).
    pub spend_credit: bool,
}

/// A time slot and what happens in it.
#[derive(Debug, Clone, Default)]
pub struct Slot {
    pub at: DateTime<Utc>,
    pub journeys: Vec<Journey>,
    pub refunds: Vec<Refund>,
    /// Check-ins (journey indexes).
    pub checkins: Vec<usize>,
}

/// Who shopped before (returning attendees, ANA-42 retention).
#[derive(Debug, Default)]
pub struct People {
    pub next: usize,
    pub past: Vec<usize>,
}

pub struct TicketSpec {
    pub slug: &'static str,
    pub name: &'static str,
    pub price: Decimal,
}

pub const ACTIVITIES: [(&str, &str); 3] = [
    ("sprints", "Development sprints"),
    ("tutorial", "Tutorial day"),
    ("dinner", "Speakers' dinner"),
];

pub struct Year {
    pub year: i32,
    pub slug: String,
    pub series: String,
    pub shoppers: usize,
    pub tickets: Vec<TicketSpec>,
    pub slots: Vec<Slot>,
}

impl Year {
    pub fn journeys(&self) -> usize {
        self.slots.iter().map(|s| s.journeys.len()).sum()
    }

    pub fn start(&self) -> NaiveDate {
        conference_start(self.year)
    }

    /// Draws the year: `shoppers` journeys spread over the months of sales (a rush
    /// when sales open, a ramp before the conference), refunds after them,
    /// check-ins on the conference's first two mornings.
    pub fn draw(
        rng: &mut StdRng,
        people: &mut People,
        series: &str,
        year: i32,
        shoppers: usize,
    ) -> Self {
        // Prices rise by 5 % of the 2020 price a year.
        let grow = i64::from((year - 2020).clamp(0, 20));
        let price = |base: i64| Decimal::new((base + base * 5 * grow / 100) * 100, 2);
        let tickets = vec![
            TicketSpec {
                slug: "individual",
                name: "Individual",
                price: price(300),
            },
            TicketSpec {
                slug: "student",
                name: "Student",
                price: price(80),
            },
            TicketSpec {
                slug: "corporate",
                name: "Corporate",
                price: price(600),
            },
        ];
        let open = sales_open(year);
        let start = conference_start(year);
        let start_at = Utc.from_utc_datetime(&start.and_hms_opt(0, 0, 0).unwrap_or_default());
        let days = (start_at - open).num_days().max(1) as usize;
        // Two selling slots a day.
        let mut slots: Vec<Slot> = (0..days * 2)
            .map(|i| Slot {
                at: open + Duration::days((i / 2) as i64) + Duration::hours(7 * (i % 2) as i64),
                ..Default::default()
            })
            .collect();
        let weight = |d: usize| {
            let d = d as f64;
            let to_go = days as f64 - d;
            1.0 + 6.0 * (-d / 6.0).exp() + 5.0 * (-to_go / 25.0).exp()
        };
        let total: f64 = (0..days).map(weight).sum();

        let mut seen = BTreeSet::new();
        let mut paid: Vec<(usize, usize)> = vec![]; // (slot, journey)
        let mut index = 0;
        let mut carry = 0.0;
        for d in 0..days {
            carry += shoppers as f64 * weight(d) / total;
            let today = carry.floor() as usize;
            carry -= today as f64;
            for _ in 0..today {
                let slot = d * 2 + rng.gen_range(0..2);
                let (shopper, new) = pick_shopper(rng, people, &mut seen);
                let j = journey(rng, index, shopper, new, d);
                if matches!(j.pay, Pay::Card | Pay::Manual) {
                    paid.push((slot, index));
                }
                slots[slot].journeys.push(j);
                index += 1;
            }
        }
        people.past.extend(seen.iter().copied());

        // Refunds: 4 % of the paid orders, 3 to 60 days later (before the
        // conference); fully refunded people do not come.
        let mut gone = BTreeSet::new();
        let mut came = vec![];
        for (slot, journey) in paid {
            if rng.gen_bool(0.04) {
                let later = (slot + 6 + rng.gen_range(0..114)).min(slots.len() - 1);
                let partial = rng.gen_bool(0.5);
                if !partial {
                    gone.insert(journey);
                }
                slots[later].refunds.push(Refund {
                    journey,
                    partial,
                    spend_credit: partial && rng.gen_bool(0.5),
                });
            }
            if !gone.contains(&journey) {
                came.push(journey);
            }
        }
        // Check-ins: 15-minute slots from 07:30 on the first morning (most), a
        // few on the second; one in ten scans again at a later slot (re-entry).
        let mut doors: Vec<Slot> = (0..14)
            .map(|i| start_at + Duration::minutes(450 + 15 * i))
            .chain((0..4).map(|i| start_at + Duration::days(1) + Duration::minutes(480 + 15 * i)))
            .map(|at| Slot {
                at,
                ..Default::default()
            })
            .collect();
        for journey in came {
            if rng.gen_bool(0.85) {
                let first = if rng.gen_bool(0.9) {
                    rng.gen_range(0..14)
                } else {
                    rng.gen_range(14..18)
                };
                doors[first].checkins.push(journey);
                if rng.gen_bool(0.1) && first + 1 < doors.len() {
                    let again = rng.gen_range(first + 1..doors.len());
                    doors[again].checkins.push(journey);
                }
            }
        }
        slots.extend(doors);
        Self {
            year,
            slug: format!("{series}-{year}"),
            series: series.to_string(),
            shoppers,
            tickets,
            slots,
        }
    }
}

/// A returning shopper three times in ten (from earlier years), else a new one;
/// nobody twice in a year.
fn pick_shopper(
    rng: &mut StdRng,
    people: &mut People,
    seen: &mut BTreeSet<usize>,
) -> (usize, bool) {
    if !people.past.is_empty() && rng.gen_bool(0.3) {
        let who = people.past[rng.gen_range(0..people.past.len())];
        if seen.insert(who) {
            return (who, false);
        }
    }
    let who = people.next;
    people.next += 1;
    seen.insert(who);
    (who, true)
}

fn journey(rng: &mut StdRng, index: usize, shopper: usize, new: bool, day: usize) -> Journey {
    let ticket = match rng.gen_range(0..100) {
        0..55 => "individual",
        55..80 => "student",
        _ => "corporate",
    };
    let quantity = if ticket == "corporate" && rng.gen_bool(0.1) {
        2
    } else {
        1
    };
    let roll = rng.gen_range(0..1000);
    let voucher = match roll {
        0..15 if ticket == "individual" => Some("SPEAKER"),
        15..115 if day < 60 => Some("EARLY"),
        115..165 => Some("COMMUNITY"),
        _ => None,
    };
    let pay = if voucher == Some("SPEAKER") {
        Pay::Comp
    } else {
        match rng.gen_range(0..100) {
            0..20 => Pay::Abandon,
            20..68 => Pay::Card,
            68..88 => Pay::Manual,
            88..94 => Pay::Cancel,
            _ => Pay::Leave,
        }
    };
    let addon = rng.gen_bool(0.3);
    let activity = (rng.gen_bool(0.25)).then(|| ACTIVITIES[rng.gen_range(0..3)].0);
    Journey {
        index,
        shopper,
        new,
        ticket,
        quantity,
        addon,
        voucher,
        pay,
        activity,
    }
}
