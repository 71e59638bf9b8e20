//! A bulk operation's JSONL result stitched into records: `__parentId` children back onto
//! their parents. Shopify writes a parent before its children and a record's children before
//! the next top-level record, so a record is complete when the next top-level line arrives
//! and only one is held at a time. A leaf (serde_json only), so that the fuzz targets
//! (`fuzz/`) compile it on its own.

use serde_json::{Map, Value};

/// A top-level object with its nested children grouped by type (`"ProductVariant"` →
/// `[...]`), as read from the gid in each child's `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRecord {
    pub object: Map<String, Value>,
    pub children: Vec<Map<String, Value>>,
}

/// A line that is not JSON, not an object, or a child of no record being read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("result line {line}: {reason}")]
pub struct Malformed {
    pub line: u64,
    pub reason: String,
}

/// A whole JSONL result stitched at once, line by line as the bulk reader does it (blank
/// lines skipped, lines counted from 1).
pub fn stitch(jsonl: &str) -> Result<Vec<BulkRecord>, Malformed> {
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
pub struct Stitcher {
    current: Option<BulkRecord>,
    /// Ids within the current record, so grandchildren can name a child as parent.
    ids: Vec<String>,
}

impl Stitcher {
    /// Reads line `n`; returns the record it completes, if any.
    pub fn push(&mut self, line: &str, n: u64) -> Result<Option<BulkRecord>, Malformed> {
        let malformed = |reason: String| Malformed { line: n, reason };
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

    /// The last record, at the end of the file.
    pub fn finish(&mut self) -> Option<BulkRecord> {
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
        assert!(matches!(orphan, Err(Malformed { line: 9, .. })));
        assert!(matches!(
            s.push("not json", 10),
            Err(Malformed { line: 10, .. })
        ));
    }

    #[test]
    fn a_whole_file_stitches_as_its_lines_do_counting_blank_lines() {
        let file = "{\"id\":\"p1\"}\n\n{\"id\":\"v1\",\"__parentId\":\"p1\"}\r\n{\"id\":\"p2\"}\n";
        let records = stitch(file).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].children.len(), 1);
        assert_eq!(records[1].object["id"], "p2");
        assert_eq!(stitch("").unwrap(), Vec::new());
        // The orphan is on line 3: the blank line 2 still counts.
        assert_eq!(
            stitch("{\"id\":\"p1\"}\n\n{\"__parentId\":\"p9\"}")
                .unwrap_err()
                .line,
            3
        );
    }
}
