//! Request bodies of vouchers and discount conditions. The domain types are a
//! stored format (events), so they stay as they are; these bodies are what a client
//! may send: every field documented, bounded and known, converted into the domain
//! type only once it is valid.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use tessera_aggregates::pricing::{
    Condition, ConditionKind, DiscountEffect, DiscountType, ProductScope, Scope, UsageLimit,
    Voucher, VoucherKind, Window,
};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::input::{MoneyString, SlugString};
use crate::http::request_error::RequestError;

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// Which products of one kind are covered: `"all"`, `"none"`, or
/// `{"listed": [slugs]}` (an empty list covers nothing, AMB-32).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeBody {
    #[default]
    All,
    None,
    Listed(Vec<SlugString>),
}

impl From<ScopeBody> for Scope {
    fn from(s: ScopeBody) -> Self {
        match s {
            ScopeBody::All => Scope::All,
            ScopeBody::None => Scope::None,
            ScopeBody::Listed(slugs) => Scope::Listed(slugs.into_iter().map(|s| s.0).collect()),
        }
    }
}

/// One scope per product kind (CART-44, AMB-32); each defaults to all.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProductScopeBody {
    #[serde(default)]
    pub tickets: ScopeBody,
    #[serde(default)]
    pub addons: ScopeBody,
}

impl From<ProductScopeBody> for ProductScope {
    fn from(s: ProductScopeBody) -> Self {
        Self {
            tickets: s.tickets.into(),
            addons: s.addons.into(),
        }
    }
}

/// An optional time window, both bounds inclusive (RFC 3339).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub struct WindowBody {
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

impl From<WindowBody> for Window {
    fn from(w: WindowBody) -> Self {
        Self {
            from: w.from,
            until: w.until,
        }
    }
}

/// DISC-1: what a voucher takes off.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKindBody {
    /// 100 % of each applicable line; `value` ignored (DISC-11).
    #[default]
    Comp,
    /// `value` percent of each applicable line (CART-46).
    Percentage,
    /// A budget of `value` shared by the applicable lines (CART-47).
    FixedAmount,
}

/// A voucher code (DISC-1…3, AMB-32 scope).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewVoucherBody {
    /// Unique per conference, case-sensitive.
    #[schema(max_length = 100)]
    pub code: String,
    #[serde(default)]
    pub kind: VoucherKindBody,
    /// Percent (0–100) or an amount; ignored for comp.
    #[serde(default, deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = MoneyString)]
    pub value: Decimal,
    #[serde(default)]
    pub window: WindowBody,
    /// Default 1; 0 makes the voucher permanently invalid (DISC-3).
    #[serde(default = "one")]
    pub max_uses: u32,
    #[serde(default)]
    pub unlocks_hidden: bool,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub scope: ProductScopeBody,
}

impl From<NewVoucherBody> for Voucher {
    fn from(b: NewVoucherBody) -> Self {
        Self {
            kind: match b.kind {
                VoucherKindBody::Comp => VoucherKind::Comp,
                VoucherKindBody::Percentage => VoucherKind::Percentage,
                VoucherKindBody::FixedAmount => VoucherKind::FixedAmount,
            },
            value: b.value,
            window: b.window.into(),
            max_uses: b.max_uses,
            unlocks_hidden: b.unlocks_hidden,
            is_active: b.is_active,
            scope: b.scope.into(),
            ..Voucher::new(b.code)
        }
    }
}

/// The same, for a batch of codes (DISC-9/10): no code of its own.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct VoucherTemplateBody {
    #[serde(default)]
    pub kind: VoucherKindBody,
    #[serde(default, deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = MoneyString)]
    pub value: Decimal,
    #[serde(default)]
    pub window: WindowBody,
    #[serde(default = "one")]
    pub max_uses: u32,
    #[serde(default)]
    pub unlocks_hidden: bool,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub scope: ProductScopeBody,
}

impl From<VoucherTemplateBody> for Voucher {
    fn from(b: VoucherTemplateBody) -> Self {
        NewVoucherBody {
            code: String::new(),
            kind: b.kind,
            value: b.value,
            window: b.window,
            max_uses: b.max_uses,
            unlocks_hidden: b.unlocks_hidden,
            is_active: b.is_active,
            scope: b.scope,
        }
        .into()
    }
}

/// DISC-17: how a discount-effect condition computes its amount.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscountTypeBody {
    #[default]
    Percentage,
    FixedAmount,
}

/// DISC-17: the discount of the five discount-effect kinds.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EffectBody {
    #[serde(default)]
    pub discount_type: DiscountTypeBody,
    /// ≥ 0: percent, or an amount off per unit.
    #[serde(default, deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = MoneyString)]
    pub value: Decimal,
    /// Units of a line that get the discount; 0 = all.
    #[serde(default)]
    pub max_quantity: u32,
    #[serde(default)]
    pub scope: ProductScopeBody,
}

impl From<EffectBody> for DiscountEffect {
    fn from(e: EffectBody) -> Self {
        Self {
            discount_type: match e.discount_type {
                DiscountTypeBody::Percentage => DiscountType::Percentage,
                DiscountTypeBody::FixedAmount => DiscountType::FixedAmount,
            },
            value: e.value,
            max_quantity: e.max_quantity,
            scope: e.scope.into(),
        }
    }
}

/// DISC-30: a usage cap; 0 = unlimited.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub struct UsageBody {
    #[serde(default)]
    pub limit: u32,
}

/// DISC-15: the six kinds of condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKindName {
    TimeOrStockLimit,
    Speaker,
    GroupMember,
    IncludedProduct,
    DiscountForProduct,
    DiscountForCategory,
}

/// A discount condition (DISC-15…35): the shared fields, `kind`, and the fields of
/// that kind; a field of another kind is refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConditionBody {
    /// Given: defines or replaces that condition. Absent: a new one.
    pub id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[serde(default = "yes")]
    pub is_active: bool,
    /// Lower is evaluated first (DISC-25).
    #[serde(default)]
    pub priority: i32,
    pub kind: ConditionKindName,
    /// All but speaker, group_member and included_product.
    pub window: Option<WindowBody>,
    /// All but speaker, group_member and included_product.
    pub usage: Option<UsageBody>,
    /// Every kind but discount_for_category (required there).
    pub effect: Option<EffectBody>,
    /// speaker (default true).
    pub is_presenter: Option<bool>,
    /// speaker (default false).
    pub is_copresenter: Option<bool>,
    /// group_member.
    #[schema(value_type = Option<Vec<SlugString>>)]
    pub groups: Option<Vec<String>>,
    /// included_product: ticket-type slugs.
    #[schema(value_type = Option<Vec<SlugString>>)]
    pub enabling_ticket_types: Option<Vec<String>>,
    /// discount_for_category (required): percent, not clamped to 100.
    #[serde(
        default,
        deserialize_with = "tessera_aggregates::money::optional_decimal"
    )]
    #[schema(value_type = Option<MoneyString>)]
    pub percentage: Option<Decimal>,
    /// discount_for_category (default true).
    pub apply_to_tickets: Option<bool>,
    /// discount_for_category (default true).
    pub apply_to_addons: Option<bool>,
}

impl ConditionBody {
    /// The domain condition, with `new_id` when the body names none; 422 naming a
    /// field that is missing for the kind or belongs to another kind.
    pub fn into_condition(self, new_id: Uuid) -> Result<Condition, ApiError> {
        use ConditionKindName as K;
        let kind = self.kind;
        let mut stray = vec![];
        let mut not_for = |present: bool, field: &str, allowed: &[K]| {
            if present && !allowed.contains(&kind) {
                stray.push(field.to_string());
            }
        };
        let windowed = [
            K::TimeOrStockLimit,
            K::DiscountForProduct,
            K::DiscountForCategory,
        ];
        not_for(self.window.is_some(), "window", &windowed);
        not_for(self.usage.is_some(), "usage", &windowed);
        not_for(
            self.effect.is_some(),
            "effect",
            &[
                K::TimeOrStockLimit,
                K::Speaker,
                K::GroupMember,
                K::IncludedProduct,
                K::DiscountForProduct,
            ],
        );
        not_for(self.is_presenter.is_some(), "is_presenter", &[K::Speaker]);
        not_for(
            self.is_copresenter.is_some(),
            "is_copresenter",
            &[K::Speaker],
        );
        not_for(self.groups.is_some(), "groups", &[K::GroupMember]);
        let included = [K::IncludedProduct];
        not_for(
            self.enabling_ticket_types.is_some(),
            "enabling_ticket_types",
            &included,
        );
        let category = [K::DiscountForCategory];
        not_for(self.percentage.is_some(), "percentage", &category);
        not_for(
            self.apply_to_tickets.is_some(),
            "apply_to_tickets",
            &category,
        );
        not_for(self.apply_to_addons.is_some(), "apply_to_addons", &category);
        if !stray.is_empty() {
            return Err(RequestError::FieldsNotApplicable(stray).into());
        }
        let missing = |field: &str| {
            ApiError::from(RequestError::InvalidField {
                field: field.into(),
                detail: "required for a condition of this kind.".into(),
            })
        };
        let window = self.window.unwrap_or_default().into();
        let usage = UsageLimit {
            limit: self.usage.unwrap_or_default().limit,
            times_used: 0,
        };
        let effect = || -> Result<DiscountEffect, ApiError> {
            self.effect
                .clone()
                .map(Into::into)
                .ok_or_else(|| missing("effect"))
        };
        let kind = match kind {
            K::TimeOrStockLimit => ConditionKind::TimeOrStockLimit {
                window,
                usage,
                effect: effect()?,
            },
            K::Speaker => ConditionKind::Speaker {
                is_presenter: self.is_presenter.unwrap_or(true),
                is_copresenter: self.is_copresenter.unwrap_or(false),
                effect: effect()?,
            },
            K::GroupMember => ConditionKind::GroupMember {
                groups: self.groups.clone().unwrap_or_default(),
                effect: effect()?,
            },
            K::IncludedProduct => ConditionKind::IncludedProduct {
                enabling_ticket_types: self.enabling_ticket_types.clone().unwrap_or_default(),
                effect: effect()?,
            },
            K::DiscountForProduct => ConditionKind::DiscountForProduct {
                window,
                usage,
                effect: effect()?,
            },
            K::DiscountForCategory => ConditionKind::DiscountForCategory {
                window,
                usage,
                percentage: self.percentage.ok_or_else(|| missing("percentage"))?,
                apply_to_tickets: self.apply_to_tickets.unwrap_or(true),
                apply_to_addons: self.apply_to_addons.unwrap_or(true),
            },
        };
        Ok(Condition {
            id: self.id.unwrap_or(new_id),
            name: self.name,
            description: self.description,
            is_active: self.is_active,
            priority: self.priority,
            kind,
        })
    }
}

/// The documented shape of a product reference in a body (`ProductRef`).
#[derive(ToSchema)]
#[schema(as = ProductRef)]
#[allow(dead_code)] // a schema only: bodies read `ProductRef` itself
pub struct ProductRefSchema {
    kind: ProductKindSchema,
    #[schema(max_length = 100)]
    slug: String,
}

#[derive(ToSchema)]
#[schema(as = ProductKind, rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ProductKindSchema {
    Ticket,
    Addon,
}
