//! What a step cost: the tokens the endpoint reported times the operator's price list.
//!
//! Prices change and differ between providers and self-hosted models, so none are built in:
//! the table comes from configuration, keyed by the model name as configured on the
//! [`Endpoint`](super::Endpoint). A model the table does not list has no cost (`None`), not a
//! cost of zero.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Usage;

/// One model's prices, in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Per million prompt tokens.
    pub input: f64,
    /// Per million completion tokens.
    pub output: f64,
    /// Per million prompt tokens served from the provider's cache; `input` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
}

/// Prices by model name. Deserializes from a map, e.g. in TOML:
///
/// ```toml
/// [prices."gpt-4o-mini"]
/// input = 0.15
/// output = 0.60
/// cached_input = 0.075
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PriceTable(BTreeMap<String, Price>);

impl PriceTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// The table with `model` priced at `price` (replacing any earlier price).
    pub fn with(mut self, model: impl Into<String>, price: Price) -> Self {
        self.insert(model, price);
        self
    }

    pub fn insert(&mut self, model: impl Into<String>, price: Price) {
        self.0.insert(model.into(), price);
    }

    pub fn get(&self, model: &str) -> Option<&Price> {
        self.0.get(model)
    }

    /// The cost in USD of `usage` on `model`; `None` when the model has no price.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        let price = self.get(model)?;
        let cached = usage.cached_prompt_tokens.min(usage.prompt_tokens);
        let uncached = usage.prompt_tokens - cached;
        let micro = uncached as f64 * price.input
            + cached as f64 * price.cached_input.unwrap_or(price.input)
            + usage.completion_tokens as f64 * price.output;
        Some(micro / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_per_million_with_cached_tokens_discounted() {
        let table = PriceTable::new().with(
            "m",
            Price {
                input: 2.0,
                output: 8.0,
                cached_input: Some(0.5),
            },
        );
        let usage = Usage {
            prompt_tokens: 1_000,
            completion_tokens: 500,
            cached_prompt_tokens: 400,
        };
        let cost = table.cost("m", &usage).unwrap_or(f64::NAN);
        // 600 * 2 + 400 * 0.5 + 500 * 8 = 5400 micro-USD.
        assert!((cost - 0.0054).abs() < 1e-12, "{cost}");
        assert_eq!(table.cost("other", &usage), None);
    }

    #[test]
    fn tables_read_from_json_maps() {
        let table: PriceTable =
            serde_json::from_str(r#"{"a": {"input": 1, "output": 2}}"#).unwrap_or_default();
        assert_eq!(
            table.get("a"),
            Some(&Price {
                input: 1.0,
                output: 2.0,
                cached_input: None
            })
        );
    }
}
