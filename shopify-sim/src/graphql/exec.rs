//! The executor: one generic walker over the validated selection set and the store's JSON.
//! It collects fields, asks `resolve` for each field's raw value, paginates connections,
//! completes values against the schema's types (leaf coercion, abstract-type resolution,
//! lists) and turns failures into field errors with paths, nulling up to the nearest
//! nullable ancestor as the spec says. Nothing here knows about products or orders.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use apollo_compiler::Node;
use apollo_compiler::ast::Type;
use apollo_compiler::executable::{Field, Operation, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use serde_json::{Map, Value, json};

use super::Inner;
use super::input::{Vars, arguments};
use super::introspect::is_meta;
use super::page::{Page, paginate};
use super::resolve;
use super::select::Selector;
use crate::store::{ShopData, gid_parts};

/// A value the walker stands on: a JSON record (borrowed from the store or built for the
/// request), the root, or a piece of a connection page.
#[derive(Clone)]
pub(crate) enum Val<'a> {
    Json(Cow<'a, Value>),
    Root,
    Connection(Rc<Page<'a>>),
    Edge(Rc<Page<'a>>, usize),
    PageInfo(Rc<Page<'a>>),
}

/// What a resolver returns: one value, or the items of a list or connection.
pub(crate) enum Out<'a> {
    One(Val<'a>),
    Many(Vec<Val<'a>>),
}

impl<'a> Out<'a> {
    pub fn null() -> Self {
        Self::owned(Value::Null)
    }

    pub fn owned(value: Value) -> Self {
        Out::One(Val::Json(Cow::Owned(value)))
    }

    pub fn borrowed(value: &'a Value) -> Self {
        Out::One(Val::Json(Cow::Borrowed(value)))
    }

    pub fn opt(value: Option<&'a Value>) -> Self {
        value.map_or_else(Self::null, Self::borrowed)
    }

    pub fn items(items: impl IntoIterator<Item = Cow<'a, Value>>) -> Self {
        Out::Many(items.into_iter().map(Val::Json).collect())
    }

    /// The JSON items this value holds as a list (a JSON array, or resolver items).
    pub fn into_items(self) -> Vec<Cow<'a, Value>> {
        match self {
            Out::Many(vals) => vals
                .into_iter()
                .filter_map(|v| match v {
                    Val::Json(c) => Some(c),
                    _ => None,
                })
                .collect(),
            Out::One(Val::Json(c)) => elements(c),
            Out::One(Val::Connection(page)) => page.items.clone(),
            Out::One(_) => Vec::new(),
        }
    }
}

/// A non-null field failed; its parent becomes null (or fails in turn).
pub(crate) struct Null;

pub(crate) struct Exec<'a> {
    pub sel: Selector<'a>,
    pub shop: &'a ShopData,
    pub api: &'a Arc<Inner>,
    /// Bulk exports read whole nested connections, without page sizes.
    pub unbounded: bool,
    errors: RefCell<Vec<Value>>,
    path: RefCell<Vec<Value>>,
}

impl<'a> Exec<'a> {
    pub fn new(
        sel: Selector<'a>,
        shop: &'a ShopData,
        api: &'a Arc<Inner>,
        unbounded: bool,
    ) -> Self {
        Self {
            sel,
            shop,
            api,
            unbounded,
            errors: RefCell::new(Vec::new()),
            path: RefCell::new(Vec::new()),
        }
    }

    /// Executes an operation: `data` (null if a non-null root field failed) and errors.
    pub fn run(&self, op: &'a Operation, root_type: &str) -> (Value, Vec<Value>) {
        let data = self
            .object(&Val::Root, root_type, &[&op.selection_set])
            .unwrap_or(Value::Null);
        (data, self.errors.take())
    }

    /// Completes an object of concrete type `ty` against the selection sets.
    pub fn object(
        &self,
        val: &Val<'a>,
        ty: &str,
        sets: &[&'a SelectionSet],
    ) -> Result<Value, Null> {
        let mut map = Map::new();
        for (key, fields) in self.sel.collect(Some(ty), sets) {
            self.path.borrow_mut().push(json!(key));
            let value = self.field(val, ty, &fields);
            self.path.borrow_mut().pop();
            map.insert(key.to_owned(), value?);
        }
        Ok(Value::Object(map))
    }

    fn field(
        &self,
        parent: &Val<'a>,
        parent_ty: &str,
        fields: &[&'a Node<Field>],
    ) -> Result<Value, Null> {
        let Some(field) = fields.first() else {
            return Ok(Value::Null);
        };
        if field.name == "__typename" {
            return Ok(json!(parent_ty));
        }
        if matches!(parent, Val::Root) && is_meta(&field.name) {
            // Filled in from apollo-compiler's introspection afterwards.
            return Ok(Value::Null);
        }
        let ty = &field.definition.ty;
        let args = arguments(field, self.sel.vars);
        let sets: Vec<&'a SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        let out = self
            .resolve(parent, parent_ty, field.name.as_str(), &args, ty)
            .and_then(|out| self.shape(out, ty, &args));
        match out {
            Ok(out) => self.complete(field, parent_ty, ty, out, &sets),
            Err(message) => {
                self.error(field, message, "BAD_REQUEST");
                if ty.is_non_null() {
                    Err(Null)
                } else {
                    Ok(Value::Null)
                }
            }
        }
    }

    /// The raw value of a field: connection pieces here, counts generically, everything
    /// else from the resolver table.
    pub fn resolve(
        &self,
        parent: &Val<'a>,
        parent_ty: &str,
        name: &str,
        args: &Vars,
        ty: &Type,
    ) -> Result<Out<'a>, String> {
        if let Some(base) = name.strip_suffix("Count")
            && ty.inner_named_type() == "Count"
            && matches!(parent, Val::Root | Val::Json(_))
        {
            let mut base_args = args.clone();
            base_args.remove("limit");
            let items = self
                .resolve(parent, parent_ty, base, &base_args, ty)?
                .into_items();
            let limit = args
                .get("limit")
                .and_then(Value::as_u64)
                .map(|l| l as usize);
            let count = items.len().min(limit.unwrap_or(usize::MAX));
            let precision = if count < items.len() {
                "AT_LEAST"
            } else {
                "EXACT"
            };
            return Ok(Out::owned(
                json!({ "count": count, "precision": precision }),
            ));
        }
        Ok(match parent {
            Val::Root => return resolve::root(self, parent_ty, name, args, ty),
            Val::Json(obj) => return resolve::field(self, obj, parent_ty, name, args),
            Val::Connection(page) => match name {
                "edges" => Out::Many(
                    (0..page.items.len())
                        .map(|i| Val::Edge(page.clone(), i))
                        .collect(),
                ),
                "nodes" => Out::Many(page.items.iter().cloned().map(Val::Json).collect()),
                "pageInfo" => Out::One(Val::PageInfo(page.clone())),
                _ => Out::null(),
            },
            Val::Edge(page, i) => match name {
                "cursor" => Out::owned(json!(page.cursors.get(*i))),
                "node" => Out::One(Val::Json(page.items.get(*i).cloned().unwrap_or_default())),
                _ => Out::null(),
            },
            Val::PageInfo(page) => Out::owned(match name {
                "hasNextPage" => json!(page.has_next),
                "hasPreviousPage" => json!(page.has_previous),
                "startCursor" => json!(page.cursors.first()),
                "endCursor" => json!(page.cursors.last()),
                _ => Value::Null,
            }),
        })
    }

    /// Paginates connection fields and applies `first` to plain list fields that take it
    /// (`Order.fulfillments(first:)`).
    fn shape(&self, out: Out<'a>, ty: &Type, args: &Vars) -> Result<Out<'a>, String> {
        let named = ty.inner_named_type().as_str();
        if !ty.is_list() && self.sel.is_connection(named) {
            if let Out::One(Val::Connection(_)) = out {
                return Ok(out);
            }
            let page = paginate(out.into_items(), args, self.unbounded)?;
            return Ok(Out::One(Val::Connection(Rc::new(page))));
        }
        match args.get("first").and_then(Value::as_u64) {
            Some(n) if ty.is_list() && !self.unbounded => {
                let mut items = out.into_items();
                items.truncate(n as usize);
                Ok(Out::items(items))
            }
            _ => Ok(out),
        }
    }

    fn complete(
        &self,
        field: &'a Node<Field>,
        parent_ty: &str,
        ty: &Type,
        out: Out<'a>,
        sets: &[&'a SelectionSet],
    ) -> Result<Value, Null> {
        if !ty.is_non_null() {
            return Ok(self
                .complete_nullable(field, parent_ty, ty, out, sets)
                .unwrap_or(Value::Null));
        }
        match self.complete_nullable(field, parent_ty, ty, out, sets)? {
            Value::Null => {
                let message = format!(
                    "Cannot return null for non-nullable field {parent_ty}.{}",
                    field.name
                );
                self.error(field, message, "INTERNAL_SERVER_ERROR");
                Err(Null)
            }
            value => Ok(value),
        }
    }

    fn complete_nullable(
        &self,
        field: &'a Node<Field>,
        parent_ty: &str,
        ty: &Type,
        out: Out<'a>,
        sets: &[&'a SelectionSet],
    ) -> Result<Value, Null> {
        if let Type::List(item) | Type::NonNullList(item) = ty {
            let vals = match out {
                Out::Many(vals) => vals,
                Out::One(Val::Json(c)) if c.is_null() => return Ok(Value::Null),
                Out::One(Val::Json(c)) => elements(c).into_iter().map(Val::Json).collect(),
                Out::One(other) => vec![other],
            };
            let mut list = Vec::with_capacity(vals.len());
            for (i, val) in vals.into_iter().enumerate() {
                self.path.borrow_mut().push(json!(i));
                let value = self.complete(field, parent_ty, item, Out::One(val), sets);
                self.path.borrow_mut().pop();
                list.push(value?);
            }
            return Ok(Value::Array(list));
        }
        let name = ty.inner_named_type().as_str();
        let val = match out {
            Out::One(val) => val,
            Out::Many(vals) => vals
                .into_iter()
                .next()
                .unwrap_or(Val::Json(Cow::Owned(Value::Null))),
        };
        match val {
            Val::Json(c) if c.is_null() => Ok(Value::Null),
            Val::Json(c) if self.sel.is_leaf(name) => self.leaf(field, name, &c),
            Val::Json(c) => {
                let c = resolve::wrap(self.shop, name, c);
                let Some(concrete) = self.concrete_type(name, &c) else {
                    let message = format!("Could not resolve the {name} type of this value");
                    self.error(field, message, "INTERNAL_SERVER_ERROR");
                    return Err(Null);
                };
                self.object(&Val::Json(c), &concrete, sets)
            }
            other => self.object(&other, name, sets),
        }
    }

    /// The object type of a record: the declared type when it is an object type, else the
    /// record's `__typename` or the type its gid names, if that fits the declared type.
    pub fn concrete_type(&self, declared: &str, value: &Value) -> Option<String> {
        if !value.is_object() {
            return None;
        }
        if let Some(ExtendedType::Object(_)) = self.sel.schema.types.get(declared) {
            return Some(declared.to_owned());
        }
        let named = typename_of(value)?;
        self.fits(declared, named).then(|| named.to_owned())
    }

    /// Whether an object of type `concrete` can stand where `declared` is expected.
    pub fn fits(&self, declared: &str, concrete: &str) -> bool {
        declared == concrete || self.sel.schema.is_subtype(declared, concrete)
    }

    /// Result coercion of scalars and enums; a value of the wrong shape is a field error.
    fn leaf(&self, field: &'a Node<Field>, name: &str, value: &Value) -> Result<Value, Null> {
        let coerced = match (name, value) {
            ("Int", Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Value::from),
            ("Int", Value::String(s)) => s.parse::<i64>().ok().map(Value::from),
            ("Float", Value::Number(_)) => Some(value.clone()),
            ("Float", Value::String(s)) => s.parse::<f64>().ok().map(Value::from),
            ("Boolean", Value::Bool(_)) | ("JSON", _) => Some(value.clone()),
            ("Boolean" | "Int" | "Float", _) => None,
            (_, Value::String(s)) => match self.sel.schema.types.get(name) {
                Some(ExtendedType::Enum(def)) => [s.clone(), s.to_uppercase()]
                    .into_iter()
                    .find(|v| def.values.contains_key(v.as_str()))
                    .map(Value::String),
                _ => Some(value.clone()),
            },
            (_, Value::Number(_) | Value::Bool(_)) => match self.sel.schema.types.get(name) {
                Some(ExtendedType::Enum(_)) => None,
                _ => Some(json!(value.to_string())),
            },
            _ => None,
        };
        coerced.ok_or_else(|| {
            self.error(
                field,
                format!("{name} cannot represent value: {value}"),
                "INTERNAL_SERVER_ERROR",
            );
            Null
        })
    }

    fn error(&self, field: &Node<Field>, message: String, code: &str) {
        let mut error = super::errors::error(
            message,
            super::errors::location(field.location(), &self.sel.doc.sources),
            code,
        );
        error["path"] = Value::Array(self.path.borrow().clone());
        self.errors.borrow_mut().push(error);
    }

    /// Errors collected so far (bulk exports drop them; the response reports them).
    pub fn take_errors(&self) -> Vec<Value> {
        self.errors.take()
    }
}

/// The items of a JSON array (borrowed stays borrowed); a non-array is a one-item list.
pub(crate) fn elements<'a>(value: Cow<'a, Value>) -> Vec<Cow<'a, Value>> {
    match value {
        Cow::Borrowed(Value::Array(items)) => items.iter().map(Cow::Borrowed).collect(),
        Cow::Owned(Value::Array(items)) => items.into_iter().map(Cow::Owned).collect(),
        Cow::Borrowed(Value::Null) | Cow::Owned(Value::Null) => Vec::new(),
        other => vec![other],
    }
}

/// The type a record names itself: its `__typename`, else the type in its gid.
pub(crate) fn typename_of(value: &Value) -> Option<&str> {
    value.get("__typename").and_then(Value::as_str).or_else(|| {
        value
            .get("id")
            .and_then(Value::as_str)
            .and_then(gid_parts)
            .map(|(k, _)| k)
    })
}

/// A key of a record, keeping borrowed data borrowed.
pub(crate) fn child<'a>(value: &Cow<'a, Value>, key: &str) -> Option<Cow<'a, Value>> {
    match value {
        Cow::Borrowed(v) => {
            let v: &'a Value = v;
            v.get(key).map(Cow::Borrowed)
        }
        Cow::Owned(v) => v.get(key).cloned().map(Cow::Owned),
    }
}
