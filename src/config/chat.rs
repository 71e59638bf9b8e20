//! The hosted chat models in fallback order, their prices, and the chat limits.

use std::time::Duration;

use super::validate::{base_url, header_secret, positive, secs};
use super::{ConfigError, Settings};

/// The hosted chat models and their prices.
#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// Tried in order; the local responder follows them all.
    pub endpoints: Vec<llm::Endpoint>,
    pub prices: llm::PriceTable,
    pub turn_timeout: Duration,
    pub visitor_per_minute: u32,
    pub address_per_minute: u32,
    pub shop_per_minute: u32,
}

/// Validates this concern's settings; the error names the first bad one.
pub(super) fn from_settings(s: &Settings) -> Result<ChatConfig, ConfigError> {
    let list = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .map(|v| {
                v.split(',')
                    .map(|item| item.trim().to_owned())
                    .filter(|item| !item.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (urls, models, keys) = (
        list(&s.chat_url),
        list(&s.chat_model),
        list(&s.chat_api_key),
    );
    let mut config = ChatConfig {
        endpoints: Vec::new(),
        prices: chat_prices(s.chat_prices.as_deref().unwrap_or_default())?,
        turn_timeout: secs(
            "CONCIERGE_CHAT_TURN_TIMEOUT_SECS",
            &s.chat_turn_timeout_secs,
        )?,
        visitor_per_minute: positive(
            "CONCIERGE_CHAT_VISITOR_MESSAGES_PER_MINUTE",
            &s.chat_visitor_messages_per_minute,
        )?,
        address_per_minute: positive(
            "CONCIERGE_CHAT_ADDRESS_MESSAGES_PER_MINUTE",
            &s.chat_address_messages_per_minute,
        )?,
        shop_per_minute: positive(
            "CONCIERGE_CHAT_SHOP_MESSAGES_PER_MINUTE",
            &s.chat_shop_messages_per_minute,
        )?,
    };
    if urls.is_empty() {
        if let Some(name) = [
            ("CONCIERGE_CHAT_MODEL", !models.is_empty()),
            ("CONCIERGE_CHAT_API_KEY", !keys.is_empty()),
        ]
        .into_iter()
        .find_map(|(name, set)| set.then_some(name))
        {
            return Err(ConfigError::new(
                "CONCIERGE_CHAT_URL",
                format!(
                    "{name} is set, so this is needed too (unset both to use the local responder)"
                ),
            ));
        }
        return Ok(config);
    }
    if models.is_empty() {
        return Err(ConfigError::new(
            "CONCIERGE_CHAT_MODEL",
            "needed with CONCIERGE_CHAT_URL (e.g. gpt-4o-mini)",
        ));
    }
    let count = urls.len().max(models.len());
    for (setting, len) in [
        ("CONCIERGE_CHAT_URL", urls.len()),
        ("CONCIERGE_CHAT_MODEL", models.len()),
        ("CONCIERGE_CHAT_API_KEY", keys.len().max(1)),
    ] {
        if len != 1 && len != count {
            return Err(ConfigError::new(
                setting,
                format!("expected one value or {count} (one per chat endpoint), got {len}"),
            ));
        }
    }
    let pick = |items: &[String], i: usize| items.get(i).or(items.first()).cloned();
    for i in 0..count {
        let url = base_url("CONCIERGE_CHAT_URL", &pick(&urls, i).unwrap_or_default())?;
        let model = pick(&models, i).unwrap_or_default();
        let mut endpoint = llm::Endpoint::new(format!("chat-{}", i + 1), url, model);
        if let Some(key) = pick(&keys, i) {
            endpoint = endpoint.with_api_key(header_secret("CONCIERGE_CHAT_API_KEY", &key)?);
        }
        config.endpoints.push(endpoint);
    }
    Ok(config)
}

/// `model=input/output[/cached],...` in USD per million tokens.
fn chat_prices(raw: &str) -> Result<llm::PriceTable, ConfigError> {
    let mut table = llm::PriceTable::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || {
            ConfigError::new(
                "CONCIERGE_CHAT_PRICES",
                format!(
                    "expected model=input/output[/cached_input] in USD per million tokens, got {entry:?}"
                ),
            )
        };
        let (model, numbers) = entry.split_once('=').ok_or_else(bad)?;
        let numbers: Vec<f64> = numbers
            .split('/')
            .map(|n| {
                n.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
            })
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        let price = match numbers[..] {
            [input, output] => llm::Price {
                input,
                output,
                cached_input: None,
            },
            [input, output, cached] => llm::Price {
                input,
                output,
                cached_input: Some(cached),
            },
            _ => return Err(bad()),
        };
        table.insert(model.trim(), price);
    }
    Ok(table)
}
