//! Registration: catalog availability, vouchers and discounts, carts, checkout,
//! orders, payments, refunds, credits, purchase orders, attendees and check-in
//! (SPEC CAT, CART, DISC, ORDER, PAY, PO, ATT).

pub(crate) mod attendee_list;
mod cart;
mod catalog;
mod checkins;
mod checkout;
mod credits;
pub(crate) mod order_list;
pub(crate) mod orders;
mod payments;
mod pricing_bodies;
mod purchase_orders;
mod stripe_payments;
mod terminal;
mod vouchers;

use tessera_aggregates::conference::Role;
use tessera_aggregates::inventory::Inventory;

use crate::app::{AppState, ConferenceRef, inventory_id};
use crate::features::Feature;
use crate::http::access::{Access, Group};
use crate::http::error::ApiResult;

/// CONF-29: tickets, cart, checkout and order pages need registration + public_ui.
pub const PUBLIC: &[Feature] = &[Feature::Registration, Feature::PublicUi];
/// AMB-17: organizer registration endpoints need registration + manage_ui.
pub const MANAGE: &[Feature] = &[Feature::Registration, Feature::ManageUi];

/// Organizers and finance staff.
pub const FINANCE: Access = Access::Staff(&[Role::Organizer, Role::Finance]);

pub fn groups() -> Vec<Group> {
    let mut groups = vec![];
    groups.extend(catalog::groups());
    groups.extend(cart::groups());
    groups.extend(checkout::groups());
    groups.extend(order_list::groups());
    groups.extend(orders::groups());
    groups.extend(payments::groups());
    groups.extend(stripe_payments::groups());
    groups.extend(terminal::groups());
    groups.extend(credits::groups());
    groups.extend(vouchers::groups());
    groups.extend(purchase_orders::groups());
    groups.extend(checkins::groups());
    groups
}

/// Reads the conference's sales ledger.
pub async fn ledger<T>(
    app: &AppState,
    conf: &ConferenceRef,
    read: impl FnOnce(&Inventory) -> T,
) -> ApiResult<T> {
    Ok(app
        .bus
        .peek(&Inventory::stream(inventory_id(conf.id)), read)
        .await?)
}
