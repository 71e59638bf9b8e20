//! `add_to_cart`: the one write: an offer to add a variant to the shopper's cart, which the widget
//! makes after asking. It runs only when the shopper's own message asked for it
//! ([`wants_cart`](crate::wants_cart), read into [`TurnContext::write_allowed`]): every
//! [`Risk::Write`] tool is refused before it runs otherwise.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::{live_product, product_named};
use crate::gid::{as_gid, gid_digits};
use crate::io::CartAction;
use crate::store::{LiveProduct, LiveVariant, StoreApi};
use crate::variants::{matching, variant_words_in};
use crate::{Risk, Shown, Tool, ToolError, TurnContext};

/// Most units one cart action may add.
const MAX_QUANTITY: u32 = 20;
/// Variant titles listed when the shopper must choose.
const CHOICES: usize = 12;

pub struct AddToCart;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddToCartArgs {
    /// A variant id (`gid://shopify/ProductVariant/…` or its digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// A product title or handle, with variant words ("Deckhand Tee M White").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}

impl Tool for AddToCart {
    const NAME: &'static str = "add_to_cart";
    const DESCRIPTION: &'static str =
        "Offer to add a product variant to the shopper's cart (the shopper's browser does it).";
    const RISK: Risk = Risk::Write;
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = AddToCartArgs;
    type Output = CartAction;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {
                "variant_id": {"type": "string"},
                "product": {"type": "string"},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 20}
            },
            "additionalProperties": false
        })
    }

    async fn run(
        args: AddToCartArgs,
        _context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<CartAction, ToolError> {
        let quantity = args.quantity.unwrap_or(1);
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(ToolError::Invalid(format!(
                "quantity must be between 1 and {MAX_QUANTITY}"
            )));
        }
        let (product, variant_id) = match (args.variant_id.as_deref(), args.product.as_deref()) {
            (Some(id), _) => {
                let not_found =
                    || ToolError::NotFound(format!("no product variant has the id {id}"));
                let id = as_gid("ProductVariant", id).ok_or_else(not_found)?;
                let product_id = store.product_of_variant(&id).await?.ok_or_else(not_found)?;
                let product = live_product(store, &product_id)
                    .await?
                    .ok_or_else(not_found)?;
                (product, id)
            }
            (None, Some(words)) => {
                let product = product_named(store, words).await?;
                let id = chosen_variant(&product, words)?.id.clone();
                (product, id)
            }
            (None, None) => {
                return Err(ToolError::Invalid(
                    "give variant_id, or product with the variant's words (\"Deckhand Tee M White\")"
                        .into(),
                ));
            }
        };
        let variant = product
            .variants
            .iter()
            .find(|v| v.id == variant_id)
            .ok_or_else(|| {
                ToolError::NotFound(format!("no product variant has the id {variant_id}"))
            })?;
        if !variant.available {
            return Err(ToolError::NotFound(format!(
                "{} ({}) is sold out; offer another variant or product",
                product.title, variant.title
            )));
        }
        Ok(CartAction {
            variant_id: gid_digits(&variant.id).unwrap_or_default().to_owned(),
            quantity,
            product_title: product.title.clone(),
            variant_title: if product.has_only_default_variant() {
                String::new()
            } else {
                variant.title.clone()
            },
            price: variant.price,
            currency: product.currency.clone(),
            available: variant.available,
        })
    }

    fn shown(output: &CartAction) -> Shown {
        Shown::Action(output.clone())
    }
}

/// The one variant `asked` (a product's name with variant words) means.
fn chosen_variant<'a>(product: &'a LiveProduct, asked: &str) -> Result<&'a LiveVariant, ToolError> {
    if let [only] = product.variants.as_slice() {
        return Ok(only);
    }
    let wanted = variant_words_in(product, asked);
    match matching(product, &wanted).as_slice() {
        [one] => Ok(one),
        [] => Err(ToolError::Invalid(format!(
            "which variant of {}? ask the shopper to choose: {}",
            product.title,
            choices(product.variants.iter())
        ))),
        several => Err(ToolError::Invalid(format!(
            "several variants of {} match; ask the shopper to choose: {}",
            product.title,
            choices(several.iter().copied())
        ))),
    }
}

fn choices<'a>(variants: impl Iterator<Item = &'a LiveVariant>) -> String {
    let mut listed: Vec<String> = variants
        .take(CHOICES + 1)
        .map(|v| {
            let sold_out = if v.available { "" } else { " (sold out)" };
            format!("{}{sold_out}", v.title)
        })
        .collect();
    if listed.len() > CHOICES {
        listed.truncate(CHOICES);
        listed.push("…".into());
    }
    listed.join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::fake::{FakeStore, context, product};

    fn store() -> FakeStore {
        let mut tee = product(
            "Deckhand Heavyweight Tee",
            &[&["M", "White"], &["M", "Black"], &["L", "White"]],
        );
        tee.variants[2].available = false;
        FakeStore::with_products(vec![tee, product("Canvas Wax", &[&["Default Title"]])])
    }

    async fn add(store: &FakeStore, args: Value) -> Result<CartAction, ToolError> {
        let ran = AddToCart::spec()
            .call(args, &context(None, true), store)
            .await?;
        assert_eq!(
            ran.shown,
            Shown::Action(serde_json::from_value(ran.content.clone()).unwrap())
        );
        Ok(serde_json::from_value(ran.content).unwrap())
    }

    #[tokio::test]
    async fn without_the_shoppers_ask_nothing_is_even_looked_up() {
        let store = store();
        let refused = AddToCart::spec()
            .call(
                json!({"product": "Deckhand Tee M White", "quantity": 5}),
                &context(Some("7001"), false),
                &store,
            )
            .await
            .unwrap_err();
        assert!(matches!(&refused, ToolError::Refused(m) if m.contains("has not asked")));
        // Not even arguments that would be refused anyway are read first.
        let refused = AddToCart::spec()
            .call(json!({"bogus": 1}), &context(None, false), &store)
            .await
            .unwrap_err();
        assert!(matches!(refused, ToolError::Refused(_)));
        assert!(store.calls().is_empty(), "{:?}", store.calls());
    }

    #[tokio::test]
    async fn the_variant_comes_from_the_shoppers_words_or_its_id() {
        let store = store();
        let action = add(
            &store,
            json!({"product": "Deckhand Tee M White", "quantity": 2}),
        )
        .await
        .unwrap();
        let tee = &store.products[0];
        assert_eq!(
            action,
            CartAction {
                variant_id: gid_digits(&tee.variants[0].id).unwrap().to_owned(),
                quantity: 2,
                product_title: "Deckhand Heavyweight Tee".into(),
                variant_title: "M / White".into(),
                price: 10.0,
                currency: "USD".into(),
                available: true,
            }
        );
        let digits = gid_digits(&tee.variants[1].id).unwrap();
        let by_id = add(&store, json!({"variant_id": digits})).await.unwrap();
        assert_eq!(
            (by_id.variant_title.as_str(), by_id.quantity),
            ("M / Black", 1)
        );
        // A product without options has no variant title to show.
        let wax = add(&store, json!({"product": "canvas wax"})).await.unwrap();
        assert_eq!(wax.variant_title, "");
    }

    #[tokio::test]
    async fn unclear_or_unavailable_variants_are_not_offered() {
        let store = store();
        let several = add(&store, json!({"product": "Deckhand Tee M"})).await;
        assert!(
            matches!(&several, Err(ToolError::Invalid(m)) if m.contains("M / White, M / Black")),
            "{several:?}"
        );
        let which = add(&store, json!({"product": "Deckhand Tee"})).await;
        assert!(
            matches!(&which, Err(ToolError::Invalid(m)) if m.contains("L / White (sold out)")),
            "{which:?}"
        );
        let sold_out = add(&store, json!({"product": "Deckhand Tee L White"})).await;
        assert!(
            matches!(&sold_out, Err(ToolError::NotFound(m)) if m.contains("sold out")),
            "{sold_out:?}"
        );
        let unknown = add(
            &store,
            json!({"variant_id": "gid://shopify/ProductVariant/1"}),
        )
        .await;
        assert!(matches!(unknown, Err(ToolError::NotFound(_))));
        let too_many = add(&store, json!({"product": "canvas wax", "quantity": 21})).await;
        assert!(matches!(too_many, Err(ToolError::Invalid(_))));
        let nothing = add(&store, json!({})).await;
        assert!(matches!(nothing, Err(ToolError::Invalid(_))));
    }
}
