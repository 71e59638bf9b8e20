//! `search_knowledge`: passages of the store's own content (policies, help pages, FAQ, articles) to
//! quote and cite.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::excerpt::focused;
use crate::io::{KnowledgeFound, Passage};
use crate::relevance::{MIN_RELEVANCE, relevance};
use crate::store::{KnowledgeQuery, StoreApi};
use crate::{Shown, Source, Tool, ToolError, TurnContext};

/// Passages returned.
const PASSAGES: usize = 5;
/// Characters of a passage's text.
const PASSAGE_CHARS: usize = 600;
/// Every document kind but `product` (products have their own tools).
pub const KINDS: &[&str] = &["page", "article", "policy", "faq", "web", "file"];

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

    async fn run(
        args: SearchKnowledgeArgs,
        _context: &TurnContext,
        store: &dyn StoreApi,
    ) -> Result<KnowledgeFound, ToolError> {
        let query = args.query.trim();
        if query.is_empty() {
            return Err(ToolError::Invalid(
                "query is empty: say what the shopper asked".into(),
            ));
        }
        let hits = store
            .search_knowledge(&KnowledgeQuery {
                text: query.to_owned(),
                kinds: KINDS.iter().map(|k| (*k).to_owned()).collect(),
                limit: PASSAGES,
                chars: PASSAGE_CHARS * 2,
            })
            .await?;
        let passages: Vec<Passage> = hits
            .into_iter()
            .map(|hit| {
                // The passage's own text reads better than a highlight's fragments.
                let text = hit
                    .body
                    .as_ref()
                    .filter(|b| !b.trim().is_empty())
                    .unwrap_or(&hit.snippet);
                let relevance = relevance(query, &format!("{} {} {text}", hit.title, hit.heading));
                Passage {
                    // The sentences that answer, where the passage is longer than that.
                    text: focused(text, query, PASSAGE_CHARS),
                    kind: hit.kind,
                    title: hit.title,
                    heading: hit.heading,
                    url: hit.url,
                    score: hit.score,
                    relevance,
                }
            })
            .collect();
        // A page on another topic is no answer: better none than a wrong one. When no page
        // shares a word with the query (a model that searched in the shopper's language), the
        // words cannot judge, and the search's ranking stands.
        let judged = passages.iter().any(|p| p.relevance > 0.0);
        let passages = passages
            .into_iter()
            .filter(|p| !judged || p.relevance >= MIN_RELEVANCE)
            .collect();
        Ok(KnowledgeFound { passages })
    }

    fn shown(output: &KnowledgeFound) -> Shown {
        Shown::Sources(
            output
                .passages
                .iter()
                .map(|p| Source {
                    title: p.title.clone(),
                    url: p.url.clone(),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeStore, context};

    #[tokio::test]
    async fn passages_are_cited_sources() {
        let store = FakeStore::default();
        let found = SearchKnowledge::run(
            SearchKnowledgeArgs {
                query: " returns ".into(),
            },
            &context(None, false),
            &store,
        )
        .await
        .unwrap();
        assert_eq!(found.passages[0].text, "returns within 30 days.");
        assert_eq!(
            SearchKnowledge::shown(&found),
            Shown::Sources(vec![Source {
                title: "Refund policy".into(),
                url: Some("https://shop.example/policies/refund-policy".into()),
            }])
        );
    }
}
