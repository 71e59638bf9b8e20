//! Live look-ups in the Admin API, read into small views of our own.
//!
//! The operations are typed by graphql_client (so a query the real API would reject does not
//! build); their answers are read back through serde into the views below, so that the
//! product, whichever query it came from, is one type with one way to become a card.

use std::collections::HashMap;

use graphql_client::GraphQLQuery;
use secrecy::SecretString;
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tools::io::{LocationStock, ProductCard, ProductOption, Variant};

use super::{StoreTools, ToolError};
use crate::shopify::ShopDomain;
use crate::shopify::admin::queries::{
    OrderByNumber, ProductLive, ProductsLive, VariantProduct, VariantStock, order_by_number,
    product_live, products_live, variant_product, variant_stock,
};

/// Variants whose stock one `VariantStock` call reads: ten ids with ten levels each stay
/// well under a query's cost limit.
const STOCK_BATCH: usize = 10;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LiveProduct {
    pub id: String,
    pub title: String,
    pub handle: String,
    pub status: String,
    pub online_store_url: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub product_type: Option<String>,
    pub featured_image: Option<Image>,
    pub price_range_v2: PriceRange,
    #[serde(default)]
    pub options: Vec<LiveOption>,
    pub variants: Nodes<LiveVariant>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Image {
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PriceRange {
    pub min_variant_price: Money,
    pub max_variant_price: Money,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Money {
    pub amount: String,
    pub currency_code: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct LiveOption {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Nodes<T> {
    pub nodes: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LiveVariant {
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub price: String,
    #[serde(default)]
    pub compare_at_price: Option<String>,
    pub available_for_sale: bool,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub selected_options: Vec<SelectedOption>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct SelectedOption {
    pub value: String,
}

/// A Money or Decimal scalar as a number (0 if Shopify ever sent something else).
pub(super) fn amount(text: &str) -> f64 {
    text.trim().parse().unwrap_or(0.0)
}

impl LiveProduct {
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }

    pub fn available(&self) -> bool {
        self.variants.nodes.iter().any(|v| v.available_for_sale)
    }

    pub fn currency(&self) -> &str {
        &self.price_range_v2.min_variant_price.currency_code
    }

    /// Shopify's placeholder for a product without options says nothing to a shopper.
    pub fn has_only_default_variant(&self) -> bool {
        matches!(self.variants.nodes.as_slice(), [only] if only.title == "Default Title")
    }

    pub fn card(&self, shop: &ShopDomain) -> ProductCard {
        ProductCard {
            id: self.id.clone(),
            title: self.title.clone(),
            handle: self.handle.clone(),
            // The storefront URL on the shop's primary domain when the product is on the
            // online store; the myshopify domain redirects there otherwise.
            url: self
                .online_store_url
                .clone()
                .unwrap_or_else(|| format!("https://{}/products/{}", shop.as_str(), self.handle)),
            image: self.featured_image.as_ref().map(|i| i.url.clone()),
            price_min: amount(&self.price_range_v2.min_variant_price.amount),
            price_max: amount(&self.price_range_v2.max_variant_price.amount),
            currency: self.currency().to_owned(),
            available: self.available(),
            summary: summary(&self.description, 240),
        }
    }

    pub fn options(&self) -> Vec<ProductOption> {
        self.options
            .iter()
            .filter(|o| !(o.name == "Title" && o.values == ["Default Title"]))
            .map(|o| ProductOption {
                name: o.name.clone(),
                values: o.values.clone(),
            })
            .collect()
    }

    pub fn variants(&self) -> Vec<Variant> {
        self.variants.nodes.iter().map(LiveVariant::view).collect()
    }
}

impl LiveVariant {
    pub fn view(&self) -> Variant {
        Variant {
            id: self.id.clone(),
            title: self.title.clone(),
            price: amount(&self.price),
            compare_at_price: self.compare_at_price.as_deref().map(amount),
            available: self.available_for_sale,
            sku: self.sku.clone().filter(|s| !s.is_empty()),
        }
    }
}

/// The first `max` characters of `text`, cut at a word, marked when cut.
pub(super) fn summary(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(space) if space > max / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == '.')
    )
}

/// An order as the tool reads it: what a shopper may be told, and what the access rule needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LiveOrder {
    pub name: String,
    pub created_at: String,
    pub email: Option<String>,
    pub customer: Option<Customer>,
    pub display_financial_status: Option<String>,
    pub display_fulfillment_status: String,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub note: Option<String>,
    pub current_total_price_set: MoneyBag,
    pub status_page_url: Option<String>,
    pub line_items: Nodes<LiveLine>,
    #[serde(default)]
    pub fulfillments: Vec<LiveFulfillment>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Customer {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MoneyBag {
    pub shop_money: Money,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LiveLine {
    pub title: String,
    pub variant_title: Option<String>,
    pub quantity: i64,
    #[serde(default)]
    pub current_quantity: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LiveFulfillment {
    pub status: String,
    pub display_status: Option<String>,
    pub estimated_delivery_at: Option<String>,
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub tracking_info: Vec<LiveTracking>,
    pub fulfillment_line_items: Nodes<LiveFulfillmentLine>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct LiveTracking {
    pub number: Option<String>,
    pub url: Option<String>,
    pub company: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LiveFulfillmentLine {
    pub quantity: Option<i64>,
    pub line_item: LiveLineTitle,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LiveLineTitle {
    pub title: String,
    pub variant_title: Option<String>,
}

#[derive(Deserialize)]
struct StockNode {
    #[serde(rename = "__typename")]
    typename: String,
    id: Option<String>,
    #[serde(rename = "inventoryItem")]
    inventory_item: Option<StockItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StockItem {
    tracked: bool,
    inventory_levels: Nodes<StockLevel>,
}

#[derive(Deserialize)]
struct StockLevel {
    location: StockLocation,
    quantities: Vec<StockQuantity>,
}

#[derive(Deserialize)]
struct StockLocation {
    name: String,
}

#[derive(Deserialize)]
struct StockQuantity {
    name: String,
    quantity: i64,
}

impl StoreTools {
    /// An access token for the shop (refreshed when about to expire).
    async fn token(&self) -> Result<SecretString, ToolError> {
        self.state
            .access_token(&self.context.shop)
            .await
            .map_err(|e| ToolError::store("access token", e))
    }

    /// Runs `Q` and reads its data as `T`.
    async fn admin<Q, T>(
        &self,
        token: &SecretString,
        variables: Q::Variables,
    ) -> Result<T, ToolError>
    where
        Q: GraphQLQuery,
        Q::ResponseData: DeserializeOwned + Serialize,
        T: DeserializeOwned,
    {
        let data = self
            .state
            .admin
            .query::<Q>(&self.context.shop, token, variables)
            .await
            .map_err(|e| ToolError::store(std::any::type_name::<Q>(), e))?;
        serde_json::to_value(data)
            .and_then(serde_json::from_value)
            .map_err(|e| ToolError::store(std::any::type_name::<Q>(), e))
    }

    /// The active ones among `ids`, in the order given.
    pub(super) async fn products_live(
        &self,
        ids: &[String],
    ) -> Result<Vec<LiveProduct>, ToolError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let token = self.token().await?;
        #[derive(Deserialize)]
        struct Data {
            nodes: Vec<Option<serde_json::Value>>,
        }
        let data: Data = self
            .admin::<ProductsLive, _>(&token, products_live::Variables { ids: ids.to_vec() })
            .await?;
        Ok(data
            .nodes
            .into_iter()
            .flatten()
            .filter(|n| n.get("__typename").and_then(|t| t.as_str()) == Some("Product"))
            .filter_map(|n| serde_json::from_value::<LiveProduct>(n).ok())
            .filter(LiveProduct::is_active)
            .collect())
    }

    /// The product with this gid, if it exists and is active.
    pub(super) async fn product_live(&self, id: &str) -> Result<Option<LiveProduct>, ToolError> {
        let token = self.token().await?;
        #[derive(Deserialize)]
        struct Data {
            product: Option<LiveProduct>,
        }
        let data: Data = self
            .admin::<ProductLive, _>(&token, product_live::Variables { id: id.to_owned() })
            .await?;
        Ok(data.product.filter(LiveProduct::is_active))
    }

    /// The gid of the product a variant belongs to.
    pub(super) async fn product_of_variant(&self, id: &str) -> Result<Option<String>, ToolError> {
        let token = self.token().await?;
        let data = self
            .state
            .admin
            .query::<VariantProduct>(
                &self.context.shop,
                &token,
                variant_product::Variables { id: id.to_owned() },
            )
            .await
            .map_err(|e| ToolError::store("VariantProduct", e))?;
        Ok(data.product_variant.map(|v| v.product.id))
    }

    /// Units available per location for each of `ids` (variant gids). An untracked item has
    /// no meaningful count, so it gets none.
    pub(super) async fn stock_by_location(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<LocationStock>>, ToolError> {
        let mut stock = HashMap::new();
        if ids.is_empty() {
            return Ok(stock);
        }
        let token = self.token().await?;
        #[derive(Deserialize)]
        struct Data {
            nodes: Vec<Option<StockNode>>,
        }
        for batch in ids.chunks(STOCK_BATCH) {
            let data: Data = self
                .admin::<VariantStock, _>(
                    &token,
                    variant_stock::Variables {
                        ids: batch.to_vec(),
                    },
                )
                .await?;
            for node in data.nodes.into_iter().flatten() {
                let (Some(id), Some(item)) = (node.id, node.inventory_item) else {
                    continue;
                };
                if node.typename != "ProductVariant" || !item.tracked {
                    continue;
                }
                let levels = item
                    .inventory_levels
                    .nodes
                    .into_iter()
                    .map(|level| LocationStock {
                        location: level.location.name,
                        available: level
                            .quantities
                            .iter()
                            .find(|q| q.name == "available")
                            .map_or(0, |q| q.quantity),
                    })
                    .collect();
                stock.insert(id, levels);
            }
        }
        Ok(stock)
    }

    /// The order named `name` ("#1001"), if the shop has one by exactly that name.
    pub(super) async fn order_by_name(&self, name: &str) -> Result<Option<LiveOrder>, ToolError> {
        let token = self.token().await?;
        #[derive(Deserialize)]
        struct Data {
            orders: Nodes<LiveOrder>,
        }
        let data: Data = self
            .admin::<OrderByNumber, _>(
                &token,
                order_by_number::Variables {
                    query: format!("name:{name}"),
                },
            )
            .await?;
        // Search may match loosely; only the order of exactly that name answers.
        Ok(data
            .orders
            .nodes
            .into_iter()
            .find(|o| o.name.eq_ignore_ascii_case(name)))
    }
}
