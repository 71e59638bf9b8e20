//! The page's objects as Shopify's Liquid sees them: a missing variable or field is `nil`, and
//! so is any field of `nil` (`{{ product.id }}` on the cart page prints nothing). The
//! `liquid` crate is strict (an unknown variable or index is an error), so a block written
//! for Shopify would fail here where it works there; these values keep Shopify's leniency
//! for everything the page provides. Variables a template assigns stay the crate's own.

use std::collections::BTreeMap;
use std::fmt;

use liquid::model::{
    ArrayView, DisplayCow, KStringCow, ObjectView, Scalar, ScalarCow, State, Value, ValueView,
};
use serde_json::Value as Json;

/// A value of the page's objects.
#[derive(Debug, Clone)]
pub(crate) enum Lenient {
    Nil,
    Scalar(Scalar),
    Array(Vec<Lenient>),
    Object(BTreeMap<String, Lenient>),
}

/// What every missing field is.
static NIL: Lenient = Lenient::Nil;

impl Lenient {
    pub(crate) fn from_json(json: &Json) -> Self {
        match json {
            Json::Null => Self::Nil,
            Json::Bool(b) => Self::Scalar(Scalar::new(*b)),
            Json::Number(n) => Self::Scalar(match n.as_i64() {
                Some(i) => Scalar::new(i),
                None => Scalar::new(n.as_f64().unwrap_or(0.0)),
            }),
            Json::String(s) => Self::Scalar(Scalar::new(s.clone())),
            Json::Array(items) => Self::Array(items.iter().map(Self::from_json).collect()),
            Json::Object(map) => Self::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Self::from_json(v)))
                    .collect(),
            ),
        }
    }

    fn rendered(&self) -> String {
        self.to_value().render().to_string()
    }
}

impl ValueView for Lenient {
    fn as_debug(&self) -> &dyn fmt::Debug {
        self
    }

    fn render(&self) -> DisplayCow<'_> {
        match self {
            Self::Nil => DisplayCow::Borrowed(&""),
            Self::Scalar(s) => s.render(),
            _ => DisplayCow::Owned(Box::new(self.rendered())),
        }
    }

    fn source(&self) -> DisplayCow<'_> {
        match self {
            Self::Nil => DisplayCow::Borrowed(&"nil"),
            Self::Scalar(s) => s.source(),
            _ => DisplayCow::Owned(Box::new(self.to_value().source().to_string())),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Self::Nil => "nil",
            Self::Scalar(s) => s.type_name(),
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }

    fn query_state(&self, state: State) -> bool {
        match self {
            Self::Nil => !matches!(state, State::Truthy),
            Self::Scalar(s) => s.query_state(state),
            Self::Array(items) => match state {
                State::Truthy => true,
                _ => items.is_empty(),
            },
            Self::Object(map) => match state {
                State::Truthy => true,
                _ => map.is_empty(),
            },
        }
    }

    fn to_kstr(&self) -> KStringCow<'_> {
        match self {
            Self::Nil => KStringCow::from_static(""),
            Self::Scalar(s) => s.to_kstr(),
            _ => KStringCow::from_string(self.rendered()),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Self::Nil => Value::Nil,
            Self::Scalar(s) => Value::Scalar(s.clone()),
            Self::Array(items) => Value::Array(items.iter().map(Self::to_value).collect()),
            Self::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone().into(), v.to_value()))
                    .collect(),
            ),
        }
    }

    fn as_scalar(&self) -> Option<ScalarCow<'_>> {
        match self {
            Self::Scalar(s) => Some(s.as_ref()),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&dyn ArrayView> {
        match self {
            Self::Array(_) => Some(self),
            _ => None,
        }
    }

    /// `nil` answers as an empty object too, so a path through it finds `nil` again.
    fn as_object(&self) -> Option<&dyn ObjectView> {
        match self {
            Self::Object(_) | Self::Nil => Some(self),
            _ => None,
        }
    }

    fn is_nil(&self) -> bool {
        matches!(self, Self::Nil)
    }
}

impl ArrayView for Lenient {
    fn as_value(&self) -> &dyn ValueView {
        self
    }

    fn size(&self) -> i64 {
        match self {
            Self::Array(items) => items.len() as i64,
            _ => 0,
        }
    }

    fn values<'k>(&'k self) -> Box<dyn Iterator<Item = &'k dyn ValueView> + 'k> {
        match self {
            Self::Array(items) => Box::new(items.iter().map(|v| v as &dyn ValueView)),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn contains_key(&self, index: i64) -> bool {
        ArrayView::get(self, index).is_some()
    }

    fn get(&self, index: i64) -> Option<&dyn ValueView> {
        let Self::Array(items) = self else {
            return None;
        };
        let index = if index < 0 {
            items
                .len()
                .checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
        } else {
            usize::try_from(index).ok()?
        };
        <[Lenient]>::get(items, index).map(|v| v as &dyn ValueView)
    }
}

impl ObjectView for Lenient {
    fn as_value(&self) -> &dyn ValueView {
        self
    }

    fn size(&self) -> i64 {
        match self {
            Self::Object(map) => map.len() as i64,
            _ => 0,
        }
    }

    fn keys<'k>(&'k self) -> Box<dyn Iterator<Item = KStringCow<'k>> + 'k> {
        match self {
            Self::Object(map) => Box::new(map.keys().map(|k| KStringCow::from_ref(k))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn values<'k>(&'k self) -> Box<dyn Iterator<Item = &'k dyn ValueView> + 'k> {
        match self {
            Self::Object(map) => Box::new(map.values().map(|v| v as &dyn ValueView)),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn iter<'k>(&'k self) -> Box<dyn Iterator<Item = (KStringCow<'k>, &'k dyn ValueView)> + 'k> {
        match self {
            Self::Object(map) => Box::new(
                map.iter()
                    .map(|(k, v)| (KStringCow::from_ref(k), v as &dyn ValueView)),
            ),
            _ => Box::new(std::iter::empty()),
        }
    }

    /// Every name exists (as `nil` when the page has no such object).
    fn contains_key(&self, _index: &str) -> bool {
        true
    }

    fn get<'s>(&'s self, index: &str) -> Option<&'s dyn ValueView> {
        match self {
            Self::Object(map) => match map.get(index) {
                Some(value) => Some(value),
                // Leave `size` to Liquid, which counts the object's fields.
                None if index == "size" => None,
                None => Some(&NIL),
            },
            _ => Some(&NIL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, globals: Json) -> String {
        let parser = liquid::ParserBuilder::with_stdlib().build().unwrap();
        let template = parser.parse(template).unwrap();
        template.render(&Lenient::from_json(&globals)).unwrap()
    }

    #[test]
    fn missing_objects_and_fields_are_nil_as_on_shopify() {
        let globals = json!({"product": null, "shop": {"name": "S", "tags": ["a", "b"]}});
        assert_eq!(
            render("[{{ product.id }}][{{ nope.x.y }}]", globals.clone()),
            "[][]"
        );
        assert_eq!(
            render(
                "{% if product %}p{% else %}none{% endif %}",
                globals.clone()
            ),
            "none"
        );
        assert_eq!(
            render("{{ shop.missing | default: 'd' }}", globals.clone()),
            "d"
        );
        assert_eq!(
            render(
                "{{ shop.name }} {{ shop.tags.size }} {{ shop.tags.last }}",
                globals.clone()
            ),
            "S 2 b"
        );
        assert_eq!(
            render(
                "{% assign x = shop.name %}{{ x }}{% for t in shop.tags %}{{ t }}{% endfor %}",
                globals
            ),
            "Sab"
        );
    }
}
