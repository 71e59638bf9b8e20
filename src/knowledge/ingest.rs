//! Documents into the index: chunk, embed what changed, write.
//!
//! A document whose content hash is unchanged is only marked as seen: it is never chunked or
//! embedded again. Embedding happens before the transaction (it is slow and needs no locks);
//! the write then re-checks the hash under the document's row lock, so two writers of the
//! same document (a webhook and a full sync) leave exactly one set of chunks, and an older
//! version (by the source's `updated_at`) never replaces a newer one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use connectors::{ChunkOptions, Document};
use pgvector::Vector;

use super::embed::Tokens;
use super::{Knowledge, KnowledgeError};

/// The most tokens a chunk holds, whatever the model could read: a retrieved chunk should be
/// about one thing, and is pasted into the assistant's context (all-MiniLM-L6-v2 reads 256).
const CHUNK_TOKENS: usize = 256;

/// What one call to [`Knowledge::ingest`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Documents whose content had not changed (marked as seen, nothing re-embedded).
    pub unchanged: usize,
    /// Documents written (new or changed).
    pub written: usize,
    /// Chunks embedded and written.
    pub chunks: usize,
}

impl std::ops::AddAssign for IngestReport {
    fn add_assign(&mut self, other: Self) {
        self.unchanged += other.unchanged;
        self.written += other.written;
        self.chunks += other.chunks;
    }
}

impl Knowledge {
    /// Writes a batch of one source's documents.
    pub async fn ingest(
        &self,
        shop_id: i64,
        source_id: i64,
        documents: &[Document],
    ) -> Result<IngestReport, KnowledgeError> {
        let model = self.model().await?.clone();
        let mut report = IngestReport::default();
        if documents.is_empty() {
            return Ok(report);
        }

        // Which documents changed? (Vectors of a new model for unchanged content are the
        // re-embedding job's work, which keeps the old vectors serving meanwhile.)
        let ids: Vec<&str> = documents.iter().map(|d| d.external_id.as_str()).collect();
        let stored: HashMap<String, String> = sqlx::query!(
            "SELECT external_id, content_hash FROM documents
             WHERE shop_id = $1 AND source_id = $2 AND external_id = ANY($3)",
            shop_id,
            source_id,
            &ids as &[&str],
        )
        .fetch_all(&self.db)
        .await?
        .into_iter()
        .map(|row| (row.external_id, row.content_hash))
        .collect();

        let mut unchanged = Vec::new();
        let mut changed = Vec::new();
        for document in documents {
            let hash = document.content_hash();
            if stored.get(&document.external_id) == Some(&hash) {
                unchanged.push(document.external_id.as_str());
            } else {
                changed.push((document, hash));
            }
        }

        // Chunk and embed everything that changed in one call (the model batches by length).
        let options = ChunkOptions {
            max_tokens: self
                .embedder
                .max_tokens()
                .min(CHUNK_TOKENS)
                .saturating_sub(16)
                .max(32),
            ..ChunkOptions::default()
        };
        let counter = Tokens(self.embedder.as_ref());
        let chunked: Vec<Vec<connectors::Chunk>> = changed
            .iter()
            .map(|(document, _)| connectors::chunk(document, &counter, &options))
            .collect();
        let texts: Vec<String> = chunked.iter().flatten().map(|c| c.text.clone()).collect();
        let mut vectors = self.embedder.embed(texts).await?.into_iter();

        let mut tx = self.db.begin().await?;
        if !unchanged.is_empty() {
            sqlx::query!(
                "UPDATE documents SET seen_at = now()
                 WHERE shop_id = $1 AND source_id = $2 AND external_id = ANY($3)",
                shop_id,
                source_id,
                &unchanged as &[&str],
            )
            .execute(&mut *tx)
            .await?;
            report.unchanged = unchanged.len();
        }
        for ((document, hash), chunks) in changed.iter().zip(chunked) {
            let vectors: Vec<Vector> = vectors
                .by_ref()
                .take(chunks.len())
                .map(Vector::from)
                .collect();
            let written = write_document(
                &mut tx,
                Target {
                    shop_id,
                    source_id,
                    model_id: model.id,
                },
                document,
                hash,
                &chunks,
                &vectors,
            )
            .await?;
            if written {
                report.written += 1;
                report.chunks += chunks.len();
            } else {
                report.unchanged += 1;
            }
        }
        tx.commit().await?;
        if report.chunks > 0
            && let Err(error) = self.index_large_shop(shop_id).await
        {
            // The documents are written; search takes the shared index meanwhile.
            tracing::warn!(shop_id, %error, "could not build the shop's HNSW index");
        }
        Ok(report)
    }

    /// Deletes documents of a source by external id (a product deleted in Shopify).
    pub async fn delete_documents(
        &self,
        shop_id: i64,
        source_id: i64,
        external_ids: &[String],
    ) -> Result<u64, KnowledgeError> {
        let done = sqlx::query!(
            "DELETE FROM documents WHERE shop_id = $1 AND source_id = $2 AND external_id = ANY($3)",
            shop_id,
            source_id,
            external_ids,
        )
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected())
    }

    /// Deletes the source's documents a full sync started at `since` did not see: they are
    /// gone from the source.
    pub async fn delete_unseen(
        &self,
        shop_id: i64,
        source_id: i64,
        since: DateTime<Utc>,
    ) -> Result<u64, KnowledgeError> {
        let done = sqlx::query!(
            "DELETE FROM documents WHERE shop_id = $1 AND source_id = $2 AND seen_at < $3",
            shop_id,
            source_id,
            since,
        )
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected())
    }
}

#[derive(Clone, Copy)]
struct Target {
    shop_id: i64,
    source_id: i64,
    model_id: i16,
}

/// Upserts one document and replaces its chunks and vectors. Returns false when the stored
/// document already has this content (another writer got there first) or is newer.
async fn write_document(
    tx: &mut sqlx::PgConnection,
    target: Target,
    document: &Document,
    hash: &str,
    chunks: &[connectors::Chunk],
    vectors: &[Vector],
) -> Result<bool, KnowledgeError> {
    let fields = serde_json::to_value(&document.fields).unwrap_or_default();
    // The upsert takes the row lock; its WHERE keeps equal content and newer versions.
    let id: Option<i64> = sqlx::query_scalar!(
        "INSERT INTO documents
             (shop_id, source_id, kind, external_id, url, title, fields, content_hash,
              source_updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (shop_id, source_id, external_id) DO UPDATE SET
             kind = EXCLUDED.kind, url = EXCLUDED.url, title = EXCLUDED.title,
             fields = EXCLUDED.fields, content_hash = EXCLUDED.content_hash,
             source_updated_at = EXCLUDED.source_updated_at, seen_at = now()
         WHERE (documents.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL
                OR EXCLUDED.source_updated_at >= documents.source_updated_at)
           AND documents.content_hash <> EXCLUDED.content_hash
         RETURNING id",
        target.shop_id,
        target.source_id,
        document.source_kind.as_str(),
        &document.external_id,
        document.url.as_deref(),
        &document.title,
        &fields,
        hash,
        document.updated_at,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(document_id) = id else {
        sqlx::query!(
            "UPDATE documents SET seen_at = now()
             WHERE shop_id = $1 AND source_id = $2 AND external_id = $3",
            target.shop_id,
            target.source_id,
            &document.external_id,
        )
        .execute(&mut *tx)
        .await?;
        return Ok(false);
    };

    sqlx::query!(
        "DELETE FROM chunks WHERE shop_id = $1 AND document_id = $2",
        target.shop_id,
        document_id,
    )
    .execute(&mut *tx)
    .await?;
    let ordinals: Vec<i32> = chunks
        .iter()
        .map(|c| i32::try_from(c.ordinal).unwrap_or(i32::MAX))
        .collect();
    let headings: Vec<String> = chunks.iter().map(|c| c.heading_path.join(" > ")).collect();
    let bodies: Vec<&str> = chunks.iter().map(|c| c.body.as_str()).collect();
    let contents: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
    sqlx::query!(
        "WITH inserted AS (
             INSERT INTO chunks (shop_id, document_id, ordinal, title, heading_path, body, content,
                                 language)
             SELECT $1, $2, o, $3, h, b, c, shop_text_config($1)
             FROM unnest($4::int[], $5::text[], $6::text[], $7::text[]) AS u(o, h, b, c)
             RETURNING id, ordinal
         )
         INSERT INTO chunk_embeddings (shop_id, chunk_id, model_id, embedding)
         SELECT $1, inserted.id, $8, v.embedding
         FROM inserted
         JOIN unnest($4::int[], $9::vector[]) AS v(o, embedding) ON v.o = inserted.ordinal",
        target.shop_id,
        document_id,
        &document.title,
        &ordinals,
        &headings,
        &bodies as &[&str],
        &contents as &[&str],
        target.model_id,
        vectors as &[Vector],
    )
    .execute(&mut *tx)
    .await?;
    Ok(true)
}
