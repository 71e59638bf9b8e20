//! Bulk operations: start a bulk query, wait for it (the `bulk_operations/finish` webhook,
//! or polling), then stream its JSONL result and stitch `__parentId` children back onto
//! their parents.
//!
//! Memory stays bounded whatever the file size: the body is read line by line, and only one
//! top-level record (with its children) is held at a time. Shopify writes a parent before
//! its children and a record's children before the next top-level record, so a record is
//! complete when the next top-level line arrives.

use std::time::Duration;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use secrecy::SecretString;
use tokio::io::AsyncBufReadExt;
use tokio_util::io::StreamReader;

pub mod stitch;

pub use self::stitch::BulkRecord;
use self::stitch::{Malformed, Stitcher};
use super::queries::{BulkById, RunBulkQuery, bulk_by_id, run_bulk_query};
use super::{AdminClient, AdminError};
use crate::shopify::ShopDomain;

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("bulk operation refused: {0}")]
    Refused(String),
    #[error("bulk operation ended {status}: {error}")]
    Failed { status: String, error: String },
    #[error("bulk operation still running after {0:?}")]
    Timeout(Duration),
    #[error("reading the result: {0}")]
    Read(String),
    #[error("result line {line}: {reason}")]
    Malformed { line: u64, reason: String },
}

impl From<Malformed> for BulkError {
    fn from(Malformed { line, reason }: Malformed) -> Self {
        Self::Malformed { line, reason }
    }
}

impl AdminClient {
    /// Starts a bulk query; returns the operation's gid.
    pub async fn start_bulk(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        query: &str,
    ) -> Result<String, BulkError> {
        let data = self
            .query::<RunBulkQuery>(
                shop,
                token,
                run_bulk_query::Variables {
                    query: query.to_owned(),
                },
            )
            .await?;
        let run = data
            .bulk_operation_run_query
            .ok_or_else(|| BulkError::Refused("no payload".into()))?;
        if let Some(e) = run.user_errors.first() {
            return Err(BulkError::Refused(e.message.clone()));
        }
        run.bulk_operation
            .map(|op| op.id)
            .ok_or_else(|| BulkError::Refused("no operation".into()))
    }

    /// Polls the operation until it ends; returns the result URL (`None`: no objects).
    pub async fn wait_bulk(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        id: &str,
        poll: Duration,
        timeout: Duration,
    ) -> Result<Option<String>, BulkError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let data = self
                .query::<BulkById>(shop, token, bulk_by_id::Variables { id: id.to_owned() })
                .await?;
            let op = data
                .bulk_operation
                .ok_or_else(|| BulkError::Refused(format!("unknown operation {id}")))?;
            match op.status {
                bulk_by_id::BulkOperationStatus::COMPLETED => return Ok(op.url),
                bulk_by_id::BulkOperationStatus::CREATED
                | bulk_by_id::BulkOperationStatus::RUNNING => {}
                other => {
                    return Err(BulkError::Failed {
                        status: format!("{other:?}"),
                        error: op.error_code.map(|e| format!("{e:?}")).unwrap_or_default(),
                    });
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(BulkError::Timeout(timeout));
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Runs a bulk query to its end: starts it, then polls; returns the result URL.
    pub async fn run_bulk(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        query: &str,
        timeout: Duration,
    ) -> Result<Option<String>, BulkError> {
        let id = self.start_bulk(shop, token, query).await?;
        self.wait_bulk(shop, token, &id, Duration::from_millis(250), timeout)
            .await
    }

    /// Streams the JSONL at `url` as stitched records.
    pub fn bulk_records(&self, url: &str) -> BoxStream<'static, Result<BulkRecord, BulkError>> {
        let request = self.http.get(url).send();
        async_stream(request).boxed()
    }
}

fn async_stream(
    request: impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
) -> impl Stream<Item = Result<BulkRecord, BulkError>> + Send + 'static {
    futures::stream::once(async move {
        let response = request
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| BulkError::Read(e.without_url().to_string()))?;
        let body = response.bytes_stream().map_err(std::io::Error::other);
        Ok::<_, BulkError>(StreamReader::new(body).lines())
    })
    .map_ok(|lines| {
        futures::stream::try_unfold(
            (lines, Stitcher::default(), 0u64),
            |(mut lines, mut stitcher, mut n)| async move {
                loop {
                    let line = lines
                        .next_line()
                        .await
                        .map_err(|e| BulkError::Read(e.to_string()))?;
                    let Some(line) = line else {
                        return Ok(stitcher
                            .finish()
                            .map(|record| (record, (lines, stitcher, n))));
                    };
                    n += 1;
                    if line.trim().is_empty() {
                        continue;
                    }
                    if let Some(record) = stitcher.push(&line, n)? {
                        return Ok(Some((record, (lines, stitcher, n))));
                    }
                }
            },
        )
    })
    .try_flatten()
}
