//! Introspection (`__schema`, `__type`) answered by apollo-compiler from the schema, so
//! GraphiQL and code generators can be pointed at the simulator like at Shopify. The walker
//! leaves these root fields null; their values are merged in from here.

use apollo_compiler::executable::Operation;
use apollo_compiler::response::JsonMap;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, introspection, request};
use serde_json::{Map, Value};

use super::errors;
use super::schema::Loaded;
use super::select::Selector;

/// Whether the operation selects `__schema` or `__type` at its root.
pub(crate) fn wanted(sel: &Selector<'_>, op: &Operation) -> bool {
    sel.collect(None, &[&op.selection_set])
        .iter()
        .any(|(_, fields)| fields.iter().any(|f| is_meta(f.name.as_str())))
}

/// Root fields this module answers.
pub(crate) fn is_meta(name: &str) -> bool {
    matches!(name, "__schema" | "__type")
}

/// The introspection part of the response data, keyed by response key.
pub(crate) fn execute(
    loaded: &Loaded,
    doc: &Valid<ExecutableDocument>,
    op: &Operation,
    vars: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<Value>> {
    let internal =
        |message: String| vec![errors::error(message, Vec::new(), "INTERNAL_SERVER_ERROR")];
    let raw: JsonMap = serde_json::from_value(Value::Object(vars.clone()))
        .map_err(|e| internal(format!("variables: {e}")))?;
    let coerced = request::coerce_variable_values(&loaded.schema, op, &raw).map_err(|e| {
        vec![errors::error(
            e.message().to_string(),
            Vec::new(),
            "INVALID_VARIABLE",
        )]
    })?;
    let response =
        introspection::partial_execute(&loaded.schema, &loaded.implementers, doc, op, &coerced)
            .map_err(|e| {
                vec![errors::error(
                    e.message().to_string(),
                    Vec::new(),
                    "BAD_REQUEST",
                )]
            })?;
    let found: Vec<Value> = response
        .errors
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    if !found.is_empty() {
        return Err(found);
    }
    match serde_json::to_value(response.data) {
        Ok(Value::Object(data)) => Ok(data),
        _ => Err(internal("introspection produced no data".into())),
    }
}
