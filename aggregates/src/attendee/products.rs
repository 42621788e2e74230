//! What an attendee holds and has redeemed, across its active orders (ATT-15,
//! ATT-19, ATT-22).

use super::Attendee;
use super::{AttendeeOrder, AttendeeProduct, GENERAL_ADMISSION, ProductBalance};
use crate::pricing::{ProductKind, ProductRef};

impl Attendee {
    /// How many of `product` the active orders hold.
    pub fn held(&self, product: &ProductRef) -> u32 {
        self.active_lines()
            .filter(|l| l.product == *product)
            .map(|l| l.quantity)
            .fold(0, u32::saturating_add)
    }

    /// How many of `product` were redeemed so far.
    pub fn redeemed(&self, product: &ProductRef) -> u32 {
        self.redemptions
            .iter()
            .filter(|r| r.product == *product)
            .map(|r| r.quantity)
            .fold(0, u32::saturating_add)
    }

    /// Held − redeemed, never below 0.
    pub fn remaining(&self, product: &ProductRef) -> u32 {
        self.held(product).saturating_sub(self.redeemed(product))
    }

    /// ATT-19: every product the active orders hold, in first-seen order, with
    /// redeemed and remaining counts.
    pub fn products(&self) -> Vec<ProductBalance> {
        let mut seen: Vec<&ProductRef> = Vec::new();
        for line in self.active_lines() {
            if !seen.contains(&&line.product) {
                seen.push(&line.product);
            }
        }
        seen.into_iter()
            .map(|product| ProductBalance {
                product: product.clone(),
                name: self.name_of(product),
                quantity: self.held(product),
                redeemed: self.redeemed(product),
                remaining: self.remaining(product),
            })
            .collect()
    }

    /// ATT-15: the name of the current order's first ticket, else "General Admission".
    pub fn ticket_type_label(&self) -> String {
        self.active_orders()
            .next_back()
            .and_then(|o| {
                o.products
                    .iter()
                    .find(|p| p.product.kind == ProductKind::Ticket)
            })
            .map(display_name)
            .unwrap_or_else(|| GENERAL_ADMISSION.to_string())
    }

    pub(super) fn active_orders(&self) -> impl DoubleEndedIterator<Item = &AttendeeOrder> {
        self.orders.iter().filter(|o| !o.removed)
    }

    fn active_lines(&self) -> impl Iterator<Item = &AttendeeProduct> {
        self.active_orders().flat_map(|o| o.products.iter())
    }

    /// The latest name a registered order gave the product, else its slug.
    pub(super) fn name_of(&self, product: &ProductRef) -> String {
        self.orders
            .iter()
            .flat_map(|o| o.products.iter())
            .rev()
            .find(|l| l.product == *product && !l.name.is_empty())
            .map_or_else(|| product.slug.clone(), |l| l.name.clone())
    }
}

fn display_name(line: &AttendeeProduct) -> String {
    if line.name.is_empty() {
        line.product.slug.clone()
    } else {
        line.name.clone()
    }
}
