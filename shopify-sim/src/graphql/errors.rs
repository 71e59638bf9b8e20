//! GraphQL errors in the shape Shopify's Admin API returns them: `message`, `locations`,
//! `path` for field errors, and an `extensions.code` a client can branch on. Validation
//! codes follow graphql-ruby, which Shopify runs (`undefinedField`, `missingRequiredArguments`,
//! ...); throttling and cost codes are Shopify's own.

use apollo_compiler::parser::{SourceMap, SourceSpan};
use apollo_compiler::validation::DiagnosticList;
use serde_json::{Value, json};

/// One error object.
pub(crate) fn error(message: impl Into<String>, locations: Vec<Value>, code: &str) -> Value {
    let mut error = json!({ "message": message.into(), "extensions": { "code": code } });
    if !locations.is_empty() {
        error["locations"] = Value::Array(locations);
    }
    error
}

/// `{"line", "column"}` of a source span, as GraphQL responses write locations.
pub(crate) fn location(span: Option<SourceSpan>, sources: &SourceMap) -> Vec<Value> {
    span.and_then(|s| s.line_column(sources))
        .map(|lc| json!({ "line": lc.line, "column": lc.column }))
        .into_iter()
        .collect()
}

/// Parse and validation diagnostics as Shopify reports them (a request error: no `data`).
pub(crate) fn from_diagnostics(list: &DiagnosticList) -> Vec<Value> {
    list.iter()
        .map(|diagnostic| {
            let name = diagnostic.error.unstable_error_name();
            let compat = diagnostic.unstable_to_json_compat();
            let message = match name {
                Some("UndefinedField") => ruby_undefined_field(&compat.message),
                _ => None,
            }
            .unwrap_or(compat.message);
            let locations = compat
                .locations
                .iter()
                .map(|lc| json!({ "line": lc.line, "column": lc.column }))
                .collect();
            error(message, locations, code_for(name))
        })
        .collect()
}

/// graphql-ruby's code for an apollo-compiler diagnostic.
fn code_for(name: Option<&str>) -> &'static str {
    match name {
        None => "syntaxError",
        Some("UndefinedField") => "undefinedField",
        Some("UndefinedArgument") => "argumentNotAccepted",
        Some("RequiredArgument") => "missingRequiredArguments",
        Some(
            "UnsupportedValueType"
            | "IntCoercionError"
            | "FloatCoercionError"
            | "UndefinedEnumValue"
            | "UndefinedInputValue"
            | "RequiredField",
        ) => "argumentLiteralsIncompatible",
        Some("UndefinedVariable") => "variableNotDefined",
        Some("UnusedVariable") => "variableNotUsed",
        Some("DisallowedVariableUsage") => "variableMismatch",
        Some("UnusedFragment" | "UndefinedFragment") => "useAndDefineFragment",
        Some(
            "UndefinedDefinition"
            | "UndefinedTypeInNamedFragmentTypeCondition"
            | "UndefinedTypeInInlineFragmentTypeCondition",
        ) => "undefinedType",
        Some("MissingSubselection" | "SubselectionOnScalarType" | "SubselectionOnEnumType") => {
            "selectionMismatch"
        }
        Some("ConflictingFieldType" | "ConflictingFieldName" | "ConflictingFieldArgument") => {
            "fieldConflict"
        }
        Some("InvalidFragmentSpread" | "InvalidFragmentTarget") => "cannotSpreadFragment",
        Some("UndefinedRootOperation") => "missingQueryConfiguration",
        Some(_) => "validationError",
    }
}

/// `Cannot query field "foo" on type "Product".` → `Field 'foo' doesn't exist on type 'Product'`.
fn ruby_undefined_field(compat: &str) -> Option<String> {
    let mut quoted = compat.split('"').skip(1).step_by(2);
    let field = quoted.next()?;
    let ty = quoted.next()?;
    Some(format!("Field '{field}' doesn't exist on type '{ty}'"))
}

/// Shopify's answer when one query asks for more than the single-query limit.
pub(crate) fn max_cost_exceeded(cost: f64, max: f64) -> Value {
    json!({
        "message": format!(
            "Query cost is {cost}, which exceeds the single query max cost limit ({max}).\n\n\
             See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n\
             cost of a query is calculated.\n\n\
             To query larger amounts of data with fewer limits, bulk operations should be used instead.\n\
             See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
        ),
        "extensions": { "code": "MAX_COST_EXCEEDED", "cost": cost as i64, "maxCost": max as i64 },
    })
}

/// Shopify's throttled error (the response also carries `extensions.cost`).
pub(crate) fn throttled() -> Value {
    json!({
        "message": "Throttled",
        "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_field_reads_like_graphql_ruby() {
        assert_eq!(
            ruby_undefined_field(r#"Cannot query field "foo" on type "Product"."#).as_deref(),
            Some("Field 'foo' doesn't exist on type 'Product'")
        );
    }
}
