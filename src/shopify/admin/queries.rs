//! The Admin GraphQL operations Concierge sends, typed by graphql_client from the vendored
//! 2026-10 schema (`graphql/shopify/`): a query the real API would reject does not build.

#![allow(clippy::upper_case_acronyms)]

use graphql_client::GraphQLQuery;

// Custom scalars, as the Admin API serialises them.
type URL = String;
type DateTime = String;
type Money = String;
type UnsignedInt64 = String;
type HTML = String;
type Decimal = String;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/reference-queries/ProductsWithVariants.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ProductsWithVariants;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/reference-queries/RunBulkQuery.graphql",
    response_derives = "Debug, Clone"
)]
pub struct RunBulkQuery;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/reference-queries/BulkById.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct BulkById;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ProductsPage.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ProductsPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ProductForIndex.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct ProductForIndex;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/InventoryItemProduct.graphql",
    response_derives = "Debug, Clone"
)]
pub struct InventoryItemProduct;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ContentPages.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ContentPages;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ContentArticles.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ContentArticles;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/reference-queries/ShopPolicies.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ShopPolicies;

/// Whether the shop's token still works (`jobs::ProcessWebhook` asks before acting on an
/// uninstall or a shop's erasure).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ShopIdentity.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ShopIdentity;

// ---- the chat tools' live look-ups (`chat::host`) ---------------------------------------

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ProductsLive.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct ProductsLive;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ProductLive.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct ProductLive;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/VariantProduct.graphql",
    response_derives = "Debug, Clone"
)]
pub struct VariantProduct;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/VariantStock.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct VariantStock;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/OrderByNumber.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct OrderByNumber;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ShopName.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ShopName;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/ShopEmail.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct ShopEmail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/PlaygroundCustomers.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PlaygroundCustomers;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/CustomerOrders.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct CustomerOrders;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/admin-2026-10.graphql",
    query_path = "graphql/shopify/queries/InboxCustomer.graphql",
    response_derives = "Debug, Clone, Serialize"
)]
pub struct InboxCustomer;
