//! The buyer's cart (CART-*): one open cart per user and conference. Each change
//! takes the catalog's offer for the product from the conference's Inventory (price,
//! stock, limits, what the buyer already holds) and sends one Cart command that
//! decides with it; the pricing summary (CART-40…52) is computed on demand.

use tessera_aggregates::Timestamp;
use tessera_aggregates::cart::{
    Cart, CartCommand, CartError, CartItem, CartRecord, CartStatus, VoucherInfo, VoucherLookup,
};
use tessera_aggregates::inventory::{Inventory, InventoryError};
use tessera_aggregates::pricing::{
    self, CartOwner, PricingContext, PricingError, PricingSummary, ProductKind, ProductRef, Voucher,
};
use tessera_aggregates::program::ProgramError;
use uuid::Uuid;

use super::Context;
use crate::bus::BusError;
use crate::ids::inventory_id;
use crate::meta::CommandMeta;
use crate::refusal::{Failure, Kind};

/// Why a cart change or view failed.
#[derive(Debug, thiserror::Error)]
pub enum CartFlowError {
    /// An add names a ticket type or an add-on: exactly one.
    #[error("Send exactly one of ticket_type or addon.")]
    NotOneProduct,
    #[error("Cart item not found.")]
    NoSuchItem,
    /// The catalog has no such product (or does not offer it to this buyer).
    #[error("{} not found.", noun(*.0))]
    NoSuchProduct(Option<ProductKind>),
    #[error(transparent)]
    Cart(BusError<CartError>),
    #[error(transparent)]
    Inventory(BusError<InventoryError>),
    #[error(transparent)]
    Program(BusError<ProgramError>),
    #[error(transparent)]
    Pricing(PricingError),
}

fn noun(kind: Option<ProductKind>) -> &'static str {
    match kind {
        Some(ProductKind::Ticket) => "Ticket type",
        Some(ProductKind::Addon) => "Add-on",
        None => "Product",
    }
}

impl Failure for CartFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotOneProduct => "cart.invalid_item",
            Self::NoSuchItem => "cart.item_not_found",
            Self::NoSuchProduct(_) => "not_found",
            Self::Cart(e) => e.code(),
            Self::Inventory(e) => e.code(),
            Self::Program(e) => e.code(),
            Self::Pricing(e) => Failure::code(e),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::NotOneProduct => Kind::Refused,
            Self::NoSuchItem | Self::NoSuchProduct(_) => Kind::NotFound,
            Self::Cart(e) => e.kind(),
            Self::Inventory(e) => e.kind(),
            Self::Program(e) => e.kind(),
            Self::Pricing(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Cart(e) => Some(e),
            Self::Inventory(e) => Some(e),
            Self::Program(e) => Some(e),
            Self::Pricing(e) => Some(e),
            _ => None,
        }
    }
}

/// Whose cart in which conference, and who asked.
#[derive(Debug, Clone, Copy)]
pub struct CartOf<'a> {
    pub conference: Uuid,
    pub user: Uuid,
    pub meta: &'a CommandMeta,
}

impl CartOf<'_> {
    pub fn stream(&self) -> String {
        Cart::stream_id(self.conference, self.user).to_string()
    }
}

/// The product an add names: a ticket type's slug or an add-on's, not both.
pub fn product(
    ticket_type: Option<String>,
    addon: Option<String>,
) -> Result<ProductRef, CartFlowError> {
    match (ticket_type, addon) {
        (Some(t), None) => Ok(ProductRef::ticket(t)),
        (None, Some(a)) => Ok(ProductRef::addon(a)),
        _ => Err(CartFlowError::NotOneProduct),
    }
}

/// The cart as the buyer sees it, priced as of now (no side effects, CART-50).
#[derive(Debug, Clone)]
pub struct PricedCart {
    pub cart_id: Option<Uuid>,
    pub status: Option<CartStatus>,
    pub expires_at: Option<Timestamp>,
    pub items: Vec<CartItem>,
    pub voucher: Option<String>,
    pub summary: PricingSummary,
}

async fn ledger<T>(
    ctx: Context<'_>,
    conference: Uuid,
    read: impl FnOnce(&Inventory) -> T,
) -> Result<T, CartFlowError> {
    ctx.bus
        .peek(&Inventory::stream(inventory_id(conference)), read)
        .await
        .map_err(CartFlowError::Inventory)
}

async fn send(
    ctx: Context<'_>,
    of: CartOf<'_>,
    command: CartCommand,
) -> Result<Option<i64>, CartFlowError> {
    let sent = ctx
        .bus
        .send(
            &Cart::stream(of.stream()),
            command,
            &of.meta.for_conf(Some(of.conference)),
        )
        .await
        .map_err(CartFlowError::Cart)?;
    Ok(sent.position)
}

fn open_command(ctx: Context<'_>, of: CartOf<'_>) -> CartCommand {
    CartCommand::Open {
        cart_id: Uuid::new_v4(),
        conference_id: of.conference,
        user: of.user,
        expiry_minutes: ctx.config.cart_expiry_minutes,
    }
}

/// What the Cart keeps of a voucher it applies (CART-16: the definition as applied).
fn voucher_info(v: &Voucher) -> VoucherInfo {
    VoucherInfo {
        code: v.code.clone(),
        unlocks_hidden: v.unlocks_hidden,
        scope: v.scope.clone(),
    }
}

/// Whether this process knows the cart to be open now (a cached read: a stale
/// answer only means an Open is sent, a no-op on an open cart).
async fn known_open(ctx: Context<'_>, of: CartOf<'_>) -> bool {
    let now = ctx.now();
    ctx.bus
        .cached(&Cart::stream(of.stream()), |c| c.is_open_at(now))
        .await
        == Some(true)
}

/// CART-3: the buyer's open cart, opened (or renewed after expiry) when needed.
/// The position of what it wrote, if anything.
pub async fn open(ctx: Context<'_>, of: CartOf<'_>) -> Result<Option<i64>, CartFlowError> {
    if known_open(ctx, of).await {
        return Ok(None);
    }
    send(ctx, of, open_command(ctx, of)).await
}

/// Adds a ticket (CART-10…17) or an add-on (CART-20…23); a product already in the
/// cart increments its item (CART-6).
pub async fn add(
    ctx: Context<'_>,
    of: CartOf<'_>,
    product: ProductRef,
    quantity: i64,
) -> Result<Option<i64>, CartFlowError> {
    let now = ctx.now();
    // When this process does not know the cart to be open, the add goes out with
    // an Open in front, decided and written together (one append, not two). Such
    // a cart is new (no voucher) or was opened elsewhere, in which case the add
    // uses the voucher definition recorded when it was applied (CART-16).
    // One cached read answers both: whether the cart is known open, and its voucher.
    let open_with = ctx
        .bus
        .cached(&Cart::stream(of.stream()), |c| {
            c.is_open_at(now)
                .then(|| c.voucher().map(|v| v.code.clone()))
        })
        .await
        .flatten();
    let known_open = open_with.is_some();
    let cart_voucher = open_with.flatten();
    let (offer, voucher) = ledger(ctx, of.conference, |inv| {
        let voucher = cart_voucher
            .as_deref()
            .and_then(|code| inv.voucher(code, now))
            .map(|v| voucher_info(&v.voucher));
        (inv.offer(&product, of.user, now), voucher)
    })
    .await?;
    let offer = offer.ok_or(CartFlowError::NoSuchProduct(Some(product.kind)))?;
    let expiry_minutes = ctx.config.cart_expiry_minutes;
    let command = match product.kind {
        ProductKind::Ticket => CartCommand::AddTicket {
            item_id: Uuid::new_v4(),
            offer,
            quantity,
            voucher,
            expiry_minutes,
        },
        ProductKind::Addon => CartCommand::AddAddon {
            item_id: Uuid::new_v4(),
            offer,
            quantity,
            expiry_minutes,
        },
    };
    let command = if known_open {
        command
    } else {
        CartCommand::Sequence(vec![open_command(ctx, of), command])
    };
    send(ctx, of, command).await
}

/// Changes an item's quantity; ≤ 0 removes it, with the add-on cascade (CART-27…30).
pub async fn set_quantity(
    ctx: Context<'_>,
    of: CartOf<'_>,
    item: Uuid,
    quantity: i64,
) -> Result<Option<i64>, CartFlowError> {
    let now = ctx.now();
    let product = ctx
        .bus
        .peek(&Cart::stream(of.stream()), |c| {
            c.items()
                .iter()
                .find(|i| i.item_id == item)
                .map(|i| i.product.clone())
        })
        .await
        .map_err(CartFlowError::Cart)?
        .ok_or(CartFlowError::NoSuchItem)?;
    let offer = ledger(ctx, of.conference, |inv| inv.offer(&product, of.user, now))
        .await?
        .ok_or(CartFlowError::NoSuchProduct(None))?;
    let command = CartCommand::UpdateQuantity {
        item_id: item,
        offer,
        quantity,
        expiry_minutes: ctx.config.cart_expiry_minutes,
    };
    send(ctx, of, command).await
}

/// Removes an item; removing a ticket removes the add-ons that needed it (CART-25/26).
pub async fn remove(
    ctx: Context<'_>,
    of: CartOf<'_>,
    item: Uuid,
) -> Result<Option<i64>, CartFlowError> {
    send(ctx, of, CartCommand::RemoveItem { item_id: item }).await
}

/// Applies a voucher by its exact code (CART-35/36: no use is consumed).
pub async fn apply_voucher(
    ctx: Context<'_>,
    of: CartOf<'_>,
    code: String,
) -> Result<Option<i64>, CartFlowError> {
    open(ctx, of).await?;
    let now = ctx.now();
    let lookup = ledger(ctx, of.conference, |inv| {
        inv.voucher(&code, now).map(|v| VoucherLookup {
            valid: v.voucher.is_valid(now),
            info: voucher_info(&v.voucher),
        })
    })
    .await?;
    let command = CartCommand::ApplyVoucher {
        code,
        voucher: lookup,
    };
    send(ctx, of, command).await
}

/// Removes the voucher; hidden tickets added under it stay (CART-37).
pub async fn remove_voucher(
    ctx: Context<'_>,
    of: CartOf<'_>,
) -> Result<Option<i64>, CartFlowError> {
    send(ctx, of, CartCommand::RemoveVoucher).await
}

/// The cart as it stands after this process's own command (the Cart it just
/// wrote), priced as of now.
pub async fn priced(ctx: Context<'_>, of: CartOf<'_>) -> Result<PricedCart, CartFlowError> {
    let cart = ctx
        .bus
        .peek(&Cart::stream(of.stream()), |c| c.current().cloned())
        .await
        .map_err(CartFlowError::Cart)?;
    price(ctx, of, cart).await
}

/// A cart generation (None: the pair has none yet) with its pricing summary as of
/// now, with the catalog's current prices, conditions and voucher (CART-40…52).
/// The vouchers' uses and the conditions count live holds, which depend on the
/// clock: the sales ledger answers them.
pub async fn price(
    ctx: Context<'_>,
    of: CartOf<'_>,
    cart: Option<CartRecord>,
) -> Result<PricedCart, CartFlowError> {
    let lines = cart
        .as_ref()
        .map(CartRecord::lines_for_pricing)
        .unwrap_or_default();
    let voucher = cart
        .as_ref()
        .and_then(|c| c.voucher.as_ref())
        .map(|v| v.code.clone());
    let now = ctx.now();
    let speaker = super::program::speaker_facts(ctx.bus, of.conference, of.user)
        .await
        .map_err(CartFlowError::Program)?;
    let summary = ledger(ctx, of.conference, |inv| {
        let voucher = voucher
            .as_deref()
            .and_then(|c| inv.voucher(c, now))
            .map(|v| v.voucher);
        let ctx = PricingContext {
            now,
            owner: CartOwner {
                paid_ticket_types: inv.owner_facts(of.user).paid_ticket_types,
                ..speaker
            },
        };
        pricing::price(&lines, voucher.as_ref(), inv.conditions(), &ctx)
    })
    .await?
    .map_err(CartFlowError::Pricing)?;
    Ok(PricedCart {
        cart_id: cart.as_ref().map(|c| c.cart_id),
        status: cart.as_ref().map(|c| c.status),
        expires_at: cart.as_ref().map(|c| c.expires_at),
        items: cart.map(|c| c.items).unwrap_or_default(),
        voucher,
        summary,
    })
}
