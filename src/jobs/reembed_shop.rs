//! The `knowledge-reembed` job: after the embedding model changes, gives each shop's chunks
//! vectors of the new model while the old ones keep serving, then switches the shop over.
//! [`queue_reembeds`] queues it for every shop that needs it when a worker starts.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, enqueue};
use crate::state::AppState;

/// Chunks embedded per round of a re-embedding.
const REEMBED_BATCH: i64 = 128;

/// Embeds a shop's chunks that lack a vector of the current model (after a model change),
/// beside the old vectors, which keep serving its searches; when none is left, switches the
/// shop's search to the current model and drops the old vectors. Resumable: each round
/// commits what it embedded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReembedShop {
    pub shop_id: i64,
}

impl Job for ReembedShop {
    const QUEUE: &'static str = "knowledge-reembed";

    #[tracing::instrument(skip_all, fields(shop_id = self.shop_id))]
    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let knowledge = &ctx.state.knowledge;
        let model = knowledge.model().await?.clone();
        let db = knowledge.db();
        // Until it is done, the shop is served by the model most of its vectors are of.
        sqlx::query!(
            "INSERT INTO shop_search_models (shop_id, model_id)
             SELECT $1, model_id FROM chunk_embeddings WHERE shop_id = $1
             GROUP BY model_id ORDER BY count(*) DESC LIMIT 1
             ON CONFLICT (shop_id) DO NOTHING",
            self.shop_id,
        )
        .execute(db)
        .await?;
        loop {
            let missing = sqlx::query!(
                "SELECT c.id, c.content FROM chunks c
                 WHERE c.shop_id = $1 AND NOT EXISTS (
                     SELECT 1 FROM chunk_embeddings e
                     WHERE e.shop_id = c.shop_id AND e.chunk_id = c.id AND e.model_id = $2)
                 ORDER BY c.id LIMIT $3",
                self.shop_id,
                model.id,
                REEMBED_BATCH,
            )
            .fetch_all(db)
            .await?;
            if missing.is_empty() {
                break;
            }
            let (ids, texts): (Vec<i64>, Vec<String>) =
                missing.into_iter().map(|c| (c.id, c.content)).unzip();
            let vectors: Vec<pgvector::Vector> = knowledge
                .embedder()
                .embed(texts)
                .await?
                .into_iter()
                .map(pgvector::Vector::from)
                .collect();
            // A chunk replaced meanwhile is gone: the join skips it. Runtime SQL: the checked
            // macros cannot describe pgvector's `vector[]` parameter.
            sqlx::query(
                "INSERT INTO chunk_embeddings (shop_id, chunk_id, model_id, embedding)
                 SELECT $1, c.id, $2, v.embedding
                 FROM unnest($3::bigint[], $4::vector[]) AS v(id, embedding)
                 JOIN chunks c ON c.shop_id = $1 AND c.id = v.id
                 ON CONFLICT DO NOTHING",
            )
            .bind(self.shop_id)
            .bind(model.id)
            .bind(&ids)
            .bind(&vectors)
            .execute(db)
            .await?;
        }
        // A large shop's own index for the new vectors is ready before they serve it.
        knowledge.forget_size(self.shop_id);
        knowledge.index_large_shop(self.shop_id).await?;
        let mut tx = db.begin().await?;
        sqlx::query!(
            "INSERT INTO shop_search_models (shop_id, model_id) VALUES ($1, $2)
             ON CONFLICT (shop_id) DO UPDATE SET model_id = EXCLUDED.model_id, updated_at = now()",
            self.shop_id,
            model.id,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "DELETE FROM chunk_embeddings WHERE shop_id = $1 AND model_id <> $2",
            self.shop_id,
            model.id,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        knowledge
            .drop_shop_indexes(self.shop_id, Some(model.id))
            .await?;
        Ok(())
    }
}

/// Queues a re-embedding for every shop with chunks lacking a vector of the current model
/// (the worker calls this as it starts, so a model change takes effect by itself).
pub async fn queue_reembeds(state: &AppState) -> anyhow::Result<usize> {
    let model = state.knowledge.model().await?;
    let shops = sqlx::query_scalar!(
        "SELECT DISTINCT c.shop_id FROM chunks c WHERE NOT EXISTS (
             SELECT 1 FROM chunk_embeddings e
             WHERE e.shop_id = c.shop_id AND e.chunk_id = c.id AND e.model_id = $1)",
        model.id,
    )
    .fetch_all(&state.db)
    .await?;
    let mut tx = state.db.begin().await?;
    for &shop_id in &shops {
        enqueue(&mut tx, &ReembedShop { shop_id }).await?;
    }
    tx.commit().await?;
    Ok(shops.len())
}
