//! The tool host: runs the model's tool calls against live store data, for a verified shopper.
//!
//! [`StoreTools`] is the chat engine's [`ToolRunner`]. It is made for one turn, with a
//! [`TurnContext`] the engine builds from verified sources only (the app proxy's signature,
//! the visitor token, the conversation row): which shop, which logged-in customer, which
//! conversation, and whether the shopper's own message asked for a cart action. Nothing the
//! model writes can change any of it; the tools' argument types have no field for it.
//!
//! Every answer is one of the `tools::io` output types serialised, so that the local responder
//! can read it back. Prices, stock and status come from the Admin API at the time of the call,
//! never from the search index alone: the index finds candidates, Shopify says what is true.
//! A failure becomes a short [`ToolOutput::error`] the model can act on; nothing here panics,
//! and failures of Shopify or the database are logged once, without secrets.

mod handoff;
mod knowledge;
mod live;
mod orders;
mod products;
mod variants;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Services;
use crate::shopify::ShopDomain;
use llm::{ToolFuture, ToolOutput, ToolRunner};

pub use handoff::AGENTS_CHANNEL;

/// Who is asking and where, for one turn: built by the chat engine from verified sources.
#[derive(Debug, Clone)]
pub struct TurnContext {
    pub shop: ShopDomain,
    /// `shop_id`, the customer id the app proxy vouched for (digits), and the failures the
    /// engine last saw (the order tool reads the authoritative count from the database).
    pub shopper: tools::Shopper,
    pub conversation_id: uuid::Uuid,
    /// The engine's check that the shopper's own message asked for a cart action: without
    /// it, `add_to_cart` refuses whatever the model was talked into.
    pub write_allowed: bool,
}

/// Runs the seven tools of the `tools` crate for one turn.
#[derive(Clone)]
pub struct StoreTools {
    state: Services,
    context: TurnContext,
}

impl StoreTools {
    pub fn new(state: Services, context: TurnContext) -> Self {
        Self { state, context }
    }

    pub fn context(&self) -> &TurnContext {
        &self.context
    }

    fn shop_id(&self) -> i64 {
        self.context.shopper.shop_id
    }

    #[tracing::instrument(skip_all, fields(shop = %self.context.shop, tool = name))]
    async fn dispatch(&self, name: &str, arguments: Value) -> ToolOutput {
        match self.call(name, arguments).await {
            Ok(content) => ToolOutput::ok(content),
            Err(error) => error.into(),
        }
    }

    async fn call(&self, name: &str, arguments: Value) -> Result<Value, ToolError> {
        match name {
            tools::SEARCH_PRODUCTS => self.search_products(parse(arguments)?).await,
            tools::GET_PRODUCT => self.get_product(parse(arguments)?).await,
            tools::CHECK_INVENTORY => self.check_inventory(parse(arguments)?).await,
            tools::GET_ORDER_STATUS => self.get_order_status(parse(arguments)?).await,
            tools::SEARCH_KNOWLEDGE => self.search_knowledge(parse(arguments)?).await,
            // Refused before anything else: a write the shopper did not ask for is not even
            // looked up.
            tools::ADD_TO_CART if !self.context.write_allowed => Err(ToolError::Refused(
                "refused: the shopper has not asked to add anything to their cart; offer it \
                 and let them ask"
                    .into(),
            )),
            tools::ADD_TO_CART => self.add_to_cart(parse(arguments)?).await,
            tools::HANDOFF_TO_HUMAN => self.handoff(parse(arguments)?).await,
            other => Err(ToolError::Invalid(format!(
                "there is no tool named {other}"
            ))),
        }
    }
}

impl ToolRunner for StoreTools {
    fn run<'a>(&'a self, name: &'a str, arguments: Value) -> ToolFuture<'a> {
        Box::pin(self.dispatch(name, arguments))
    }
}

/// Why a call failed, as the model will read it.
#[derive(Debug)]
enum ToolError {
    /// The call may not be made (no write permission).
    Refused(String),
    /// The arguments are unusable; the message says how to fix them.
    Invalid(String),
    /// Nothing matches what was asked.
    NotFound(String),
    /// Shopify could not be reached or answered unusably (already logged).
    Store,
    /// Our own database or search failed (already logged).
    Internal,
}

impl ToolError {
    /// Logs a failure to reach Shopify (what failed, never the token) and hides it from the
    /// model behind one retryable message.
    fn store(what: &str, error: impl std::fmt::Display) -> Self {
        tracing::warn!(what, error = %error, "tool could not reach the store");
        Self::Store
    }

    fn internal(what: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(what, error = %error, "tool failed");
        Self::Internal
    }
}

impl From<sqlx::Error> for ToolError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal("database", error)
    }
}

impl From<crate::knowledge::KnowledgeError> for ToolError {
    fn from(error: crate::knowledge::KnowledgeError) -> Self {
        Self::internal("knowledge search", error)
    }
}

impl From<ToolError> for ToolOutput {
    fn from(error: ToolError) -> Self {
        match error {
            ToolError::Refused(m) | ToolError::Invalid(m) | ToolError::NotFound(m) => {
                ToolOutput::error(m)
            }
            ToolError::Store => ToolOutput::error("the store could not be reached; try again"),
            ToolError::Internal => {
                ToolOutput::error("the assistant could not look that up just now; try again")
            }
        }
    }
}

/// The model's arguments as `T`; the serde message names the offending field.
fn parse<T: DeserializeOwned>(arguments: Value) -> Result<T, ToolError> {
    let arguments = match arguments {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    serde_json::from_value(arguments)
        .map_err(|e| ToolError::Invalid(format!("invalid arguments: {e}")))
}

/// An output type as the JSON the model reads.
fn json<T: Serialize>(output: &T) -> Result<Value, ToolError> {
    serde_json::to_value(output).map_err(|e| ToolError::internal("serialising a result", e))
}

/// The digits of a gid (`gid://shopify/Customer/7001` → `7001`), or of bare digits.
fn gid_digits(id: &str) -> Option<&str> {
    let tail = id.rsplit('/').next()?;
    let tail = tail.split('?').next()?;
    (!tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())).then_some(tail)
}

/// `id` as a gid of `kind`, accepting the gid itself or its digits.
fn as_gid(kind: &str, id: &str) -> Option<String> {
    let id = id.trim();
    let prefix = format!("gid://shopify/{kind}/");
    let digits = match id.strip_prefix(&prefix) {
        Some(rest) => rest,
        None if id.bytes().all(|b| b.is_ascii_digit()) => id,
        None => return None,
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{prefix}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gids_are_read_strictly() {
        assert_eq!(gid_digits("gid://shopify/Customer/7001"), Some("7001"));
        assert_eq!(gid_digits("7001"), Some("7001"));
        assert_eq!(gid_digits("gid://shopify/Customer/"), None);
        assert_eq!(gid_digits("gid://shopify/Customer/70a1"), None);
        assert_eq!(
            as_gid("ProductVariant", "45100000000001").as_deref(),
            Some("gid://shopify/ProductVariant/45100000000001")
        );
        assert_eq!(
            as_gid("ProductVariant", " gid://shopify/ProductVariant/4 ").as_deref(),
            Some("gid://shopify/ProductVariant/4")
        );
        assert_eq!(as_gid("ProductVariant", "gid://shopify/Product/4"), None);
        assert_eq!(as_gid("ProductVariant", "4; drop"), None);
        assert_eq!(as_gid("ProductVariant", ""), None);
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let output: ToolOutput = parse::<tools::io::GetOrderStatusArgs>(
            serde_json::json!({"order_number": "1001", "customer_id": "7"}),
        )
        .unwrap_err()
        .into();
        assert!(output.is_error);
        let message = output.content["error"].as_str().unwrap_or_default();
        assert!(message.contains("customer_id"), "{message}");
        let missing: ToolOutput = parse::<tools::io::GetProductArgs>(Value::Null)
            .unwrap_err()
            .into();
        let message = missing.content["error"].as_str().unwrap_or_default();
        assert!(message.contains("product"), "{message}");
    }
}
