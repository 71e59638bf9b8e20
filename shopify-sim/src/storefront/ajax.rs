//! Shopify's Ajax Cart API over HTTP: `GET /cart.js`, `POST /cart/add.js`, `/cart/change.js`,
//! `/cart/update.js`, `/cart/clear.js`, with Shopify's JSON shapes and error bodies and the
//! Section Rendering API's `sections` parameter, which the widget and Dawn's scripts read.
//! Bodies may be JSON, a urlencoded form or `FormData` (multipart), as Shopify accepts. The
//! form paths (`/cart/add`, `/cart/change`) also work without JavaScript: they redirect to
//! the cart page, or show why not, unless the request asks for JSON.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use super::cart::{CART_COOKIE, Cart, CartError, Line, Target, cart_error, cart_json, items};
use super::pages::{Page, esc, render};
use super::{Shopper, Storefront, sections, set_cookie};
use crate::store::ShopData;

/// More than any cart request needs; a larger body is refused before it is read.
const MAX_BODY: usize = 64 * 1024;

/// A cart request: who asks, whether they want JSON back, and their parameters.
pub(crate) struct CartRequest {
    shopper: Shopper,
    json: bool,
    params: Result<Value, CartError>,
}

impl FromRequest<Arc<Storefront>> for CartRequest {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<Storefront>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let shopper = Shopper::from_request_parts(&mut parts, state).await?;
        let json = wants_json(&shopper, &parts.headers);
        let params = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => params(&parts.headers, parts.uri.query(), &body),
            Err(_) => Err(cart_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request is too large.",
            )),
        };
        Ok(Self {
            shopper,
            json,
            params,
        })
    }
}

/// What a successful request answers with.
enum Reply {
    /// The whole cart (`change.js`, `update.js`, `clear.js`).
    Cart,
    /// The lines touched (`add.js`): the line itself for a single `id`, else `{items}`.
    Lines { single: bool },
}

/// Changes the cart; `Err` leaves it as it was. Returns the keys of the lines it touched.
type Edit<'a> = Box<dyn FnOnce(&ShopData, &mut Cart) -> Result<Vec<String>, CartError> + 'a>;

impl CartRequest {
    /// Says no: Shopify's JSON error to a script, a page that says why to a form.
    fn refuse(&self, state: &Storefront, error: CartError) -> Response {
        if self.json {
            return error.into_response();
        }
        let main = format!(
            r#"<div class="page-width"><h1>Cart error</h1><p>{}</p><p><a href="{}">Back to the cart</a></p></div>"#,
            esc(&error.description),
            esc(&self.shopper.url("/cart"))
        );
        let mut page = Page::new("cart", "Cart error", main);
        page.status = error.status;
        render(state, &self.shopper, page)
    }

    /// Applies `edit` to the shopper's cart (made on first use) and answers.
    fn apply(self, state: &Storefront, reply: Reply, edit: Edit<'_>) -> Response {
        let params = match &self.params {
            Ok(params) => params,
            Err(error) => {
                let error = cart_error(error.status, &error.description);
                return self.refuse(state, error);
            }
        };
        let shopper = &self.shopper;
        let token = shopper
            .cart_token
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let outcome = {
            let (Ok(store), Ok(mut carts)) = (state.store.read(), state.carts.lock()) else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let Some(shop) = store.shop(&shopper.shop) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            let mut cart = carts.get(&shopper.shop, Some(&token));
            edit(shop, &mut cart).map(|touched| {
                carts.put(&shopper.shop, &token, cart.clone());
                if !self.json {
                    return Value::Null;
                }
                let mut body = match reply {
                    Reply::Cart => cart_json(shopper, shop, &cart, &token),
                    Reply::Lines { single } => lines_json(shopper, shop, &cart, &touched, single),
                };
                let names = section_names(params);
                if !names.is_empty() {
                    body["sections"] = sections::render(&names, shopper, shop, &cart);
                }
                body
            })
        };
        let mut response = match outcome {
            Err(error) => return self.refuse(state, error),
            Ok(body) if self.json => axum::Json(body).into_response(),
            Ok(_) => Redirect::to(&shopper.url("/cart")).into_response(),
        };
        let cookie = set_cookie(&shopper.shop, CART_COOKIE, &token, false);
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        response
    }
}

fn lines_json(
    shopper: &Shopper,
    shop: &ShopData,
    cart: &Cart,
    keys: &[String],
    single: bool,
) -> Value {
    let lines: Vec<Value> = items(shopper, shop, cart)
        .into_iter()
        .filter(|(line, _)| keys.contains(&line.key()))
        .map(|(_, json)| json)
        .collect();
    match (single, lines.into_iter().next()) {
        (true, Some(line)) => line,
        (_, first) => json!({ "items": first.into_iter().collect::<Vec<_>>() }),
    }
}

/// The request's parameters: the JSON body, a form (urlencoded or multipart) or the query.
fn params(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Value, CartError> {
    let mut out = Map::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        out.insert(k.into_owned(), json!(v));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type.to_ascii_lowercase();
    let invalid = || {
        cart_error(
            StatusCode::BAD_REQUEST,
            "Required parameter missing or invalid",
        )
    };
    let body_params: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else if media_type.starts_with("application/json") {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => return Err(invalid()),
        }
    } else if media_type.starts_with("multipart/form-data") {
        multipart(content_type, body).ok_or_else(invalid)?
    } else {
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), json!(v)))
            .collect()
    };
    out.extend(body_params);
    Ok(Value::Object(out))
}

/// The text fields of a `multipart/form-data` body (Dawn's product form posts `FormData`).
fn multipart(content_type: &str, body: &[u8]) -> Option<Map<String, Value>> {
    // The boundary is case-sensitive: read it from the header as sent.
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let mut out = Map::new();
    for part in text.split(&format!("--{boundary}")).skip(1) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head
            .split(';')
            .find_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.lines().next().unwrap_or_default().trim_matches('"'));
        if let Some(name) = name {
            out.insert(name.to_owned(), json!(value.trim_end_matches("\r\n")));
        }
    }
    Some(out)
}

/// A whole number from JSON or a form field.
fn number(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The `sections` parameter: a comma-separated list or an array; Shopify renders at most 5.
pub(crate) fn section_names(params: &Value) -> Vec<String> {
    let names: Vec<String> = match params.get("sections") {
        Some(Value::String(s)) => s.split(',').map(|s| s.trim().to_owned()).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    names
        .into_iter()
        .filter(|s| !s.is_empty())
        .take(5)
        .collect()
}

/// Whether the caller wants JSON back: the `.js` paths always, the form paths when Dawn's
/// scripts or `fetch` say so.
fn wants_json(shopper: &Shopper, headers: &HeaderMap) -> bool {
    let header_has = |name: header::HeaderName, needle: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains(needle))
    };
    shopper.rest.ends_with(".js")
        || header_has(header::ACCEPT, "json")
        || header_has(header::ACCEPT, "javascript")
        || headers.get("x-requested-with").is_some()
}

/// `GET /cart.js`: read only; a browser without a cart gets a token it keeps.
pub(crate) async fn show(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let token = shopper
        .cart_token
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let cart = state.cart(&shopper);
    let Ok(store) = state.store.read() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(shop) = store.shop(&shopper.shop) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = cart_json(&shopper, shop, &cart, &token);
    let cookie = set_cookie(&shopper.shop, CART_COOKIE, &token, false);
    ([(header::SET_COOKIE, cookie)], axum::Json(body)).into_response()
}

/// `POST /cart/add.js` (and the product form's `/cart/add`): `{items: [{id, quantity,
/// properties}]}` or a single `id` and `quantity`.
pub(crate) async fn add(State(state): State<Arc<Storefront>>, request: CartRequest) -> Response {
    let wanted = match request.params.as_ref().map(wanted_items) {
        Ok(Ok(wanted)) => wanted,
        Ok(Err(error)) => return request.refuse(&state, error),
        Err(_) => Vec::new(),
    };
    let single = request
        .params
        .as_ref()
        .is_ok_and(|p| p.get("items").is_none());
    let edit: Edit<'_> = Box::new(move |shop, cart| {
        let mut touched = Vec::new();
        for wanted in wanted {
            let key = wanted.key();
            let line = cart.lines.iter().find(|l| l.key() == key);
            let current = line.map_or(0, |l| l.quantity);
            let at = match line {
                Some(_) => Target::Key(key),
                None => Target::New(wanted.variant_id, wanted.properties),
            };
            touched.push(cart.set(shop, at, current + wanted.quantity)?);
        }
        Ok(touched)
    });
    request.apply(&state, Reply::Lines { single }, edit)
}

/// The lines an add asks for, each with the quantity to add.
fn wanted_items(params: &Value) -> Result<Vec<Line>, CartError> {
    let invalid = || {
        cart_error(
            StatusCode::BAD_REQUEST,
            "Required parameter missing or invalid: items",
        )
    };
    let items = match params.get("items") {
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(invalid()),
        None => vec![params.clone()],
    };
    items
        .iter()
        .map(|item| {
            let quantity = match item.get("quantity") {
                None => Some(1),
                some => number(some),
            };
            match (number(item.get("id")), quantity) {
                (Some(variant_id), Some(quantity @ 1..)) => Ok(Line {
                    variant_id,
                    quantity,
                    properties: item
                        .get("properties")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                }),
                _ => Err(invalid()),
            }
        })
        .collect()
}

/// `POST /cart/change.js`: `{id: key or variant id, quantity}` or `{line: n, quantity}`.
pub(crate) async fn change(State(state): State<Arc<Storefront>>, request: CartRequest) -> Response {
    let no_line = || cart_error(StatusCode::BAD_REQUEST, "no valid id or line parameter");
    let parsed = request.params.as_ref().map(|params| {
        let target = if let Some(line) = number(params.get("line")) {
            Target::Line(usize::try_from(line).unwrap_or(usize::MAX))
        } else if let Some(id) = number(params.get("id")) {
            Target::Variant(id)
        } else if let Some(key) = params.get("id").and_then(Value::as_str) {
            Target::Key(key.to_owned())
        } else {
            return Err(no_line());
        };
        let quantity = number(params.get("quantity")).ok_or_else(|| {
            cart_error(
                StatusCode::BAD_REQUEST,
                "Required parameter missing or invalid: quantity",
            )
        })?;
        Ok((target, quantity))
    });
    let (target, quantity) = match parsed {
        Ok(Ok(change)) => change,
        Ok(Err(error)) => return request.refuse(&state, error),
        Err(_) => (Target::Line(0), 0),
    };
    let edit: Edit<'_> = Box::new(move |shop, cart| {
        // A variant id changes the line that holds it; it does not add one.
        if let Target::Variant(id) = &target
            && !cart.lines.iter().any(|l| l.variant_id == *id)
        {
            return Err(no_line());
        }
        Ok(vec![cart.set(shop, target, quantity)?])
    });
    request.apply(&state, Reply::Cart, edit)
}

/// `POST /cart/update.js`: `{updates: {variant_id: quantity, ...}}`.
pub(crate) async fn update(State(state): State<Arc<Storefront>>, request: CartRequest) -> Response {
    let invalid = || {
        cart_error(
            StatusCode::BAD_REQUEST,
            "Required parameter missing or invalid: updates",
        )
    };
    let parsed = request.params.as_ref().map(|params| {
        let updates = params
            .get("updates")
            .and_then(Value::as_object)
            .ok_or_else(invalid)?;
        updates
            .iter()
            .map(
                |(id, quantity)| match (id.parse::<u64>(), number(Some(quantity))) {
                    (Ok(id), Some(quantity)) => Ok((id, quantity)),
                    _ => Err(invalid()),
                },
            )
            .collect::<Result<Vec<_>, _>>()
    });
    let changes = match parsed {
        Ok(Ok(changes)) => changes,
        Ok(Err(error)) => return request.refuse(&state, error),
        Err(_) => Vec::new(),
    };
    let edit: Edit<'_> = Box::new(move |shop, cart| {
        changes
            .into_iter()
            .map(|(id, quantity)| cart.set(shop, Target::Variant(id), quantity))
            .collect()
    });
    request.apply(&state, Reply::Cart, edit)
}

/// `POST /cart/clear.js`
pub(crate) async fn clear(State(state): State<Arc<Storefront>>, request: CartRequest) -> Response {
    let edit: Edit<'_> = Box::new(|_, cart| {
        cart.lines.clear();
        Ok(Vec::new())
    });
    request.apply(&state, Reply::Cart, edit)
}
