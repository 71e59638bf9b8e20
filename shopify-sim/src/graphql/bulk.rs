//! Bulk operations as Shopify runs them: `bulkOperationRunQuery` checks the inner query
//! (one top-level connection, at most five connections nested at most two deep, `id` on
//! every parent of a nested connection), then a background task pages through the root
//! connection, writes one JSONL line per node (nested connection nodes as their own lines
//! with `__parentId`, parents first) to a temporary file, and completes the operation.
//! The store lock is taken per page, so exports of large catalogs neither hold memory nor
//! block writers for long. Finished operations are announced on a broadcast channel so the
//! HTTP layer can deliver the `bulk_operations/finish` webhook.

use std::io::{BufWriter, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::{OperationType, SelectionSet};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use super::Inner;
use super::exec::{Exec, Val};
use super::input::{Vars, arguments};
use super::page::paginate;
use super::select::Selector;
use crate::store::{gid, gid_number, now_iso};

/// Root records read per store-lock acquisition while exporting.
const CHUNK: usize = 250;
/// Shopify's limits on bulk query shape.
const MAX_CONNECTIONS: usize = 5;
const MAX_NESTING: usize = 2;

/// A bulk operation reached a final status (`COMPLETED`, `FAILED`, `CANCELED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkEvent {
    /// The shop's myshopify domain.
    pub shop: String,
    /// `gid://shopify/BulkOperation/<n>`.
    pub id: String,
    pub status: String,
    pub error_code: Option<String>,
    pub created_at: String,
    pub completed_at: Option<String>,
}

impl BulkEvent {
    /// The `bulk_operations/finish` webhook body Shopify sends.
    pub fn webhook_payload(&self) -> Value {
        json!({
            "admin_graphql_api_id": self.id,
            "completed_at": self.completed_at,
            "created_at": self.created_at,
            "error_code": self.error_code.as_ref().map(|c| c.to_lowercase()),
            "status": self.status.to_lowercase(),
            "type": "query",
        })
    }
}

pub(crate) struct Bulk {
    ops: Mutex<Vec<Op>>,
    dir: PathBuf,
    next: AtomicU64,
    events: broadcast::Sender<BulkEvent>,
}

#[derive(Clone)]
struct Op {
    number: u64,
    shop: String,
    query: String,
    status: &'static str,
    created_at: String,
    completed_at: Option<String>,
    object_count: u64,
    root_object_count: u64,
    file_size: Option<u64>,
    error_code: Option<&'static str>,
    url: Option<String>,
    path: Option<PathBuf>,
}

impl Op {
    fn id(&self) -> String {
        gid("BulkOperation", self.number)
    }

    fn in_progress(&self) -> bool {
        matches!(self.status, "CREATED" | "RUNNING" | "CANCELING")
    }

    fn json(&self) -> Value {
        let partial = (self.status != "COMPLETED")
            .then(|| self.url.clone())
            .flatten();
        json!({
            "id": self.id(),
            "status": self.status,
            "type": "QUERY",
            "query": self.query,
            "createdAt": self.created_at,
            "completedAt": self.completed_at,
            "objectCount": self.object_count.to_string(),
            "rootObjectCount": self.root_object_count.to_string(),
            "fileSize": self.file_size.map(|s| s.to_string()),
            "errorCode": self.error_code,
            "url": (self.status == "COMPLETED").then(|| self.url.clone()).flatten(),
            "partialDataUrl": partial,
        })
    }

    fn event(&self) -> BulkEvent {
        BulkEvent {
            shop: self.shop.clone(),
            id: self.id(),
            status: self.status.to_owned(),
            error_code: self.error_code.map(str::to_owned),
            created_at: self.created_at.clone(),
            completed_at: self.completed_at.clone(),
        }
    }
}

impl Bulk {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("shopify-sim-bulk-{}", uuid::Uuid::new_v4()));
        Self {
            ops: Mutex::new(Vec::new()),
            dir,
            next: AtomicU64::new(1),
            events: broadcast::channel(256).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BulkEvent> {
        self.events.subscribe()
    }

    fn ops(&self) -> std::sync::MutexGuard<'_, Vec<Op>> {
        // A poisoned lock means a panic elsewhere mid-update; the records are still usable.
        self.ops.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, number: u64, f: impl FnOnce(&mut Op)) -> Option<Op> {
        let mut ops = self.ops();
        let op = ops.iter_mut().find(|o| o.number == number)?;
        f(op);
        Some(op.clone())
    }

    /// A shop's operation by gid, as a `BulkOperation` object.
    pub fn get(&self, shop: &str, id: &str) -> Option<Value> {
        let number = gid_number(id)?;
        self.ops()
            .iter()
            .find(|o| o.number == number && o.shop == shop)
            .map(Op::json)
    }

    /// The shop's latest query operation (`currentBulkOperation`).
    pub fn current(&self, shop: &str, kind: &str) -> Option<Value> {
        if kind != "QUERY" {
            return None;
        }
        self.ops()
            .iter()
            .rev()
            .find(|o| o.shop == shop)
            .map(Op::json)
    }

    /// All of a shop's operations, oldest first.
    pub fn list(&self, shop: &str) -> Vec<Value> {
        self.ops()
            .iter()
            .filter(|o| o.shop == shop)
            .map(Op::json)
            .collect()
    }

    /// The JSONL file of a completed operation, by number, `<n>.jsonl` or gid.
    pub fn file(&self, id: &str) -> Option<PathBuf> {
        let trimmed = id.trim_end_matches(".jsonl");
        let number = trimmed.parse().ok().or_else(|| gid_number(trimmed))?;
        let ops = self.ops();
        let op = ops.iter().find(|o| o.number == number)?;
        op.path
            .clone()
            .filter(|p| p.exists() && op.status != "CREATED")
    }

    /// `bulkOperationCancel`: a running export stops at its next page.
    pub fn cancel(&self, shop: &str, id: &str) -> Value {
        let number = gid_number(id).unwrap_or(0);
        let mut ops = self.ops();
        let Some(op) = ops
            .iter_mut()
            .find(|o| o.number == number && o.shop == shop)
        else {
            return json!({ "bulkOperation": null, "userErrors": [{ "field": ["id"], "message": "Bulk operation does not exist" }] });
        };
        if !op.in_progress() {
            let message = format!(
                "A bulk operation cannot be canceled when it is {}",
                op.status.to_lowercase()
            );
            return json!({ "bulkOperation": op.json(), "userErrors": [{ "field": null, "message": message }] });
        }
        op.status = "CANCELING";
        json!({ "bulkOperation": op.json(), "userErrors": [] })
    }

    fn status(&self, number: u64) -> Option<&'static str> {
        self.ops()
            .iter()
            .find(|o| o.number == number)
            .map(|o| o.status)
    }
}

impl Drop for Bulk {
    fn drop(&mut self) {
        // Best effort: the directory is ours alone and only holds export files.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `bulkOperationRunQuery`: validates, records the operation as CREATED and starts the export.
pub(crate) fn run_query(api: &Arc<Inner>, shop: &str, query: &str) -> Value {
    let user_error = |message: String, code: &str| json!({ "bulkOperation": null, "userErrors": [{ "field": ["query"], "message": message, "code": code }] });
    if let Err(message) = check(api, query) {
        return user_error(message, "INVALID");
    }
    let op = {
        let mut ops = api.bulk.ops();
        if let Some(running) = ops.iter().find(|o| o.shop == shop && o.in_progress()) {
            let message = format!(
                "A bulk query operation for this app and shop is already in progress: {}.",
                running.id()
            );
            return user_error(message, "OPERATION_IN_PROGRESS");
        }
        let op = Op {
            number: api.bulk.next.fetch_add(1, Ordering::Relaxed),
            shop: shop.to_owned(),
            query: query.to_owned(),
            status: "CREATED",
            created_at: now_iso(),
            completed_at: None,
            object_count: 0,
            root_object_count: 0,
            file_size: None,
            error_code: None,
            url: None,
            path: None,
        };
        // Shopify answers CREATED and starts the operation at once; recording it as RUNNING
        // right away lets `bulkOperations(query: "status:RUNNING")` see it, as it would.
        ops.push(Op {
            status: "RUNNING",
            ..op.clone()
        });
        op
    };
    start(api.clone(), op.number, shop.to_owned(), query.to_owned());
    json!({ "bulkOperation": op.json(), "userErrors": [] })
}

/// Shopify's checks on a bulk query, as a user-error message.
fn check(api: &Inner, query: &str) -> Result<(), String> {
    let doc = ExecutableDocument::parse_and_validate(&api.schema, query, "bulk_query.graphql")
        .map_err(|e| {
            e.errors.iter().next().map_or_else(
                || "Invalid bulk query".to_owned(),
                |d| format!("Invalid bulk query: {}", d.error),
            )
        })?;
    let op = doc
        .operations
        .get(None)
        .map_err(|_| "Bulk queries must contain exactly one operation".to_owned())?;
    if op.operation_type != OperationType::Query {
        return Err("Bulk queries must be query operations".into());
    }
    if !op.variables.is_empty() {
        return Err("Bulk queries cannot use variables".into());
    }
    let vars = Map::new();
    let sel = Selector {
        schema: &api.schema,
        doc: &doc,
        vars: &vars,
    };
    let root = sel.collect(None, &[&op.selection_set]);
    let [(_, fields)] = root.as_slice() else {
        return Err("Bulk queries must contain exactly one top-level field".into());
    };
    let Some(field) = fields.first() else {
        return Err("Bulk queries must contain exactly one top-level field".into());
    };
    if !sel.is_connection(field.definition.ty.inner_named_type()) {
        return Err("Bulk queries must contain at least one connection.".into());
    }
    let mut connections = 0;
    shape(&sel, &[&op.selection_set], 0, false, &mut connections)?;
    if connections > MAX_CONNECTIONS {
        return Err(format!(
            "Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
        ));
    }
    Ok(())
}

/// Counts connections and enforces nesting depth and parent ids, recursively.
fn shape(
    sel: &Selector<'_>,
    sets: &[&SelectionSet],
    depth: usize,
    in_node: bool,
    connections: &mut usize,
) -> Result<(), String> {
    let fields = sel.collect(None, sets);
    let has_id = fields
        .iter()
        .any(|(key, f)| *key == "id" && f.iter().any(|f| f.name == "id"));
    for (_, group) in &fields {
        let Some(field) = group.first() else {
            continue;
        };
        let named = field.definition.ty.inner_named_type().as_str();
        let sub: Vec<&SelectionSet> = group.iter().map(|f| &f.selection_set).collect();
        if sel.is_connection(named) {
            *connections += 1;
            if depth + 1 > MAX_NESTING {
                return Err(format!(
                    "Bulk queries cannot contain connections with a nesting depth greater than {MAX_NESTING}."
                ));
            }
            if in_node && !has_id {
                return Err(format!(
                    "The parent 'node' field for a nested connection must select the 'id' field. Connection fields without 'id': {}.",
                    field.name
                ));
            }
            let (_, node_sets) = sel.node_sets(named, &sub);
            shape(sel, &node_sets, depth + 1, true, connections)?;
        } else if !sel.is_leaf(named) {
            shape(sel, &sub, depth, in_node, connections)?;
        }
    }
    Ok(())
}

/// Runs the export in the background: CREATED → RUNNING → COMPLETED (or FAILED/CANCELED).
fn start(api: Arc<Inner>, number: u64, shop: String, query: String) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        finish(
            &api,
            number,
            Err(anyhow::anyhow!("no async runtime to run the export on")),
        );
        return;
    };
    runtime.spawn(async move {
        let worker = api.clone();
        let result = tokio::task::spawn_blocking(move || export(&worker, number, &shop, &query))
            .await
            .unwrap_or_else(|e| Err(anyhow::anyhow!("export task failed: {e}")));
        finish(&api, number, result);
    });
}

struct Exported {
    objects: u64,
    roots: u64,
    bytes: u64,
    path: PathBuf,
    canceled: bool,
}

fn finish(api: &Inner, number: u64, result: anyhow::Result<Exported>) {
    let base_url = api.base_url();
    let finished = api.bulk.update(number, |op| {
        op.completed_at = Some(now_iso());
        match result {
            Ok(done) => {
                op.status = if done.canceled {
                    "CANCELED"
                } else {
                    "COMPLETED"
                };
                op.object_count = done.objects;
                op.root_object_count = done.roots;
                op.file_size = (done.objects > 0).then_some(done.bytes);
                // Shopify gives no URL for an empty result.
                op.url = (done.objects > 0).then(|| format!("{base_url}/bulk/{number}.jsonl"));
                op.path = Some(done.path);
            }
            Err(error) => {
                tracing::warn!(%error, number, "bulk export failed");
                op.status = "FAILED";
                op.error_code = Some("INTERNAL_SERVER_ERROR");
            }
        }
    });
    if let Some(op) = finished {
        // No receiver just means nobody is listening for webhooks.
        let _ = api.bulk.events.send(op.event());
    }
}

/// Writes the JSONL file, one page of root records per store-lock acquisition.
fn export(api: &Arc<Inner>, number: u64, shop: &str, query: &str) -> anyhow::Result<Exported> {
    let doc = ExecutableDocument::parse_and_validate(&api.schema, query, "bulk_query.graphql")
        .map_err(|e| anyhow::anyhow!("bulk query no longer validates: {}", e.errors))?;
    let op = doc
        .operations
        .get(None)
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let vars = Map::new();
    let sel = Selector {
        schema: &api.schema,
        doc: &doc,
        vars: &vars,
    };
    let root_type = super::input::root_type(&api.schema, op).context("schema has no query root")?;
    let root = sel.collect(Some(root_type), &[&op.selection_set]);
    let field = root
        .first()
        .and_then(|(_, fields)| fields.first())
        .context("bulk query has no field")?;

    std::fs::create_dir_all(&api.bulk.dir).context("while creating the bulk export directory")?;
    let path = api.bulk.dir.join(format!("{number}.jsonl"));
    let mut file =
        BufWriter::new(std::fs::File::create(&path).context("while creating the export file")?);
    let mut done = Exported {
        objects: 0,
        roots: 0,
        bytes: 0,
        path,
        canceled: false,
    };
    let mut after: Option<String> = None;
    loop {
        if api.bulk.status(number) == Some("CANCELING") {
            done.canceled = true;
            break;
        }
        let chunk = {
            let store = api.store.read().unwrap_or_else(|e| e.into_inner());
            let data = store
                .shop(shop)
                .context("the shop left the store during the export")?;
            let exec = Exec::new(sel, data, api, true);
            chunk(&exec, root_type, field, after.as_deref())?
        };
        for line in &chunk.lines {
            file.write_all(line.as_bytes())?;
            file.write_all(b"\n")?;
            done.bytes += line.len() as u64 + 1;
        }
        done.objects += chunk.lines.len() as u64;
        done.roots += chunk.roots;
        let objects = done.objects;
        api.bulk.update(number, |op| op.object_count = objects);
        match chunk.next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    file.flush()?;
    Ok(done)
}

struct Chunk {
    lines: Vec<String>,
    roots: u64,
    next: Option<String>,
}

/// One page of root records, completed and split into lines.
fn chunk<'a>(
    exec: &Exec<'a>,
    root_type: &str,
    field: &'a apollo_compiler::Node<apollo_compiler::executable::Field>,
    after: Option<&str>,
) -> anyhow::Result<Chunk> {
    let mut args: Vars = arguments(field, exec.sel.vars);
    for key in ["first", "last", "before", "after"] {
        args.remove(key);
    }
    args.insert("first".into(), json!(CHUNK));
    if let Some(after) = after {
        args.insert("after".into(), json!(after));
    }
    let items = exec
        .resolve(
            &Val::Root,
            root_type,
            &field.name,
            &args,
            &field.definition.ty,
        )
        .map_err(|e| anyhow::anyhow!(e))?
        .into_items();
    let page = paginate(items, &args, false).map_err(|e| anyhow::anyhow!(e))?;
    let connection = field.definition.ty.inner_named_type().as_str();
    let (node_type, node_sets) = exec.sel.node_sets(connection, &[&field.selection_set]);
    let mut lines = Vec::new();
    let roots = page.items.len() as u64;
    let next = page
        .has_next
        .then(|| page.cursors.last().cloned())
        .flatten();
    for item in page.items {
        let Some(concrete) = exec.concrete_type(&node_type, &item) else {
            continue;
        };
        if let Ok(value) = exec.object(&Val::Json(item), &concrete, &node_sets) {
            split(&exec.sel, value, &concrete, &node_sets, None, &mut lines);
        }
    }
    // Field errors in bulk output leave nulls in the lines, as Shopify's exports do.
    exec.take_errors();
    Ok(Chunk { lines, roots, next })
}

/// Emits a node as a line and its nested connections' nodes as lines after it, each
/// carrying `__parentId`.
fn split(
    sel: &Selector<'_>,
    value: Value,
    ty: &str,
    sets: &[&SelectionSet],
    parent: Option<&str>,
    lines: &mut Vec<String>,
) {
    let Value::Object(mut obj) = value else {
        return;
    };
    let mut children = Vec::new();
    for (key, fields) in sel.collect(Some(ty), sets) {
        let Some(field) = fields.first() else {
            continue;
        };
        let named = field.definition.ty.inner_named_type().as_str();
        if !sel.is_connection(named) {
            continue;
        }
        let Some(connection) = obj.remove(key) else {
            continue;
        };
        let sub: Vec<&SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        let (node_type, node_sets) = sel.node_sets(named, &sub);
        let nodes: Vec<Value> = match connection.get("nodes").and_then(Value::as_array) {
            Some(nodes) => nodes.clone(),
            None => connection
                .get("edges")
                .and_then(Value::as_array)
                .map(|edges| {
                    edges
                        .iter()
                        .filter_map(|e| e.get("node").cloned())
                        .collect()
                })
                .unwrap_or_default(),
        };
        children.push((nodes, node_type, node_sets));
    }
    if let Some(parent) = parent {
        obj.insert("__parentId".into(), json!(parent));
    }
    let id = obj.get("id").and_then(Value::as_str).map(str::to_owned);
    lines.push(Value::Object(obj).to_string());
    let Some(id) = id else {
        return;
    };
    for (nodes, node_type, node_sets) in children {
        for node in nodes {
            let concrete = node
                .get("__typename")
                .and_then(Value::as_str)
                .map_or_else(|| node_type.clone(), str::to_owned);
            split(sel, node, &concrete, &node_sets, Some(&id), lines);
        }
    }
}
