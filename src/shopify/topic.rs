//! `WebhookTopic`: the webhook topics Concierge subscribes to, parsed from Shopify's names.
//! A leaf on purpose: the intake (which verifies and stores deliveries) and the worker (which
//! acts on stored ones) both name topics, and neither should have to import the other.

/// The topics Concierge subscribes to, with Shopify's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookTopic {
    AppUninstalled,
    ProductsCreate,
    ProductsUpdate,
    ProductsDelete,
    InventoryLevelsUpdate,
    CollectionsCreate,
    CollectionsUpdate,
    CollectionsDelete,
    BulkOperationsFinish,
    ShopUpdate,
    CustomersDataRequest,
    CustomersRedact,
    ShopRedact,
}

const TOPICS: &[(&str, WebhookTopic)] = &[
    ("app/uninstalled", WebhookTopic::AppUninstalled),
    ("products/create", WebhookTopic::ProductsCreate),
    ("products/update", WebhookTopic::ProductsUpdate),
    ("products/delete", WebhookTopic::ProductsDelete),
    (
        "inventory_levels/update",
        WebhookTopic::InventoryLevelsUpdate,
    ),
    ("collections/create", WebhookTopic::CollectionsCreate),
    ("collections/update", WebhookTopic::CollectionsUpdate),
    ("collections/delete", WebhookTopic::CollectionsDelete),
    ("bulk_operations/finish", WebhookTopic::BulkOperationsFinish),
    ("shop/update", WebhookTopic::ShopUpdate),
    ("customers/data_request", WebhookTopic::CustomersDataRequest),
    ("customers/redact", WebhookTopic::CustomersRedact),
    ("shop/redact", WebhookTopic::ShopRedact),
];

impl WebhookTopic {
    pub fn parse(raw: &str) -> Option<Self> {
        TOPICS
            .iter()
            .find(|(name, _)| *name == raw)
            .map(|(_, t)| *t)
    }

    pub fn as_str(self) -> &'static str {
        TOPICS
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("", |(name, _)| name)
    }

    /// The three topics every public app must answer (GDPR and similar laws).
    pub fn is_compliance(self) -> bool {
        matches!(
            self,
            Self::CustomersDataRequest | Self::CustomersRedact | Self::ShopRedact
        )
    }

    pub fn all() -> impl Iterator<Item = Self> {
        TOPICS.iter().map(|(_, t)| *t)
    }
}
