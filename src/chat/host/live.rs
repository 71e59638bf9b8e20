//! Live look-ups in the Admin API, read into the tools' plain types (`tools::store`).
//!
//! The operations are typed by graphql_client (so a query the real API would reject does not
//! build); their answers are read back through serde into the views below, so that the
//! product, whichever query it came from, is one type with one way to become a
//! [`LiveProduct`](store::LiveProduct).

use std::collections::HashMap;

use graphql_client::GraphQLQuery;
use secrecy::SecretString;
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tools::StoreError;
use tools::io::{LocationStock, ProductOption, Tracking};
use tools::store;

use super::note::shareable_note;
use super::{StoreTools, unreachable};
use crate::shopify::ShopDomain;
use crate::shopify::admin::queries::{
    CustomerOrders, OrderByNumber, ProductLive, ProductsLive, ShopEmail, VariantProduct,
    VariantStock, customer_orders, order_by_number, product_live, products_live, shop_email,
    variant_product, variant_stock,
};

/// Variants read beyond the index's count, for those added since it last heard.
const UNINDEXED_VARIANTS: i64 = 10;
/// The most a connection may return in one page.
const MAX_VARIANTS: i64 = 250;

/// Variants whose stock one `VariantStock` call reads: ten ids with ten levels each stay
/// well under a query's cost limit.
const STOCK_BATCH: usize = 10;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiveProduct {
    id: String,
    title: String,
    handle: String,
    status: String,
    online_store_url: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    product_type: Option<String>,
    featured_image: Option<Image>,
    pub price_range_v2: PriceRange,
    #[serde(default)]
    options: Vec<LiveOption>,
    variants: Nodes<LiveVariant>,
}

#[derive(Debug, Clone, Deserialize)]
struct Image {
    url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PriceRange {
    min_variant_price: Money,
    max_variant_price: Money,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Money {
    amount: String,
    currency_code: String,
}

#[derive(Debug, Clone, Deserialize)]
struct LiveOption {
    name: String,
    values: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Nodes<T> {
    nodes: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiveVariant {
    id: String,
    #[serde(default)]
    title: String,
    price: String,
    #[serde(default)]
    compare_at_price: Option<String>,
    available_for_sale: bool,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    selected_options: Vec<SelectedOption>,
}

#[derive(Debug, Clone, Deserialize)]
struct SelectedOption {
    value: String,
}

/// A Money or Decimal scalar as a number (0 if Shopify ever sent something else).
fn amount(text: &str) -> f64 {
    text.trim().parse().unwrap_or(0.0)
}

impl LiveProduct {
    fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }

    fn into_store(self, shop: &ShopDomain) -> store::LiveProduct {
        store::LiveProduct {
            active: self.is_active(),
            // The storefront URL on the shop's primary domain when the product is on the
            // online store; the myshopify domain redirects there otherwise.
            url: self
                .online_store_url
                .unwrap_or_else(|| format!("https://{}/products/{}", shop.as_str(), self.handle)),
            id: self.id,
            title: self.title,
            handle: self.handle,
            description: self.description,
            vendor: self.vendor,
            product_type: self.product_type,
            image: self.featured_image.map(|i| i.url),
            price_min: amount(&self.price_range_v2.min_variant_price.amount),
            price_max: amount(&self.price_range_v2.max_variant_price.amount),
            currency: self.price_range_v2.min_variant_price.currency_code,
            options: self
                .options
                .into_iter()
                .map(|o| ProductOption {
                    name: o.name,
                    values: o.values,
                })
                .collect(),
            variants: self
                .variants
                .nodes
                .into_iter()
                .map(|v| store::LiveVariant {
                    price: amount(&v.price),
                    compare_at_price: v.compare_at_price.as_deref().map(amount),
                    id: v.id,
                    title: v.title,
                    available: v.available_for_sale,
                    sku: v.sku,
                    options: v.selected_options.into_iter().map(|o| o.value).collect(),
                })
                .collect(),
        }
    }
}

/// An order as the tool reads it: what a shopper may be told, and what the access rule needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiveOrder {
    name: String,
    created_at: String,
    email: Option<String>,
    customer: Option<Customer>,
    display_financial_status: Option<String>,
    display_fulfillment_status: String,
    cancelled_at: Option<String>,
    cancel_reason: Option<String>,
    note: Option<String>,
    current_total_price_set: MoneyBag,
    status_page_url: Option<String>,
    line_items: Nodes<LiveLine>,
    #[serde(default)]
    fulfillments: Vec<LiveFulfillment>,
}

#[derive(Debug, Clone, Deserialize)]
struct Customer {
    id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyBag {
    shop_money: Money,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiveLine {
    title: String,
    variant_title: Option<String>,
    quantity: i64,
    #[serde(default)]
    current_quantity: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiveFulfillment {
    status: String,
    display_status: Option<String>,
    estimated_delivery_at: Option<String>,
    delivered_at: Option<String>,
    #[serde(default)]
    tracking_info: Vec<LiveTracking>,
    fulfillment_line_items: Nodes<LiveFulfillmentLine>,
}

#[derive(Debug, Clone, Deserialize)]
struct LiveTracking {
    number: Option<String>,
    url: Option<String>,
    company: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiveFulfillmentLine {
    quantity: Option<i64>,
    line_item: LiveLineTitle,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiveLineTitle {
    title: String,
    variant_title: Option<String>,
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

impl LiveOrder {
    fn into_store(self) -> store::LiveOrder {
        let line = |l: LiveLine| store::LiveLine {
            title: l.title,
            variant_title: l.variant_title,
            quantity: l.quantity,
            current_quantity: l.current_quantity,
        };
        store::LiveOrder {
            name: self.name,
            created_at: self.created_at,
            email: self.email,
            customer_id: self.customer.map(|c| c.id),
            financial_status: self.display_financial_status,
            fulfillment_status: self.display_fulfillment_status,
            cancelled_at: self.cancelled_at,
            cancel_reason: self.cancel_reason,
            note: self.note.and_then(|note| shareable_note(&note)),
            total: self.current_total_price_set.shop_money.amount,
            currency: self.current_total_price_set.shop_money.currency_code,
            status_url: self.status_page_url,
            lines: self.line_items.nodes.into_iter().map(line).collect(),
            fulfillments: self
                .fulfillments
                .into_iter()
                .map(|f| store::LiveFulfillment {
                    status: f.status,
                    display_status: f.display_status,
                    estimated_delivery: f.estimated_delivery_at,
                    delivered_at: f.delivered_at,
                    tracking: f
                        .tracking_info
                        .into_iter()
                        .map(|t| Tracking {
                            number: t.number,
                            url: t.url,
                            company: t.company,
                        })
                        .collect(),
                    lines: f
                        .fulfillment_line_items
                        .nodes
                        .into_iter()
                        .map(|l| store::LiveLine {
                            title: l.line_item.title,
                            variant_title: l.line_item.variant_title,
                            quantity: l.quantity.unwrap_or(0),
                            current_quantity: None,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl StoreTools {
    /// An access token for the shop (refreshed when about to expire).
    async fn token(&self) -> Result<SecretString, StoreError> {
        self.state
            .access_token(&self.shop)
            .await
            .map_err(|e| unreachable("access token", e))
    }

    /// Runs `Q` and reads its data as `T`.
    async fn admin<Q, T>(
        &self,
        token: &SecretString,
        variables: Q::Variables,
    ) -> Result<T, StoreError>
    where
        Q: GraphQLQuery,
        Q::ResponseData: DeserializeOwned + Serialize,
        T: DeserializeOwned,
    {
        let data = self
            .state
            .admin
            .query::<Q>(&self.shop, token, variables)
            .await
            .map_err(|e| unreachable(std::any::type_name::<Q>(), e))?;
        serde_json::to_value(data)
            .and_then(serde_json::from_value)
            .map_err(|e| unreachable(std::any::type_name::<Q>(), e))
    }

    /// The products among `ids` that exist, in the order given.
    pub(super) async fn products_live(
        &self,
        ids: &[String],
    ) -> Result<Vec<store::LiveProduct>, StoreError> {
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
            .map(|p| p.into_store(&self.shop))
            .collect())
    }

    /// The product with this gid, if it exists.
    pub(super) async fn product_live(
        &self,
        id: &str,
    ) -> Result<Option<store::LiveProduct>, StoreError> {
        let token = self.token().await?;
        #[derive(Deserialize)]
        struct Data {
            product: Option<LiveProduct>,
        }
        let variables = product_live::Variables {
            id: id.to_owned(),
            variants: self.variants_to_read(id).await,
        };
        let data: Data = self.admin::<ProductLive, _>(&token, variables).await?;
        Ok(data.product.map(|p| p.into_store(&self.shop)))
    }

    /// How many variants to ask Shopify for: the index's count and a few more (variants
    /// added since the index last heard of the product are still read), or 100 when the
    /// index does not know. A connection costs what it may return, so this is most of the
    /// query's cost and of how many look-ups a shop's bucket pays for.
    async fn variants_to_read(&self, id: &str) -> i64 {
        let indexed = sqlx::query_scalar!(
            "SELECT (fields ->> 'variant_count')::bigint FROM documents
             WHERE shop_id = $1 AND kind = 'product' AND external_id = $2",
            self.shop_id(),
            id,
        )
        .fetch_optional(&self.state.db)
        .await;
        match indexed {
            Ok(Some(Some(count))) => (count + UNINDEXED_VARIANTS).clamp(1, MAX_VARIANTS),
            _ => 100,
        }
    }

    /// The gid of the product a variant belongs to.
    pub(super) async fn variant_product(&self, id: &str) -> Result<Option<String>, StoreError> {
        let token = self.token().await?;
        let data = self
            .state
            .admin
            .query::<VariantProduct>(
                &self.shop,
                &token,
                variant_product::Variables { id: id.to_owned() },
            )
            .await
            .map_err(|e| unreachable("VariantProduct", e))?;
        Ok(data.product_variant.map(|v| v.product.id))
    }

    /// Units available per location for each of `ids` (variant gids). An untracked item has
    /// no meaningful count, so it gets none.
    pub(super) async fn stock_by_location(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<LocationStock>>, StoreError> {
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

    /// The names of customer `customer_id`'s newest orders (at most `limit`), newest first.
    pub(super) async fn orders_of_customer(
        &self,
        customer_id: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let token = self.token().await?;
        #[derive(Deserialize)]
        struct Name {
            name: String,
        }
        #[derive(Deserialize)]
        struct Customer {
            orders: Nodes<Name>,
        }
        #[derive(Deserialize)]
        struct Data {
            customer: Option<Customer>,
        }
        let data: Data = self
            .admin::<CustomerOrders, _>(
                &token,
                customer_orders::Variables {
                    id: format!("gid://shopify/Customer/{customer_id}"),
                    first: i64::try_from(limit).unwrap_or(i64::MAX),
                },
            )
            .await?;
        Ok(data
            .customer
            .map(|c| c.orders.nodes.into_iter().map(|o| o.name).collect())
            .unwrap_or_default())
    }

    /// The shop's email (the Admin API's `shop.email`), where the team is told of a handoff
    /// nobody is there to take; `None` (logged) when Shopify cannot say now.
    pub(super) async fn team_email(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Shop {
            email: String,
        }
        #[derive(Deserialize)]
        struct Data {
            shop: Shop,
        }
        let token = self.token().await.ok()?;
        let data: Data = self
            .admin::<ShopEmail, _>(&token, shop_email::Variables)
            .await
            .ok()?;
        Some(data.shop.email).filter(|e| !e.trim().is_empty())
    }

    /// The order named `name` ("#1001"), if the shop has one by exactly that name.
    pub(super) async fn order_by_name(
        &self,
        name: &str,
    ) -> Result<Option<store::LiveOrder>, StoreError> {
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
            .find(|o| o.name.eq_ignore_ascii_case(name))
            .map(LiveOrder::into_store))
    }
}
