//! Whether a webhook's body is what its topic and shop headers say it is.
//!
//! Shopify signs only the body: the topic and the shop domain are unsigned headers. A body
//! captured from one delivery could otherwise be sent again under another topic and another
//! shop's domain (a `products/update` of shop A re-sent as `app/uninstalled` of shop B). So
//! every body is checked against its headers before it is stored: a body naming a shop (the
//! shop object of `app/uninstalled` and `shop/update`, the compliance topics' `shop_domain`)
//! must name the header's shop, and every body must have its topic's shape — a product's gid
//! for `products/*`, an inventory item for `inventory_levels/update`, a customer for the
//! customer topics, and none of the other compliance topics' keys for `shop/redact`, so that
//! no other signed body can pass as the one that erases a shop. What this cannot tell (a
//! shop's own earlier body re-sent) the worker settles with the Admin API before an
//! irreversible effect (`crate::jobs::ProcessWebhook`).

use serde_json::{Map, Value};

use super::ShopDomain;
use super::topic::WebhookTopic;

/// How a body disagrees with its headers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("a {topic} body has no {field}")]
    Missing {
        topic: &'static str,
        field: &'static str,
    },
    #[error("a {topic} body cannot hold {field}")]
    Foreign {
        topic: &'static str,
        field: &'static str,
    },
    #[error("a {topic} body holds more than its topic sends")]
    Extra { topic: &'static str },
    #[error("the body's {field} is not the shop in X-Shopify-Shop-Domain")]
    OtherShop { field: &'static str },
    #[error("a {topic} body's {field} is not a {kind}")]
    Kind {
        topic: &'static str,
        field: &'static str,
        kind: &'static str,
    },
}

/// Checks `payload` (a JSON object) against the delivery's `topic` and `shop`.
pub fn check(topic: WebhookTopic, shop: &ShopDomain, payload: &Value) -> Result<(), Mismatch> {
    let Some(body) = payload.as_object() else {
        return Err(Mismatch::Missing {
            topic: topic.as_str(),
            field: "object",
        });
    };
    let body = Body {
        topic: topic.as_str(),
        fields: body,
    };
    match topic {
        WebhookTopic::AppUninstalled | WebhookTopic::ShopUpdate => body.names_shop_object(shop),
        WebhookTopic::ShopRedact => {
            body.names_shop(shop)?;
            body.lacks(&[
                "customer",
                "orders_to_redact",
                "orders_requested",
                "data_request",
            ])
        }
        WebhookTopic::CustomersRedact => {
            body.names_shop(shop)?;
            body.object("customer")?;
            body.lacks(&["orders_requested", "data_request"])
        }
        WebhookTopic::CustomersDataRequest => {
            body.names_shop(shop)?;
            body.object("customer")?;
            body.object("data_request")?;
            body.lacks(&["orders_to_redact"])
        }
        WebhookTopic::ProductsCreate | WebhookTopic::ProductsUpdate => body.resource("Product"),
        WebhookTopic::ProductsDelete => {
            // Shopify sends only the id of a deleted product: any other key is another body's.
            body.number("id")?;
            body.only(&["id"])
        }
        WebhookTopic::InventoryLevelsUpdate => {
            body.number("inventory_item_id")?;
            body.number("location_id")?;
            body.gid_if_present("InventoryLevel")
        }
        WebhookTopic::CollectionsCreate | WebhookTopic::CollectionsUpdate => {
            body.resource("Collection")
        }
        WebhookTopic::CollectionsDelete => {
            body.number("id")?;
            body.gid_if_present("Collection")
        }
        WebhookTopic::BulkOperationsFinish => {
            body.gid("BulkOperation")?;
            body.text("status").map(|_| ())
        }
    }
}

/// A body being checked, with its topic's name for the messages.
struct Body<'a> {
    topic: &'static str,
    fields: &'a Map<String, Value>,
}

impl Body<'_> {
    fn field(&self, field: &'static str) -> Result<&Value, Mismatch> {
        self.fields
            .get(field)
            .filter(|v| !v.is_null())
            .ok_or(Mismatch::Missing {
                topic: self.topic,
                field,
            })
    }

    fn kind(&self, field: &'static str, kind: &'static str) -> Mismatch {
        Mismatch::Kind {
            topic: self.topic,
            field,
            kind,
        }
    }

    fn number(&self, field: &'static str) -> Result<u64, Mismatch> {
        self.field(field)?
            .as_u64()
            .ok_or_else(|| self.kind(field, "number"))
    }

    fn text(&self, field: &'static str) -> Result<&str, Mismatch> {
        self.field(field)?
            .as_str()
            .ok_or_else(|| self.kind(field, "string"))
    }

    fn object(&self, field: &'static str) -> Result<(), Mismatch> {
        self.field(field)?
            .as_object()
            .map(|_| ())
            .ok_or_else(|| self.kind(field, "object"))
    }

    fn lacks(&self, fields: &[&'static str]) -> Result<(), Mismatch> {
        match fields.iter().find(|f| self.fields.contains_key(**f)) {
            Some(field) => Err(Mismatch::Foreign {
                topic: self.topic,
                field,
            }),
            None => Ok(()),
        }
    }

    fn only(&self, allowed: &[&'static str]) -> Result<(), Mismatch> {
        match self.fields.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(_) => Err(Mismatch::Extra { topic: self.topic }),
            None => Ok(()),
        }
    }

    /// `admin_graphql_api_id` is a `gid://shopify/{kind}/…`; its number.
    fn gid(&self, kind: &'static str) -> Result<&str, Mismatch> {
        const FIELD: &str = "admin_graphql_api_id";
        let gid = self.text(FIELD)?;
        gid.strip_prefix("gid://shopify/")
            .and_then(|rest| rest.strip_prefix(kind))
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|number| !number.is_empty())
            .ok_or_else(|| self.kind(FIELD, kind))
    }

    fn gid_if_present(&self, kind: &'static str) -> Result<(), Mismatch> {
        if self.fields.contains_key("admin_graphql_api_id") {
            self.gid(kind)?;
        }
        Ok(())
    }

    /// A REST resource: a numeric `id` and the gid of the same `kind` and number.
    fn resource(&self, kind: &'static str) -> Result<(), Mismatch> {
        let id = self.number("id")?;
        let gid = self.gid(kind)?;
        if gid.split(['?', '/']).next() == Some(id.to_string().as_str()) {
            Ok(())
        } else {
            Err(self.kind("admin_graphql_api_id", "gid of the body's id"))
        }
    }

    /// The compliance topics' `shop_domain` and `shop_id`.
    fn names_shop(&self, shop: &ShopDomain) -> Result<(), Mismatch> {
        self.number("shop_id")?;
        self.same_shop("shop_domain", shop)
    }

    /// The shop object (`app/uninstalled`, `shop/update`): its `myshopify_domain`, or its
    /// `domain` when Shopify leaves the other out; a numeric `id` if it has one.
    fn names_shop_object(&self, shop: &ShopDomain) -> Result<(), Mismatch> {
        if self.fields.contains_key("id") {
            self.number("id")?;
        }
        if self.fields.contains_key("myshopify_domain") {
            self.same_shop("myshopify_domain", shop)
        } else {
            self.same_shop("domain", shop)
        }
    }

    fn same_shop(&self, field: &'static str, shop: &ShopDomain) -> Result<(), Mismatch> {
        let named = self.text(field)?;
        if named.eq_ignore_ascii_case(shop.as_str()) {
            Ok(())
        } else {
            Err(Mismatch::OtherShop { field })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SHOP: &str = "a-shop.myshopify.com";

    fn check_as(topic: &str, payload: Value) -> Result<(), Mismatch> {
        let topic = WebhookTopic::parse(topic).expect("a topic");
        check(topic, &ShopDomain::parse(SHOP).expect("a shop"), &payload)
    }

    fn product() -> Value {
        json!({"id": 81, "admin_graphql_api_id": "gid://shopify/Product/81", "title": "Tarp",
               "variants": []})
    }

    #[test]
    fn each_topic_accepts_its_own_shape() {
        let shop = json!({"id": 1, "domain": "shop.example.com", "myshopify_domain": SHOP});
        let cases = [
            ("app/uninstalled", shop.clone()),
            ("app/uninstalled", json!({"domain": SHOP})),
            ("shop/update", shop),
            ("shop/redact", json!({"shop_id": 1, "shop_domain": SHOP})),
            (
                "customers/redact",
                json!({"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 7},
                       "orders_to_redact": [1]}),
            ),
            (
                "customers/data_request",
                json!({"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 7},
                       "data_request": {"id": 9}, "orders_requested": []}),
            ),
            ("products/update", product()),
            ("products/create", product()),
            ("products/delete", json!({"id": 81})),
            (
                "inventory_levels/update",
                json!({"inventory_item_id": 5, "location_id": 6, "available": 1,
                       "admin_graphql_api_id": "gid://shopify/InventoryLevel/6?inventory_item_id=5"}),
            ),
            (
                "collections/update",
                json!({"id": 3, "admin_graphql_api_id": "gid://shopify/Collection/3"}),
            ),
            ("collections/delete", json!({"id": 3})),
            (
                "bulk_operations/finish",
                json!({"admin_graphql_api_id": "gid://shopify/BulkOperation/4", "status": "completed"}),
            ),
        ];
        for (topic, payload) in cases {
            assert_eq!(
                check_as(topic, payload.clone()),
                Ok(()),
                "{topic}: {payload}"
            );
        }
    }

    #[test]
    fn a_body_under_another_topic_or_shop_is_refused() {
        let redact = json!({"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 7}});
        let request = json!({"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 7}, "data_request": {"id": 9}});
        let cases = [
            ("app/uninstalled", product()),
            ("app/uninstalled", json!({"domain": "b-shop.myshopify.com"})),
            (
                "app/uninstalled",
                json!({"domain": SHOP, "myshopify_domain": "b-shop.myshopify.com"}),
            ),
            ("shop/redact", product()),
            ("shop/redact", redact.clone()),
            ("shop/redact", request.clone()),
            (
                "shop/redact",
                json!({"shop_id": 1, "shop_domain": "b-shop.myshopify.com"}),
            ),
            ("shop/redact", json!({"shop_domain": SHOP})),
            ("customers/redact", request),
            (
                "customers/redact",
                json!({"shop_id": 1, "shop_domain": SHOP}),
            ),
            ("customers/data_request", redact),
            ("products/update", json!({"id": 81})),
            (
                "products/update",
                json!({"id": 82, "admin_graphql_api_id": "gid://shopify/Product/81"}),
            ),
            (
                "products/update",
                json!({"id": 3, "admin_graphql_api_id": "gid://shopify/Collection/3"}),
            ),
            ("products/delete", product()),
            ("inventory_levels/update", product()),
            ("collections/update", product()),
            ("bulk_operations/finish", product()),
            ("shop/update", json!({"shop_id": 1, "shop_domain": SHOP})),
        ];
        for (topic, payload) in cases {
            assert!(
                check_as(topic, payload.clone()).is_err(),
                "{topic}: {payload}"
            );
        }
    }
}
