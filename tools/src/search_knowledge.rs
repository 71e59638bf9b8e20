//! `search_knowledge`: passages of the store's own content (policies, help pages, FAQ, articles) to
//! quote and cite.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Tool;
use crate::io::KnowledgeFound;

pub struct SearchKnowledge;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchKnowledgeArgs {
    pub query: String,
}

impl Tool for SearchKnowledge {
    const NAME: &'static str = "search_knowledge";
    const DESCRIPTION: &'static str = "Search the store's policies, help pages, FAQ and articles; answers cite what this returns.";
    const TIMEOUT: Duration = Duration::from_secs(5);
    type Args = SearchKnowledgeArgs;
    type Output = KnowledgeFound;

    fn parameters() -> Value {
        json!({
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
            "additionalProperties": false
        })
    }
}
