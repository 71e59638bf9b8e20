//! Inputs of an operation: request variables coerced against their declared types (with
//! graphql-ruby's error wording, which Shopify returns), and field arguments evaluated to
//! plain JSON with variables substituted and schema defaults applied.

use apollo_compiler::ast::{self, Type};
use apollo_compiler::executable::{DirectiveList, Field, Operation};
use apollo_compiler::parser::SourceMap;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema};
use serde_json::{Map, Value, json};

use super::errors;

pub(crate) type Vars = Map<String, Value>;

/// Coerces the request's `variables` against the operation's definitions. Missing
/// non-null variables and values of the wrong type are request errors, one per variable.
pub(crate) fn coerce_variables(
    schema: &Schema,
    op: &Operation,
    raw: &Map<String, Value>,
    sources: &SourceMap,
) -> Result<Vars, Vec<Value>> {
    let mut out = Map::new();
    let mut problems = Vec::new();
    for def in &op.variables {
        let name = def.name.as_str();
        let value = match (raw.get(name), &def.default_value) {
            (Some(value), _) => value.clone(),
            (None, Some(default)) => literal(default, &Map::new()),
            (None, None) if !def.ty.is_non_null() => continue,
            (None, None) => Value::Null,
        };
        let mut found = Vec::new();
        let coerced = coerce(schema, &def.ty, value.clone(), &mut Vec::new(), &mut found);
        if found.is_empty() {
            out.insert(name.to_owned(), coerced);
        } else {
            let mut error = errors::error(
                format!(
                    "Variable ${name} of type {} was provided invalid value",
                    def.ty
                ),
                errors::location(def.location(), sources),
                "INVALID_VARIABLE",
            );
            error["extensions"]["value"] = value;
            error["extensions"]["problems"] = Value::Array(found);
            problems.push(error);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Input coercion of one value; problems are `{"path", "explanation"}` like graphql-ruby's.
fn coerce(
    schema: &Schema,
    ty: &Type,
    value: Value,
    path: &mut Vec<Value>,
    problems: &mut Vec<Value>,
) -> Value {
    let mut problem = |path: &[Value], explanation: String| {
        problems.push(json!({ "path": path, "explanation": explanation }));
        Value::Null
    };
    if value.is_null() {
        return if ty.is_non_null() {
            problem(path, "Expected value to not be null".into())
        } else {
            Value::Null
        };
    }
    match ty {
        Type::List(item) | Type::NonNullList(item) => {
            let items = match value {
                Value::Array(items) => items,
                single => vec![single],
            };
            let coerced = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    path.push(json!(i));
                    let c = coerce(schema, item, v, path, problems);
                    path.pop();
                    c
                })
                .collect();
            Value::Array(coerced)
        }
        Type::Named(name) | Type::NonNullNamed(name) => match schema.types.get(name.as_str()) {
            Some(ExtendedType::Scalar(_)) => match scalar(name.as_str(), value) {
                Ok(v) => v,
                Err(v) => problem(path, format!("Could not coerce value {v} to {name}")),
            },
            Some(ExtendedType::Enum(def)) => match value.as_str() {
                Some(s) if def.values.contains_key(s) => value,
                _ => {
                    let allowed: Vec<&str> = def.values.keys().map(|k| k.as_str()).collect();
                    problem(
                        path,
                        format!("Expected {value} to be one of: {}", allowed.join(", ")),
                    )
                }
            },
            Some(ExtendedType::InputObject(def)) => {
                let Value::Object(mut fields) = value else {
                    return problem(path, format!("Expected {value} to be a key-value object"));
                };
                for key in fields.keys() {
                    if !def.fields.contains_key(key.as_str()) {
                        let mut at = path.clone();
                        at.push(json!(key));
                        problems.push(json!({
                            "path": at,
                            "explanation": format!("Field is not defined on {name}"),
                        }));
                    }
                }
                let mut out = Map::new();
                for (field_name, field_def) in &def.fields {
                    let key = field_name.as_str();
                    let raw = match (fields.remove(key), &field_def.default_value) {
                        (Some(v), _) => v,
                        (None, Some(default)) => literal(default, &Map::new()),
                        (None, None) if field_def.ty.is_non_null() => Value::Null,
                        (None, None) => continue,
                    };
                    path.push(json!(key));
                    let coerced = coerce(schema, &field_def.ty, raw, path, problems);
                    path.pop();
                    out.insert(key.to_owned(), coerced);
                }
                Value::Object(out)
            }
            _ => problem(path, format!("{name} is not an input type")),
        },
    }
}

/// Built-in scalars are checked strictly; Shopify's custom scalars (URL, DateTime, Money,
/// JSON, ...) accept what their JSON form can be.
fn scalar(name: &str, value: Value) -> Result<Value, Value> {
    match (name, &value) {
        ("Int", Value::Number(n)) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => {
            Ok(value)
        }
        ("Float", Value::Number(_))
        | ("Boolean", Value::Bool(_))
        | ("String", Value::String(_)) => Ok(value),
        ("ID", Value::String(_)) => Ok(value),
        ("ID", Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(json!(n.to_string())),
        ("Int" | "Float" | "Boolean" | "String" | "ID", _) => Err(value),
        ("JSON", _) => Ok(value),
        (_, Value::String(_) | Value::Number(_) | Value::Bool(_)) => Ok(value),
        _ => Err(value),
    }
}

/// A field's arguments as JSON: given values (variables substituted), then schema defaults.
/// Arguments bound to absent variables stay absent, as the spec says.
pub(crate) fn arguments(field: &Field, vars: &Vars) -> Vars {
    let mut out = Map::new();
    for def in &field.definition.arguments {
        let given = field
            .arguments
            .iter()
            .find(|a| a.name == def.name)
            .map(|a| &a.value);
        let value = match (given, &def.default_value) {
            (Some(v), _) => match v.as_ref() {
                ast::Value::Variable(var) if !vars.contains_key(var.as_str()) => continue,
                _ => literal(v, vars),
            },
            (None, Some(default)) => literal(default, vars),
            (None, None) => continue,
        };
        out.insert(def.name.to_string(), value);
    }
    out
}

/// A GraphQL literal as JSON; enum values become strings, variables their values.
pub(crate) fn literal(value: &Node<ast::Value>, vars: &Vars) -> Value {
    match value.as_ref() {
        ast::Value::Null => Value::Null,
        ast::Value::Enum(name) => json!(name.as_str()),
        ast::Value::Variable(name) => vars.get(name.as_str()).cloned().unwrap_or(Value::Null),
        ast::Value::String(s) => json!(s),
        ast::Value::Float(f) => f
            .try_to_f64()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        ast::Value::Int(i) => i
            .as_str()
            .parse::<i64>()
            .map_or_else(|_| json!(i.as_str()), |n| json!(n)),
        ast::Value::Boolean(b) => json!(b),
        ast::Value::List(items) => Value::Array(items.iter().map(|v| literal(v, vars)).collect()),
        ast::Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), literal(v, vars)))
                .collect(),
        ),
    }
}

/// Whether `@skip`/`@include` keep a selection.
pub(crate) fn included(directives: &DirectiveList, vars: &Vars) -> bool {
    let flag = |name: &str| {
        directives
            .get(name)
            .and_then(|d| d.specified_argument_by_name("if"))
            .map(|v| literal(v, vars) == Value::Bool(true))
    };
    flag("skip") != Some(true) && flag("include") != Some(false)
}

/// The operation's root type in this schema (`QueryRoot`, `Mutation`).
pub(crate) fn root_type<'s>(schema: &'s Valid<Schema>, op: &Operation) -> Option<&'s str> {
    schema
        .root_operation(op.operation_type)
        .map(|name| name.as_str())
}
