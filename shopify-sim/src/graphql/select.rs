//! Field collection (the spec's CollectFields): flattens fragments whose type condition
//! applies, drops `@skip`/`@include`d selections, and groups fields by response key so
//! aliases and repeated fields merge. Execution, cost and bulk export all walk through it.

use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{ExecutableDocument, Node, Schema};

use super::input::{Vars, included};

/// Fields grouped by response key, in document order.
pub(crate) type Grouped<'d> = Vec<(&'d str, Vec<&'d Node<Field>>)>;

#[derive(Clone, Copy)]
pub(crate) struct Selector<'d> {
    pub schema: &'d Schema,
    pub doc: &'d ExecutableDocument,
    pub vars: &'d Vars,
}

impl<'d> Selector<'d> {
    /// Collects the fields of `sets` that apply to an object of type `ty`; `None` (used for
    /// static cost, where the concrete type is unknown) lets every fragment apply.
    pub fn collect(&self, ty: Option<&str>, sets: &[&'d SelectionSet]) -> Grouped<'d> {
        let mut out: Grouped<'d> = Vec::new();
        for set in sets {
            self.collect_into(ty, set, &mut out, 0);
        }
        out
    }

    fn collect_into(
        &self,
        ty: Option<&str>,
        set: &'d SelectionSet,
        out: &mut Grouped<'d>,
        depth: usize,
    ) {
        // Validation rejects fragment cycles; the depth bound only guards against surprises.
        if depth > 64 {
            return;
        }
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if !included(&field.directives, self.vars) {
                        continue;
                    }
                    let key = field.response_key().as_str();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => out.push((key, vec![field])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if !included(&spread.directives, self.vars) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(&spread.fragment_name)
                        && self.applies(fragment.type_condition().as_str(), ty)
                    {
                        self.collect_into(ty, &fragment.selection_set, out, depth + 1);
                    }
                }
                Selection::InlineFragment(inline) => {
                    if !included(&inline.directives, self.vars) {
                        continue;
                    }
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|cond| self.applies(cond.as_str(), ty));
                    if applies {
                        self.collect_into(ty, &inline.selection_set, out, depth + 1);
                    }
                }
            }
        }
    }

    fn applies(&self, condition: &str, ty: Option<&str>) -> bool {
        ty.is_none_or(|ty| condition == ty || self.schema.is_subtype(condition, ty))
    }

    /// Whether a type is a Relay connection (`edges`/`nodes`/`pageInfo`), which Shopify
    /// paginates, prices by page size and splits into lines in bulk exports.
    pub fn is_connection(&self, ty: &str) -> bool {
        ty.ends_with("Connection")
            && matches!(self.schema.types.get(ty), Some(ExtendedType::Object(o))
                if o.fields.contains_key("pageInfo") || o.fields.contains_key("nodes"))
    }

    /// Whether a type is a scalar or enum (no selection, no cost).
    pub fn is_leaf(&self, ty: &str) -> bool {
        matches!(
            self.schema.types.get(ty),
            Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_)) | None
        )
    }

    /// The selection sets that apply to each node of a connection (`nodes { .. }` and
    /// `edges { node { .. } }`, merged), with the node type.
    pub fn node_sets(
        &self,
        connection: &str,
        sets: &[&'d SelectionSet],
    ) -> (String, Vec<&'d SelectionSet>) {
        let mut node_type = String::new();
        let mut out = Vec::new();
        for (_, fields) in self.collect(Some(connection), sets) {
            for field in fields {
                match field.name.as_str() {
                    "nodes" => {
                        node_type = field.selection_set.ty.to_string();
                        out.push(&field.selection_set);
                    }
                    "edges" => {
                        let edge = field.selection_set.ty.as_str();
                        for (_, inner) in self.collect(Some(edge), &[&field.selection_set]) {
                            for node in inner.into_iter().filter(|f| f.name == "node") {
                                node_type = node.selection_set.ty.to_string();
                                out.push(&node.selection_set);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        (node_type, out)
    }
}
