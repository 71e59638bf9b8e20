//! Shopify's calculated query cost. Requested cost is known before execution from the
//! selection and page sizes; actual cost is recomputed from what the response holds (short
//! pages and null objects cost less), and the difference is refunded to the bucket.
//!
//! Rules: scalars and enums 0; an object 1 plus its selection; a connection 2 plus, per
//! node (`first`/`last` of them when requested, the ones returned when actual), the node's
//! cost; a list of objects counts each element (its `first`, else 1, when requested); every
//! mutation field 10.

use apollo_compiler::Node;
use apollo_compiler::executable::{Field, Operation, OperationType, SelectionSet};
use serde_json::Value;

use super::input::{Vars, arguments};
use super::select::Selector;

/// Cost of one mutation field, whatever it selects.
const MUTATION_COST: f64 = 10.0;

/// The cost the operation may incur.
pub(crate) fn requested(sel: &Selector<'_>, op: &Operation, vars: &Vars) -> f64 {
    Cost {
        sel,
        vars,
        actual: false,
    }
    .operation(op, None)
}

/// The cost of what `data` holds.
pub(crate) fn actual(sel: &Selector<'_>, op: &Operation, vars: &Vars, data: &Value) -> f64 {
    Cost {
        sel,
        vars,
        actual: true,
    }
    .operation(op, Some(data))
}

struct Cost<'c, 'd> {
    sel: &'c Selector<'d>,
    vars: &'c Vars,
    actual: bool,
}

impl<'d> Cost<'_, 'd> {
    fn operation(&self, op: &'d Operation, data: Option<&Value>) -> f64 {
        if op.operation_type == OperationType::Mutation {
            let fields = self.sel.collect(None, &[&op.selection_set]);
            return fields.len() as f64 * MUTATION_COST;
        }
        self.set(&[&op.selection_set], data)
    }

    fn set(&self, sets: &[&'d SelectionSet], data: Option<&Value>) -> f64 {
        self.sel
            .collect(None, sets)
            .iter()
            .map(|(key, fields)| self.field(fields, data.and_then(|d| d.get(*key))))
            .sum()
    }

    fn field(&self, fields: &[&'d Node<Field>], data: Option<&Value>) -> f64 {
        let Some(field) = fields.first() else {
            return 0.0;
        };
        let named = field.definition.ty.inner_named_type().as_str();
        if field.name.starts_with("__") || self.sel.is_leaf(named) {
            return 0.0;
        }
        if self.actual && data.is_none_or(Value::is_null) {
            return 0.0;
        }
        let sets: Vec<&SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        let page_size = || {
            let args = arguments(field, self.vars);
            ["first", "last"]
                .iter()
                .find_map(|k| args.get(*k).and_then(Value::as_f64))
                .unwrap_or(1.0)
        };
        if self.sel.is_connection(named) {
            let (_, node_sets) = self.sel.node_sets(named, &sets);
            let node = |d: Option<&Value>| 1.0 + self.set(&node_sets, d);
            if !self.actual {
                return 2.0 + page_size() * node(None);
            }
            let nodes = data
                .and_then(|d| d.get("nodes"))
                .and_then(Value::as_array)
                .map(|nodes| nodes.iter().collect::<Vec<_>>())
                .or_else(|| {
                    let edges = data?.get("edges")?.as_array()?;
                    Some(edges.iter().filter_map(|e| e.get("node")).collect())
                })
                .unwrap_or_default();
            return 2.0 + nodes.into_iter().map(|n| node(Some(n))).sum::<f64>();
        }
        let object = |d: Option<&Value>| 1.0 + self.set(&sets, d);
        match (field.definition.ty.is_list(), self.actual, data) {
            (true, false, _) => page_size() * object(None),
            (true, true, Some(Value::Array(items))) => items.iter().map(|i| object(Some(i))).sum(),
            _ => object(data),
        }
    }
}
