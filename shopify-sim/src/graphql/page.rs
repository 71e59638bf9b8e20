//! Relay pagination over a resolved list: `first`/`after`, `last`/`before`, and opaque
//! cursors shaped like Shopify's (base64 of `{"last_id":..,"last_value":..}`), which name the
//! record rather than its position, so a page boundary survives deletions before it.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::store::gid_number;

/// Shopify's page-size limit.
pub(crate) const MAX_PAGE: usize = 250;

/// One page of a connection.
pub(crate) struct Page<'a> {
    pub items: Vec<Cow<'a, Value>>,
    pub cursors: Vec<String>,
    pub has_next: bool,
    pub has_previous: bool,
}

/// Cuts a page out of `items` by the connection arguments. `unbounded` (bulk exports)
/// ignores page sizes and takes everything.
pub(crate) fn paginate<'a>(
    items: Vec<Cow<'a, Value>>,
    args: &Map<String, Value>,
    unbounded: bool,
) -> Result<Page<'a>, String> {
    let size = |key: &str| -> Result<Option<usize>, String> {
        match args.get(key).and_then(Value::as_i64) {
            None => Ok(None),
            Some(n) if n < 0 => Err(format!("`{key}` must be a non-negative integer")),
            Some(n) if n as usize > MAX_PAGE && !unbounded => Err(format!(
                "The maximum page size is {MAX_PAGE}; `{key}: {n}` asks for more"
            )),
            Some(n) => Ok(Some(n as usize)),
        }
    };
    let (first, last) = (size("first")?, size("last")?);
    if first.is_none() && last.is_none() && !unbounded {
        return Err("you must provide one of first or last".into());
    }
    let cursor = |key: &str| args.get(key).and_then(Value::as_str);
    let start = match cursor("after") {
        Some(c) => bound(&items, c, true)?,
        None => 0,
    };
    let end = match cursor("before") {
        Some(c) => bound(&items, c, false)?,
        None => items.len(),
    }
    .clamp(start, items.len().max(start));
    let (mut from, mut to) = (start, end);
    if !unbounded {
        if let Some(first) = first {
            to = to.min(from + first);
        }
        if let Some(last) = last {
            from = from.max(to.saturating_sub(last));
        }
    }
    let has_next = to < end || (end < items.len() && cursor("before").is_some());
    let has_previous = from > 0;
    let cursors = (from..to).map(|i| cursor_for(&items[i], i)).collect();
    let items = items.into_iter().skip(from).take(to - from).collect();
    Ok(Page {
        items,
        cursors,
        has_next,
        has_previous,
    })
}

/// The cursor of an item: its gid number when it has one, else its position.
pub(crate) fn cursor_for(item: &Value, index: usize) -> String {
    let body = match item.get("id").and_then(Value::as_str).and_then(gid_number) {
        Some(id) => json!({ "last_id": id, "last_value": id.to_string() }),
        None => json!({ "offset": index }),
    };
    STANDARD.encode(body.to_string())
}

/// Where a page starts (`after`) or ends (`before`) for a cursor. The cursor of a deleted
/// record resolves to the first record with a higher id (the default ID order), as Shopify's
/// keyset cursors do.
fn bound(items: &[Cow<'_, Value>], cursor: &str, after: bool) -> Result<usize, String> {
    let invalid = || format!("Invalid cursor: {cursor}");
    let bytes = STANDARD.decode(cursor).map_err(|_| invalid())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let past = usize::from(after);
    if let Some(offset) = body.get("offset").and_then(Value::as_u64) {
        return Ok((offset as usize + past).min(items.len()));
    }
    let last = body
        .get("last_id")
        .and_then(Value::as_u64)
        .ok_or_else(invalid)?;
    let id = |item: &Cow<'_, Value>| item.get("id").and_then(Value::as_str).and_then(gid_number);
    if let Some(p) = items.iter().position(|i| id(i) == Some(last)) {
        return Ok(p + past);
    }
    Ok(items
        .iter()
        .position(|i| id(i).is_some_and(|n| n > last))
        .unwrap_or(items.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: u64) -> Vec<Cow<'static, Value>> {
        (1..=n)
            .map(|i| Cow::Owned(json!({ "id": format!("gid://shopify/Product/{i}") })))
            .collect()
    }

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn forward_pages_cover_everything_once() {
        let mut after: Option<String> = None;
        let mut seen = 0;
        loop {
            let mut a = args(json!({ "first": 3 }));
            if let Some(c) = &after {
                a.insert("after".into(), json!(c));
            }
            let page = paginate(items(10), &a, false).unwrap();
            seen += page.items.len();
            if !page.has_next {
                break;
            }
            after = page.cursors.last().cloned();
        }
        assert_eq!(seen, 10);
    }

    #[test]
    fn last_and_before_page_backwards() {
        let page = paginate(items(10), &args(json!({ "last": 2 })), false).unwrap();
        assert_eq!(page.items[0]["id"], "gid://shopify/Product/9");
        assert!(page.has_previous && !page.has_next);
        let before = page.cursors[0].clone();
        let page = paginate(
            items(10),
            &args(json!({ "last": 3, "before": before })),
            false,
        )
        .unwrap();
        assert_eq!(page.items.len(), 3);
        assert_eq!(page.items[0]["id"], "gid://shopify/Product/6");
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        assert!(paginate(items(3), &args(json!({})), false).is_err());
        assert!(paginate(items(3), &args(json!({ "first": 251 })), false).is_err());
        assert!(
            paginate(
                items(3),
                &args(json!({ "first": 1, "after": "%%%" })),
                false
            )
            .is_err()
        );
        assert_eq!(
            paginate(items(3), &args(json!({})), true)
                .unwrap()
                .items
                .len(),
            3
        );
    }

    #[test]
    fn cursor_of_a_deleted_record_resumes_after_it() {
        let mut list = items(5);
        let cursor = cursor_for(&list[1], 1);
        list.remove(1);
        let page = paginate(list, &args(json!({ "first": 1, "after": cursor })), false).unwrap();
        assert_eq!(page.items[0]["id"], "gid://shopify/Product/3");
    }
}
