use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Offer, VoucherInfo};

/// Commands on the cart stream of one (conference, user) pair. The stream id is
/// `Cart::stream_id(conference, user)` = `natural_id("cart", "<conference>/<user>")`.
/// Every command but `Open` works on the current generation (the latest cart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CartCommand {
    /// CART-3 get-or-create. A no-op when the current cart is open and not expired
    /// (the caller then reads `Cart::cart_id()`: `cart_id` is only used for a new
    /// cart); a stale open cart (expires_at strictly before now) is expired first;
    /// then a new open cart `cart_id` is started, expiring at now + `expiry_minutes`.
    Open {
        cart_id: Uuid,
        conference_id: Uuid,
        user: Uuid,
        expiry_minutes: u32,
    },
    /// CART-10…17. `offer` is the ticket type as the conference's Inventory offers it
    /// to this user now. `voucher` is the catalog's current definition of the voucher
    /// applied to this cart, when the caller has it (None: the definition recorded
    /// when it was applied is used; CART-16: validity is not re-checked).
    /// `item_id` names the new item; ignored when the cart already holds the ticket
    /// type (CART-6: the item is incremented).
    AddTicket {
        item_id: Uuid,
        offer: Offer,
        quantity: i64,
        voucher: Option<VoucherInfo>,
        expiry_minutes: u32,
    },
    /// CART-20…23.
    AddAddon {
        item_id: Uuid,
        offer: Offer,
        quantity: i64,
        expiry_minutes: u32,
    },
    /// CART-27…30: `quantity` ≤ 0 removes the item (with the CART-26 cascade);
    /// `offer` is the item's product as offered now.
    UpdateQuantity {
        item_id: Uuid,
        quantity: i64,
        offer: Offer,
        expiry_minutes: u32,
    },
    /// CART-25/26.
    RemoveItem { item_id: Uuid },
    /// PAY-39: the terminal's cart update. The current open cart's items become
    /// exactly `items`: a product of the cart that is listed gets the listed
    /// quantity and its current price, one not listed leaves the cart, a new one
    /// is added (`item_id`). The caller found each product in the catalog and
    /// skipped unknown ones; nothing is checked against stock, per-user limits,
    /// sales windows, prerequisites or capacity. A product listed twice counts
    /// once with the quantities summed (CART-6); a quantity ≤ 0 lists nothing
    /// (CART-27). Expiry slides (CART-5) when an item is added or changed.
    ReplaceItems {
        items: Vec<ReplacementItem>,
        expiry_minutes: u32,
    },
    /// CART-35/36/38: `voucher` is the caller's exact-code lookup within the cart's
    /// conference (None = not found).
    ApplyVoucher {
        code: String,
        voucher: Option<VoucherLookup>,
    },
    /// CART-37.
    RemoveVoucher,
    /// ORDER-4/15 (a checkout process-manager step): the generation `cart_id` becomes
    /// checked out for `order_id`. Re-sending it for the same order is a no-op.
    CheckOut { cart_id: Uuid, order_id: Uuid },
    /// Expires the current cart when it is open and its expires_at is strictly before
    /// now; otherwise nothing happens.
    Expire,
    /// A checkout's guard, written nothing: refused with `Replaced` unless the
    /// current cart is generation `cart_id` holding exactly `items` (item id,
    /// quantity) and `voucher`, i.e. what the checkout held stock for. Sent in a
    /// `Sequence` before `CheckOut`, it makes a checkout decided on a cached cart
    /// safe: if the cart changed meanwhile, the order is not tied to it.
    Expect {
        cart_id: Uuid,
        items: Vec<(Uuid, u32)>,
        voucher: Option<String>,
    },
    /// Commands decided in order, each on the state the previous ones left; all or
    /// nothing (one refusal refuses the sequence), appended together. Lets a
    /// request open a cart and add to it in one write.
    Sequence(Vec<CartCommand>),
}

/// One product of a terminal cart update (PAY-39).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplacementItem {
    /// Names the item when the product is new to the cart.
    pub item_id: Uuid,
    /// The product as the catalog offers it now (only its name, price and
    /// prerequisites are used).
    pub offer: Offer,
    pub quantity: i64,
}

/// A voucher found by code, as the cart needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoucherLookup {
    pub info: VoucherInfo,
    /// DISC-2 at the time of the lookup.
    pub valid: bool,
}
