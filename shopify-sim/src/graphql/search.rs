//! Shopify's search syntax for the `query:` argument of connections (`title:*jacket*`,
//! `status:active`, `name:#1001`, `customer_id:123`, `updated_at:>2026-01-01`, `-tag:sale`,
//! `a OR b`, free text) and the `sortKey`/`reverse` ordering. Field names map to the
//! record's camelCase keys, with a few Shopify aliases (`tag`, `sku`, `*_id`, statuses).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use crate::store::{array, gid_number};

/// A parsed query: any clause (OR) of terms that must all hold (AND).
pub(crate) struct Query {
    clauses: Vec<Vec<Term>>,
}

struct Term {
    negated: bool,
    key: Option<String>,
    op: Op,
    value: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Query {
    pub fn parse(text: &str) -> Self {
        let mut clauses = vec![Vec::new()];
        let mut negate_next = false;
        for token in tokens(text) {
            match token.as_str() {
                "OR" => clauses.push(Vec::new()),
                "AND" => {}
                "NOT" => negate_next = true,
                _ => {
                    let (negated, body) = match token.strip_prefix('-') {
                        Some(rest) if !rest.is_empty() => (true, rest),
                        _ => (false, token.as_str()),
                    };
                    let term = term(body, negated != negate_next);
                    negate_next = false;
                    if let Some(clause) = clauses.last_mut() {
                        clause.push(term);
                    }
                }
            }
        }
        clauses.retain(|c| !c.is_empty());
        Self { clauses }
    }

    pub fn matches(&self, record: &Value) -> bool {
        self.clauses.is_empty()
            || self
                .clauses
                .iter()
                .any(|clause| clause.iter().all(|t| t.matches(record) != t.negated))
    }
}

fn term(body: &str, negated: bool) -> Term {
    let (key, rest) = match body.split_once(':') {
        Some((k, v))
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            (Some(k.to_ascii_lowercase()), v)
        }
        _ => (None, body),
    };
    let (op, value) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)]
        .iter()
        .find_map(|(p, op)| rest.strip_prefix(p).map(|v| (*op, v)))
        .unwrap_or((Op::Eq, rest));
    Term {
        negated,
        key,
        op,
        value: value.trim_matches(['"', '\'']).to_lowercase(),
    }
}

/// Splits on whitespace outside quotes; parentheses are grouping Shopify allows but this
/// flat parser ignores.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | ')') => {}
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            (None, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl Term {
    fn matches(&self, record: &Value) -> bool {
        let candidates = match &self.key {
            Some(key) => values(record, key),
            None => free_text(record),
        };
        candidates.iter().any(|c| self.compare(&c.to_lowercase()))
    }

    fn compare(&self, candidate: &str) -> bool {
        let ordering = || match (candidate.parse::<f64>(), self.value.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            _ => candidate.cmp(self.value.as_str()),
        };
        match self.op {
            Op::Eq if self.value.contains('*') => glob(&self.value, candidate),
            // Free text and text fields match whole words or prefixes of them, like search.
            Op::Eq => {
                candidate == self.value
                    || (self.key.is_none() && candidate.contains(&self.value))
                    || candidate
                        .split(|c: char| !c.is_alphanumeric() && c != '#')
                        .any(|w| {
                            w == self.value || (self.key.is_none() && w.starts_with(&self.value))
                        })
            }
            Op::Gt => ordering() == Ordering::Greater,
            Op::Ge => ordering() != Ordering::Less,
            Op::Lt => ordering() == Ordering::Less,
            Op::Le => ordering() != Ordering::Greater,
        }
    }
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// The strings a search field names on a record.
fn values(record: &Value, key: &str) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let field = |name: &str| {
        record
            .get(name)
            .and_then(text)
            .into_iter()
            .collect::<Vec<_>>()
    };
    let number_of = |name: &str| {
        record
            .get(name)
            .and_then(Value::as_str)
            .and_then(gid_number)
            .map(|n| n.to_string())
            .into_iter()
            .collect::<Vec<_>>()
    };
    let variants = |name: &str| -> Vec<String> {
        let mut out = field(name);
        out.extend(
            array(record, "variants")
                .iter()
                .filter_map(|v| v.get(name))
                .filter_map(text),
        );
        out
    };
    match key {
        "id" => number_of("id"),
        "tag" | "tags" => array(record, "tags").iter().filter_map(text).collect(),
        "sku" | "barcode" => variants(key),
        "name" => {
            let mut names = field("name");
            names.extend(
                names
                    .clone()
                    .iter()
                    .map(|n| n.trim_start_matches('#').to_owned()),
            );
            names
        }
        "fulfillment_status" => field("displayFulfillmentStatus"),
        "financial_status" => field("displayFinancialStatus"),
        "operation_type" => field("type"),
        "inventory_total" => vec![
            array(record, "variants")
                .iter()
                .map(crate::store::inventory_quantity)
                .sum::<i64>()
                .to_string(),
        ],
        "published_status" => {
            let published = record.get("status").and_then(Value::as_str) == Some("ACTIVE");
            vec![
                if published {
                    "published"
                } else {
                    "unpublished"
                }
                .to_owned(),
            ]
        }
        _ if key.ends_with("_id") => number_of(&camel(key)),
        _ => {
            let camel = camel(key);
            match record.get(&camel) {
                Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
                Some(v) => text(v).into_iter().collect(),
                None => Vec::new(),
            }
        }
    }
}

/// What free text searches: the record's names, handle, email, vendor, type, tags, SKUs.
fn free_text(record: &Value) -> Vec<String> {
    let mut out: Vec<String> = [
        "title",
        "name",
        "handle",
        "email",
        "firstName",
        "lastName",
        "vendor",
        "productType",
    ]
    .iter()
    .filter_map(|k| record.get(*k).and_then(Value::as_str).map(str::to_owned))
    .collect();
    out.extend(values(record, "tag"));
    out.extend(values(record, "sku"));
    out
}

/// `created_at` → `createdAt`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Orders records by a `*SortKeys` value (ID when unknown or RELEVANCE), then reverses.
pub(crate) fn sort(items: &mut [Cow<'_, Value>], sort_key: Option<&str>, reverse: bool) {
    let key = sort_key.unwrap_or("ID");
    if key != "RELEVANCE" {
        let field = match key {
            "TITLE" => Some("title"),
            "NAME" => Some("name"),
            "UPDATED_AT" => Some("updatedAt"),
            "CREATED_AT" => Some("createdAt"),
            "PROCESSED_AT" => Some("processedAt"),
            "COMPLETED_AT" => Some("completedAt"),
            "VENDOR" => Some("vendor"),
            "PRODUCT_TYPE" => Some("productType"),
            "ORDER_NUMBER" => Some("number"),
            "SKU" => Some("sku"),
            "POSITION" => Some("position"),
            _ => None,
        };
        let id = |v: &Value| v.get("id").and_then(Value::as_str).and_then(gid_number);
        items.sort_by(|a, b| {
            let by_field = field.map_or(Ordering::Equal, |f| compare(a.get(f), b.get(f)));
            by_field.then_with(|| id(a).cmp(&id(b)))
        });
    }
    if reverse {
        items.reverse();
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Some(Value::Null) | None, Some(Value::Null) | None) => Ordering::Equal,
        (Some(Value::Null) | None, _) => Ordering::Less,
        (_, Some(Value::Null) | None) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn product() -> Value {
        json!({
            "id": "gid://shopify/Product/5", "title": "Waxed Canvas Field Jacket",
            "handle": "field-jacket", "status": "ACTIVE", "tags": ["outerwear"],
            "updatedAt": "2026-03-01T00:00:00Z",
            "variants": [{ "sku": "WFJ-M", "inventory": { "l": 3 } }]
        })
    }

    #[test]
    fn shopify_search_terms_match_products() {
        let p = product();
        for q in [
            "title:*canvas*",
            "status:active",
            "handle:field-jacket",
            "jacket",
            "tag:outerwear",
            "sku:wfj-m",
            "updated_at:>2026-01-01",
            "id:5",
            "-status:draft",
            "status:draft OR jack",
            "inventory_total:>=3",
            "\"field jacket\"",
        ] {
            assert!(Query::parse(q).matches(&p), "{q} should match");
        }
        for q in [
            "title:*boot*",
            "status:draft",
            "updated_at:<2026-01-01",
            "-tag:outerwear",
            "NOT jacket",
        ] {
            assert!(!Query::parse(q).matches(&p), "{q} should not match");
        }
    }

    #[test]
    fn order_terms_match_name_email_and_customer() {
        let order = json!({
            "name": "#1001", "email": "emma@example.com",
            "customerId": "gid://shopify/Customer/73"
        });
        for q in [
            "name:#1001",
            "name:1001",
            "email:emma@example.com",
            "customer_id:73",
        ] {
            assert!(Query::parse(q).matches(&order), "{q} should match");
        }
        assert!(!Query::parse("name:#1002").matches(&order));
        assert!(!Query::parse("customer_id:7").matches(&order));
    }
}
