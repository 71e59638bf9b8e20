//! The `knowledge-product` job: after a `products/*` or `inventory_levels/update` webhook,
//! reads the product back from Shopify and updates (or deletes) its document, so the index
//! holds what Shopify holds, whatever order deliveries come in.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext};
use crate::knowledge::shopify::{fetch_product, product_of_inventory_item};
use crate::knowledge::sources::{self, Kind};
use crate::shopify::ShopDomain;

/// Re-reads one product from Shopify after a webhook and updates (or deletes) it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncProduct {
    pub shop_id: i64,
    pub target: ProductRef,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductRef {
    /// A product gid.
    Product(String),
    /// An inventory item gid (`inventory_levels/update`): its product is synced.
    InventoryItem(String),
}

impl Job for SyncProduct {
    const QUEUE: &'static str = "knowledge-product";

    #[tracing::instrument(skip_all, fields(shop_id = self.shop_id, shop = tracing::field::Empty))]
    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let state = &ctx.state;
        let Some(domain) = sqlx::query_scalar!(
            "SELECT domain FROM shops WHERE id = $1 AND install_state = 'installed'",
            self.shop_id,
        )
        .fetch_optional(&state.db)
        .await?
        else {
            return Ok(());
        };
        let shop = ShopDomain::parse(&domain)?;
        tracing::Span::current().record("shop", tracing::field::display(&shop));
        let token = state.access_token(&shop).await?;
        let product = match &self.target {
            ProductRef::Product(id) => id.clone(),
            ProductRef::InventoryItem(item) => {
                match product_of_inventory_item(&state.admin, &shop, &token, item).await? {
                    Some(product) => product,
                    None => return Ok(()), // the item is gone with its variant
                }
            }
        };
        let source =
            sources::ensure(&state.db, self.shop_id, Kind::ShopifyCatalog, "default").await?;
        match fetch_product(&state.admin, &shop, &token, &product).await? {
            Some(document) => {
                state
                    .knowledge
                    .ingest(self.shop_id, source, std::slice::from_ref(&document))
                    .await?;
            }
            None => {
                state
                    .knowledge
                    .delete_documents(self.shop_id, source, &[product])
                    .await?;
            }
        }
        Ok(())
    }
}
