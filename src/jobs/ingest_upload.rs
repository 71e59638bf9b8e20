//! The `knowledge-upload` job: parses a file the merchant uploaded (stored by
//! `POST /api/files`) and writes its documents; the stored bytes are dropped once read.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext};
use crate::knowledge::sources;

/// Parses a stored upload and writes its documents (a file source's document ids are the
/// file's name, so a new upload of the same name replaces the old one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestUpload {
    pub shop_id: i64,
    pub upload_id: i64,
}

impl Job for IngestUpload {
    const QUEUE: &'static str = "knowledge-upload";

    #[tracing::instrument(skip_all, fields(shop_id = self.shop_id, upload = self.upload_id))]
    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let state = &ctx.state;
        let Some(upload) = sqlx::query!(
            r#"SELECT source_id, name, content, processed_at IS NOT NULL AS "processed!"
               FROM knowledge_uploads WHERE shop_id = $1 AND id = $2"#,
            self.shop_id,
            self.upload_id,
        )
        .fetch_optional(&state.db)
        .await?
        else {
            return Ok(());
        };
        let (source, name, content, processed) = (
            upload.source_id,
            upload.name,
            upload.content,
            upload.processed,
        );
        if processed {
            return Ok(());
        }
        let parse_name = name.clone();
        // Parsing (a PDF above all) is CPU work: off the async threads.
        let parsed = tokio::task::spawn_blocking(move || {
            connectors::files::parse_file(&parse_name, &content)
        })
        .await?;
        let error = match parsed {
            Ok(documents) => {
                state
                    .knowledge
                    .ingest(self.shop_id, source, &documents)
                    .await?;
                None
            }
            // A file that cannot be read stays unreadable: record why, do not retry.
            Err(e) => Some(e.to_string()),
        };
        // The bytes are not needed once read.
        sqlx::query!(
            "UPDATE knowledge_uploads SET processed_at = now(), error = $3, content = ''
             WHERE shop_id = $1 AND id = $2",
            self.shop_id,
            self.upload_id,
            error.as_deref(),
        )
        .execute(&state.db)
        .await?;
        if let Some(error) = error {
            sources::finish(
                &state.db,
                self.shop_id,
                source,
                Some(&format!("{name}: {error}")),
            )
            .await?;
        }
        Ok(())
    }
}
