/// Refused inventory commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InventoryError {
    #[error("Inventory not found.")]
    NotFound,
    #[error("This inventory belongs to another conference.")]
    AlreadyExists,
    #[error("A product needs a slug and a name.")]
    InvalidProduct,
    #[error("Price must be zero or more, with at most 2 decimal places.")]
    InvalidPrice, // CAT-1: decimal(10, 2)
    #[error(
        "Add-on '{addon}' references unknown required ticket slug(s): {}",
        slugs.join(", ")
    )]
    UnknownPrerequisites { addon: String, slugs: Vec<String> }, // BOOT-16
}

impl InventoryError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "inventory.not_found",
            Self::AlreadyExists => "inventory.already_exists",
            Self::InvalidProduct => "inventory.invalid_product",
            Self::InvalidPrice => "inventory.invalid_price",
            Self::UnknownPrerequisites { .. } => "inventory.unknown_prerequisites",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
