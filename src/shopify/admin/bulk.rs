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
use serde_json::{Map, Value};
use tokio::io::AsyncBufReadExt;
use tokio_util::io::StreamReader;

use super::queries::{BulkById, RunBulkQuery, bulk_by_id, run_bulk_query};
use super::{AdminClient, AdminError};
use crate::shopify::ShopDomain;

/// A top-level object with its nested children grouped by type (`"ProductVariant"` →
/// `[...]`), as read from the gid in each child's `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRecord {
    pub object: Map<String, Value>,
    pub children: Vec<Map<String, Value>>,
}

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

/// A whole JSONL result stitched at once, line by line as the stream does it (blank lines
/// skipped, lines counted from 1): for the fuzz targets (`fuzz/`), which cannot reach the
/// stream without a server.
#[doc(hidden)]
pub fn stitch(jsonl: &str) -> Result<Vec<BulkRecord>, BulkError> {
    let mut stitcher = Stitcher::default();
    let mut records = Vec::new();
    for (n, line) in (1..).zip(jsonl.lines()) {
        if !line.trim().is_empty() {
            records.extend(stitcher.push(line, n)?);
        }
    }
    records.extend(stitcher.finish());
    Ok(records)
}

/// Groups lines into records (see the module docs).
#[derive(Default)]
struct Stitcher {
    current: Option<BulkRecord>,
    /// Ids within the current record, so grandchildren can name a child as parent.
    ids: Vec<String>,
}

impl Stitcher {
    fn push(&mut self, line: &str, n: u64) -> Result<Option<BulkRecord>, BulkError> {
        let malformed = |reason: String| BulkError::Malformed { line: n, reason };
        let Value::Object(object) =
            serde_json::from_str(line).map_err(|e| malformed(e.to_string()))?
        else {
            return Err(malformed("not an object".into()));
        };
        let id = object.get("id").and_then(Value::as_str).map(str::to_owned);
        match object.get("__parentId").and_then(Value::as_str) {
            None => {
                let done = self.current.take();
                self.ids = id.into_iter().collect();
                self.current = Some(BulkRecord {
                    object,
                    children: Vec::new(),
                });
                Ok(done)
            }
            Some(parent) => {
                if !self.ids.iter().any(|i| i == parent) {
                    return Err(malformed(format!(
                        "child of {parent}, which is not the current record"
                    )));
                }
                if let Some(id) = id {
                    self.ids.push(id);
                }
                if let Some(record) = self.current.as_mut() {
                    record.children.push(object);
                }
                Ok(None)
            }
        }
    }

    fn finish(&mut self) -> Option<BulkRecord> {
        self.ids.clear();
        self.current.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_follow_their_parent() {
        let mut s = Stitcher::default();
        let lines = [
            r#"{"id":"gid://shopify/Product/1","title":"A"}"#,
            r#"{"id":"gid://shopify/ProductVariant/11","__parentId":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/InventoryLevel/111","__parentId":"gid://shopify/ProductVariant/11"}"#,
            r#"{"id":"gid://shopify/Product/2","title":"B"}"#,
        ];
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            out.extend(s.push(l, i as u64 + 1).unwrap());
        }
        out.extend(s.finish());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].children.len(), 2);
        assert!(out[1].children.is_empty());
        let orphan = s.push(r#"{"id":"x","__parentId":"gid://shopify/Product/9"}"#, 9);
        assert!(matches!(orphan, Err(BulkError::Malformed { line: 9, .. })));
        assert!(matches!(
            s.push("not json", 10),
            Err(BulkError::Malformed { line: 10, .. })
        ));
    }
}
