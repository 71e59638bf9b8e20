//! `search_knowledge`: passages of the shop's own content (policies, pages, articles, FAQ,
//! crawled help centres, files) for the model to quote and cite. Products have their own
//! tools and are left out.

use std::collections::HashMap;

use serde_json::Value;
use tools::io::{KnowledgeFound, Passage, SearchKnowledgeArgs};

use super::live::summary;
use super::{StoreTools, ToolError, json};
use crate::knowledge::{Mode, SearchRequest};

/// Passages returned.
const PASSAGES: usize = 5;
/// Characters of a passage's text.
const PASSAGE_CHARS: usize = 600;
/// Every document kind but `product`.
const KINDS: &[&str] = &["page", "article", "policy", "faq", "web", "file"];

impl StoreTools {
    pub(super) async fn search_knowledge(
        &self,
        args: SearchKnowledgeArgs,
    ) -> Result<Value, ToolError> {
        let query = args.query.trim();
        if query.is_empty() {
            return Err(ToolError::Invalid(
                "query is empty: say what the shopper asked".into(),
            ));
        }
        let mut request = SearchRequest::new(query, Mode::Hybrid, PASSAGES);
        request.filters.kinds = KINDS.iter().map(|k| (*k).to_owned()).collect();
        let hits = self
            .state
            .knowledge
            .search(self.shop_id(), &request)
            .await?;
        // The chunk's own text reads better than a highlight's fragments.
        let ids: Vec<i64> = hits.iter().map(|h| h.chunk_id).collect();
        let bodies: HashMap<i64, String> = sqlx::query!(
            r#"SELECT id, left(body, $3) AS "body!" FROM chunks WHERE shop_id = $1 AND id = ANY($2)"#,
            self.shop_id(),
            &ids,
            i32::try_from(PASSAGE_CHARS * 2).unwrap_or(i32::MAX),
        )
        .fetch_all(&self.state.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.body))
        .collect();
        let passages = hits
            .into_iter()
            .map(|hit| {
                let text = bodies
                    .get(&hit.chunk_id)
                    .filter(|b| !b.trim().is_empty())
                    .unwrap_or(&hit.snippet);
                Passage {
                    kind: hit.kind,
                    title: hit.title,
                    heading: hit.heading_path,
                    url: hit.url,
                    text: summary(text, PASSAGE_CHARS),
                    score: hit.score,
                }
            })
            .collect();
        json(&KnowledgeFound { passages })
    }
}
