//! A demo customer login: `/account/login` lists the shop's seeded customers and a click logs
//! in as one (no passwords: this is a simulator), setting an HttpOnly session cookie. The app
//! proxy reads the same session to add `logged_in_customer_id`, which is the point: the widget
//! can be tried as a known shopper ("where is my order?") exactly as on Shopify.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::pages::{Page, esc, render};
use super::{Shopper, Storefront, set_cookie};
use crate::store::{ShopData, gid_number};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "customer_session";
/// Bounds the sessions one simulator keeps; the oldest go first.
const MAX_SESSIONS: usize = 10_000;
/// Enough customers for a demo page; a synthetic store may have thousands.
const LISTED: usize = 60;

/// Logged-in browsers: session token → (shop, customer number).
#[derive(Default)]
pub(crate) struct Sessions {
    by_token: HashMap<String, (String, u64, u64)>,
    clock: u64,
}

impl Sessions {
    pub(crate) fn open(&mut self, shop: &str, customer: u64) -> String {
        if self.by_token.len() >= MAX_SESSIONS {
            let oldest = self
                .by_token
                .iter()
                .min_by_key(|(_, s)| s.2)
                .map(|(t, _)| t.clone());
            if let Some(oldest) = oldest {
                self.by_token.remove(&oldest);
            }
        }
        self.clock += 1;
        let token = uuid::Uuid::new_v4().simple().to_string();
        self.by_token
            .insert(token.clone(), (shop.to_owned(), customer, self.clock));
        token
    }

    /// The customer a token logs in, if it is a live session of this shop.
    pub(crate) fn customer(&self, shop: &str, token: &str) -> Option<u64> {
        self.by_token
            .get(token)
            .filter(|s| s.0 == shop)
            .map(|s| s.1)
    }

    fn close(&mut self, token: &str) {
        self.by_token.remove(token);
    }
}

/// A customer of the shop by number.
pub(crate) fn find_customer(shop: &ShopData, id: u64) -> Option<&Value> {
    shop.customers()
        .iter()
        .find(|c| c.get("id").and_then(Value::as_str).and_then(gid_number) == Some(id))
}

fn full_name(c: &Value) -> String {
    let part = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let name = format!("{} {}", part("firstName"), part("lastName"));
    match name.trim() {
        "" => part("email"),
        name => name.to_owned(),
    }
}

/// Where to go after logging in: `return_to` if it stays on this shop's storefront.
fn return_to(shopper: &Shopper, wanted: Option<&str>) -> String {
    let own = format!("/{}/", shopper.shop);
    wanted
        .filter(|w| w.starts_with(&own) && !w.contains("//") && !w.contains('\\'))
        .map_or_else(|| shopper.url("/account"), str::to_owned)
}

/// `GET /account/login`
pub(crate) async fn page(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    RawQuery(query): RawQuery,
) -> Response {
    let wanted = query.as_deref().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "return_to")
            .map(|(_, v)| v.into_owned())
    });
    let buttons: String = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(shop) = store.shop(&shopper.shop) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        shop.customers()
            .iter()
            .take(LISTED)
            .filter_map(|c| {
                let id = c.get("id").and_then(Value::as_str).and_then(gid_number)?;
                let email = c.get("email").and_then(Value::as_str).unwrap_or("");
                Some(format!(
                    r#"<li><button type="submit" name="customer_id" value="{id}">{}<small>{}</small></button></li>"#,
                    esc(&full_name(c)),
                    esc(email)
                ))
            })
            .collect()
    };
    let main = format!(
        r#"<div class="page-width"><h1>Log in</h1><p>Pick a demo customer to shop as (the simulator asks for no password).</p>
<form method="post" action="{action}"><input type="hidden" name="return_to" value="{back}"><ul class="customers">{buttons}</ul></form></div>"#,
        action = esc(&shopper.url("/account/login")),
        back = esc(&return_to(&shopper, wanted.as_deref())),
    );
    render(
        &state,
        &shopper,
        Page::new("customers/login", "Log in", main),
    )
}

/// `POST /account/login` with `customer_id` (and optionally `return_to`).
pub(crate) async fn submit(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let Some(id) = form
        .get("customer_id")
        .and_then(|id| id.trim().parse::<u64>().ok())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "customer_id is missing or not a number",
        )
            .into_response();
    };
    let Some(cookie) = state.login(&shopper.shop, id) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "no such customer in this shop",
        )
            .into_response();
    };
    let token = cookie.split_once('=').map_or("", |(_, t)| t);
    let target = return_to(&shopper, form.get("return_to").map(String::as_str));
    (
        [(
            header::SET_COOKIE,
            set_cookie(&shopper.shop, SESSION_COOKIE, token, true),
        )],
        Redirect::to(&target),
    )
        .into_response()
}

/// `GET /account/logout`: ends the session and goes home.
pub(crate) async fn logout(
    State(state): State<Arc<Storefront>>,
    shopper: Shopper,
    headers: axum::http::HeaderMap,
) -> Response {
    if let (Some(token), Ok(mut sessions)) = (
        super::cookie(&headers, SESSION_COOKIE),
        state.sessions.lock(),
    ) {
        sessions.close(&token);
    }
    (
        [(
            header::SET_COOKIE,
            set_cookie(&shopper.shop, SESSION_COOKIE, "", true),
        )],
        Redirect::to(&shopper.root_url()),
    )
        .into_response()
}

/// `GET /account`: who is logged in, and their orders.
pub(crate) async fn account(State(state): State<Arc<Storefront>>, shopper: Shopper) -> Response {
    let Some(id) = shopper.customer else {
        let login = format!(
            "{}?return_to={}",
            shopper.url("/account/login"),
            form_urlencoded::byte_serialize(shopper.url("/account").as_bytes()).collect::<String>()
        );
        return Redirect::to(&login).into_response();
    };
    let main = {
        let Ok(store) = state.store.read() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(customer) = store
            .shop(&shopper.shop)
            .and_then(|shop| Some((shop, find_customer(shop, id)?)))
        else {
            return Redirect::to(&shopper.url("/account/logout")).into_response();
        };
        let (shop, customer) = customer;
        let rows: String = shop
            .orders()
            .iter()
            .filter(|o| {
                o.get("customerId")
                    .and_then(Value::as_str)
                    .and_then(gid_number)
                    == Some(id)
            })
            .map(|o| {
                let cell = |k: &str| esc(o.get(k).and_then(Value::as_str).unwrap_or(""));
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    cell("name"),
                    cell("createdAt").get(..10).unwrap_or(""),
                    cell("displayFinancialStatus"),
                    cell("displayFulfillmentStatus"),
                    cell("totalPrice")
                )
            })
            .collect();
        let orders = if rows.is_empty() {
            "<p>You haven't placed any orders yet.</p>".to_owned()
        } else {
            format!(
                r#"<table class="orders"><thead><tr><th scope="col">Order</th><th scope="col">Date</th><th scope="col">Payment</th><th scope="col">Fulfillment</th><th scope="col">Total</th></tr></thead><tbody>{rows}</tbody></table>"#
            )
        };
        format!(
            r#"<div class="page-width"><h1>Account</h1><p>{} &middot; {}</p><p><a href="{}">Log out</a></p><h2>Order history</h2>{orders}</div>"#,
            esc(&full_name(customer)),
            esc(customer.get("email").and_then(Value::as_str).unwrap_or("")),
            esc(&shopper.url("/account/logout")),
        )
    };
    render(
        &state,
        &shopper,
        Page::new("customers/account", "Account", main),
    )
}
