//! One tool call, whatever the tool: the model's JSON arguments in, the JSON the model reads and
//! what the shopper is shown out. The host calls every tool through [`ToolSpec::call`], so
//! the write gate and the reading of arguments are the same for all of them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::io::{CartAction, Handoff, ProductCard};
use crate::store::{StoreApi, StoreError};
use crate::{Risk, Tool, ToolSpec, TurnContext};

/// Why a call failed, as the model will read it ([`Display`](fmt::Display)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolError {
    /// The call may not be made (a write the shopper did not ask for).
    Refused(String),
    /// The arguments are unusable; the message says how to fix them.
    Invalid(String),
    /// Nothing matches what was asked.
    NotFound(String),
    /// Shopify could not be reached or answered unusably (already logged).
    Unreachable,
    /// Our own database or search failed (already logged).
    Internal,
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(m) | Self::Invalid(m) | Self::NotFound(m) => f.write_str(m),
            Self::Unreachable => f.write_str("the store could not be reached; try again"),
            Self::Internal => {
                f.write_str("the assistant could not look that up just now; try again")
            }
        }
    }
}

impl std::error::Error for ToolError {}

impl From<StoreError> for ToolError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unreachable => Self::Unreachable,
            StoreError::Internal => Self::Internal,
        }
    }
}

/// What the shopper is shown of a call besides the answer's text; the engine turns it into the
/// widget's events, without reading the JSON the model got.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Shown {
    #[default]
    Nothing,
    /// Product cards (none when empty), each also a source the answer drew on.
    Products(Vec<ProductCard>),
    /// Sources the answer drew on, cited under it.
    Sources(Vec<Source>),
    /// An action the widget offers (it asks the shopper first).
    Action(CartAction),
    /// The conversation went to the shop's agents.
    Handoff(Handoff),
}

/// A source an answer may cite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub title: String,
    pub url: Option<String>,
}

/// A call that succeeded.
#[derive(Debug, Clone, PartialEq)]
pub struct Ran {
    /// The tool's output as the JSON the model reads.
    pub content: Value,
    pub shown: Shown,
}

/// What [`ToolSpec::call`] returns.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Ran, ToolError>> + Send + 'a>>;

/// [`Tool::run`] behind a function pointer, so that [`specs`](crate::specs) can list every tool.
pub(crate) type Caller = for<'a> fn(Value, &'a TurnContext, &'a dyn StoreApi) -> CallFuture<'a>;

impl ToolSpec {
    /// Runs the tool with the model's `arguments` for the shopper in `context`.
    pub fn call<'a>(
        &self,
        arguments: Value,
        context: &'a TurnContext,
        store: &'a dyn StoreApi,
    ) -> CallFuture<'a> {
        (self.caller)(arguments, context, store)
    }
}

pub(crate) fn call<'a, T: Tool>(
    arguments: Value,
    context: &'a TurnContext,
    store: &'a dyn StoreApi,
) -> CallFuture<'a> {
    Box::pin(async move {
        // Refused before anything else: a write the shopper did not ask for is not even
        // looked up. (The one write is the cart offer, so the message says so.)
        if T::RISK == Risk::Write && !context.write_allowed {
            return Err(ToolError::Refused(
                "refused: the shopper has not asked to add anything to their cart; offer it \
                 and let them ask"
                    .into(),
            ));
        }
        let output = T::run(parse(arguments)?, context, store).await?;
        let content = serde_json::to_value(&output).map_err(|error| {
            tracing::error!(tool = T::NAME, %error, "could not serialise a tool's result");
            ToolError::Internal
        })?;
        Ok(Ran {
            content,
            shown: T::shown(&output),
        })
    })
}

/// The model's arguments as `T`; the serde message names the offending field.
pub(crate) fn parse<T: DeserializeOwned>(arguments: Value) -> Result<T, ToolError> {
    let arguments = match arguments {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    serde_json::from_value(arguments)
        .map_err(|e| ToolError::Invalid(format!("invalid arguments: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let error = parse::<crate::io::GetOrderStatusArgs>(
            serde_json::json!({"order_number": "1001", "customer_id": "7"}),
        )
        .unwrap_err();
        assert!(matches!(error, ToolError::Invalid(_)));
        let message = error.to_string();
        assert!(message.contains("customer_id"), "{message}");
        let missing = parse::<crate::io::GetProductArgs>(Value::Null).unwrap_err();
        let message = missing.to_string();
        assert!(message.contains("product"), "{message}");
    }
}
