//! The tools' look-ups in our own copy of the shop: catalog and content search over the
//! knowledge index, and products by name. Candidates only: what is true now comes from
//! Shopify (`live.rs`).

use std::collections::HashMap;

use tools::StoreError;
use tools::store::{CatalogQuery, KnowledgeHit, KnowledgeQuery, NamedProduct, ProductName};

use super::{StoreTools, db, internal};
use crate::knowledge::{KnowledgeError, Mode, SearchRequest};

fn search_failed(error: KnowledgeError) -> StoreError {
    internal("knowledge search", error)
}

impl StoreTools {
    pub(super) async fn catalog_search(
        &self,
        query: &CatalogQuery,
    ) -> Result<Vec<String>, StoreError> {
        let mut request = SearchRequest::new(&query.text, Mode::Hybrid, query.limit);
        request.snippets = false;
        request.filters.kinds = vec!["product".into()];
        request.filters.price_min = query.price_min;
        request.filters.price_max = query.price_max;
        request.filters.in_stock = query.in_stock.then_some(true);
        let hits = self
            .state
            .knowledge
            .search(self.shop_id(), &request)
            .await
            .map_err(search_failed)?;
        Ok(hits.into_iter().map(|h| h.external_id).collect())
    }

    pub(super) async fn named(&self, name: &ProductName) -> Result<Vec<NamedProduct>, StoreError> {
        // Titles are compared as their words, so punctuation and case do not matter.
        let named = sqlx::query!(
            r#"WITH products AS (
                 SELECT external_id, fields ->> 'handle' AS handle,
                        trim(regexp_replace(lower(title), '[^[:alnum:].]+', ' ', 'g')) AS title
                 FROM documents WHERE shop_id = $1 AND kind = 'product'
             )
             SELECT external_id AS "external_id!", handle, title AS "title!" FROM products
             WHERE handle = $2 OR handle = $3 OR title = $4
                OR strpos(' ' || $4 || ' ', ' ' || title || ' ') > 0
                OR strpos(' ' || title || ' ', ' ' || $4 || ' ') > 0
             LIMIT 200"#,
            self.shop_id(),
            name.handle,
            name.slug,
            name.phrase,
        )
        .fetch_all(&self.state.db)
        .await
        .map_err(db)?
        .into_iter()
        .map(|r| NamedProduct {
            id: r.external_id,
            handle: r.handle,
            title: r.title,
        })
        .collect();
        Ok(named)
    }

    pub(super) async fn passages(
        &self,
        query: &KnowledgeQuery,
    ) -> Result<Vec<KnowledgeHit>, StoreError> {
        let mut request = SearchRequest::new(&query.text, Mode::Hybrid, query.limit);
        request.filters.kinds = query.kinds.clone();
        let hits = self
            .state
            .knowledge
            .search(self.shop_id(), &request)
            .await
            .map_err(search_failed)?;
        let ids: Vec<i64> = hits.iter().map(|h| h.chunk_id).collect();
        let bodies: HashMap<i64, String> = sqlx::query!(
            r#"SELECT id, left(body, $3) AS "body!" FROM chunks WHERE shop_id = $1 AND id = ANY($2)"#,
            self.shop_id(),
            &ids,
            i32::try_from(query.chars).unwrap_or(i32::MAX),
        )
        .fetch_all(&self.state.db)
        .await
        .map_err(db)?
        .into_iter()
        .map(|r| (r.id, r.body))
        .collect();
        Ok(hits
            .into_iter()
            .map(|hit| KnowledgeHit {
                body: bodies.get(&hit.chunk_id).cloned(),
                kind: hit.kind,
                title: hit.title,
                heading: hit.heading_path,
                url: hit.url,
                snippet: hit.snippet,
                score: hit.score,
            })
            .collect())
    }
}
