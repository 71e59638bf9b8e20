//! The store adapter: the `tools` crate's [`StoreApi`] over live store data, for one turn.
//!
//! [`StoreTools`] is the chat engine's [`ToolRunner`]. It is made for one turn, for one shop
//! and one conversation, with the [`TurnContext`] the engine builds from verified sources only
//! (the app proxy's signature, the visitor token, the conversation row, the shopper's own
//! message). Nothing the model writes can change any of it; the tools' argument types have no
//! field for it.
//!
//! What each tool decides and answers is the tool's own (`tools/src/<tool>.rs`); here is only
//! how the store is read and written: Admin GraphQL (`live.rs`: prices, stock and status at
//! the time of the call, never from the search index alone), the knowledge index and our
//! tables (`index.rs`), the conversation's counters and the handoff (`conversation.rs`), the
//! one-time codes of anonymous order look-ups (`codes.rs`).
//! A tool call goes one way for every tool ([`tools::ToolSpec::call`]); its answer is the
//! JSON the model reads, with what the shopper is shown ([`tools::Shown`]) attached for the
//! engine. A failure becomes a short [`ToolOutput::error`] the model can act on; nothing here
//! panics, and failures of Shopify or the database are logged once, without secrets.

mod codes;
mod conversation;
mod index;
mod live;
mod note;

use std::collections::HashMap;
use std::fmt::Display;

use serde_json::Value;
use tools::io::LocationStock;
use tools::store::{
    CatalogQuery, KnowledgeHit, KnowledgeQuery, LiveOrder, LiveProduct, NamedProduct, ProductName,
    ProofClaim, ToolSettings,
};
use tools::{Ran, StoreApi, StoreError, StoreFuture, ToolError, TurnContext};
use uuid::Uuid;

use super::Services;
use crate::shopify::ShopDomain;
use llm::{Payload, ToolFuture, ToolOutput, ToolRunner};

pub use conversation::AGENTS_CHANNEL;

/// Runs the tools of the `tools` crate for one turn, over the shop's live data.
#[derive(Clone)]
pub struct StoreTools {
    state: Services,
    shop: ShopDomain,
    conversation_id: Uuid,
    context: TurnContext,
}

impl StoreTools {
    /// For the turn of `context` in `shop`'s conversation `conversation_id` (all verified).
    pub fn new(
        state: Services,
        shop: ShopDomain,
        conversation_id: Uuid,
        context: TurnContext,
    ) -> Self {
        Self {
            state,
            shop,
            conversation_id,
            context,
        }
    }

    fn shop_id(&self) -> i64 {
        self.context.shopper.shop_id
    }

    #[tracing::instrument(skip_all, fields(shop = %self.shop, tool = name))]
    async fn dispatch(&self, name: &str, arguments: Value) -> ToolOutput {
        let Some(spec) = tools::spec(name) else {
            return ToolOutput::error(format!("there is no tool named {name}"));
        };
        output(spec.call(arguments, &self.context, self).await)
    }
}

/// A call's result as the model reads it (every failure as [`ToolOutput::error`], its
/// message written by the tool), with what the shopper is shown attached for the engine.
fn output(result: Result<Ran, ToolError>) -> ToolOutput {
    match result {
        Ok(ran) => ToolOutput::ok(ran.content).with_payload(Payload::new(ran.shown)),
        Err(error) => ToolOutput::error(error.to_string()),
    }
}

impl ToolRunner for StoreTools {
    fn run<'a>(&'a self, name: &'a str, arguments: Value) -> ToolFuture<'a> {
        Box::pin(self.dispatch(name, arguments))
    }
}

impl StoreApi for StoreTools {
    fn search_catalog<'a>(&'a self, query: &'a CatalogQuery) -> StoreFuture<'a, Vec<String>> {
        Box::pin(self.catalog_search(query))
    }

    fn products<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, Vec<LiveProduct>> {
        Box::pin(self.products_live(ids))
    }

    fn product<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<LiveProduct>> {
        Box::pin(self.product_live(id))
    }

    fn product_of_variant<'a>(&'a self, variant_id: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(self.variant_product(variant_id))
    }

    fn products_named<'a>(&'a self, name: &'a ProductName) -> StoreFuture<'a, Vec<NamedProduct>> {
        Box::pin(self.named(name))
    }

    fn stock<'a>(
        &'a self,
        variant_ids: &'a [String],
    ) -> StoreFuture<'a, HashMap<String, Vec<LocationStock>>> {
        Box::pin(self.stock_by_location(variant_ids))
    }

    fn order<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<LiveOrder>> {
        Box::pin(self.order_by_name(name))
    }

    fn customer_orders<'a>(
        &'a self,
        customer_id: &'a str,
        limit: usize,
    ) -> StoreFuture<'a, Vec<String>> {
        Box::pin(self.orders_of_customer(customer_id, limit))
    }

    fn verification_failures(&self) -> StoreFuture<'_, u32> {
        Box::pin(self.failures())
    }

    fn spend_attempt<'a>(
        &'a self,
        max: u32,
        claim: &'a ProofClaim<'a>,
    ) -> StoreFuture<'a, Option<u32>> {
        Box::pin(self.spend(max, claim))
    }

    fn refund_attempt<'a>(&'a self, claim: &'a ProofClaim<'a>) -> StoreFuture<'a, ()> {
        Box::pin(self.refund(claim))
    }

    fn send_code<'a>(&'a self, order_number: &'a str, email: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.mail_code(order_number, email))
    }

    fn check_code<'a>(
        &'a self,
        order_number: &'a str,
        code: &'a str,
    ) -> StoreFuture<'a, tools::CodeCheck> {
        Box::pin(self.verify_code(order_number, code))
    }

    fn search_knowledge<'a>(
        &'a self,
        query: &'a KnowledgeQuery,
    ) -> StoreFuture<'a, Vec<KnowledgeHit>> {
        Box::pin(self.passages(query))
    }

    fn hand_off<'a>(
        &'a self,
        reason: &'a str,
        email: Option<&'a str>,
    ) -> StoreFuture<'a, Option<String>> {
        Box::pin(self.handoff(reason, email))
    }

    fn settings(&self) -> StoreFuture<'_, ToolSettings> {
        Box::pin(self.tool_settings())
    }
}

/// Logs a failure to reach Shopify (what failed, never the token); the model is told only to
/// try again.
fn unreachable(what: &str, error: impl Display) -> StoreError {
    tracing::warn!(what, error = %error, "tool could not reach the store");
    StoreError::Unreachable
}

/// Logs a failure of our own database or search.
fn internal(what: &str, error: impl Display) -> StoreError {
    tracing::error!(what, error = %error, "tool failed");
    StoreError::Internal
}

fn db(error: sqlx::Error) -> StoreError {
    internal("database", error)
}

#[cfg(test)]
mod tests {
    use tools::Shown;

    use super::*;

    #[test]
    fn failures_are_errors_the_model_reads_and_results_carry_what_is_shown() {
        let bad = output(Err(ToolError::Invalid(
            "invalid arguments: unknown field `customer_id`".into(),
        )));
        assert!(bad.is_error);
        assert_eq!(bad.outcome, llm::ToolOutcome::Error);
        let message = bad.content["error"].as_str().unwrap_or_default();
        assert!(message.contains("customer_id"), "{message}");
        let down = output(Err(ToolError::Unreachable));
        assert_eq!(
            down.content["error"],
            "the store could not be reached; try again"
        );

        let shown = Shown::Sources(Vec::new());
        let ok = output(Ok(Ran {
            content: serde_json::json!({"passages": []}),
            shown: shown.clone(),
        }));
        assert!(!ok.is_error);
        assert_eq!(
            ok.payload.as_ref().and_then(|p| p.get::<Shown>()),
            Some(&shown)
        );
    }
}
