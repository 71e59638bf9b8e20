//! The Shopify admin, as far as an embedded app sees it: a page at
//! `{base}/{shop}/admin/apps/{app}[/{path}]` that frames the app's URL the way the admin does
//! (`?embedded=1&host=…&id_token=…&shop=…`, signed, with a real session token for a demo staff
//! member), answers the stand-in App Bridge inside the frame (fresh session tokens, toasts,
//! the app's left navigation) over postMessage, and serves those stand-ins where the app's CDN
//! setting points (`/shopifycloud/app-bridge.js`, `/shopifycloud/polaris-1.js`). Also the
//! theme editor's deep link, which switches the app embed on.
//!
//! The frame signs its tokens for a demo staff member (`crate::staff`): `?staff=priya` (a key or
//! a user id) picks who is signed in, the store owner by default; fresh tokens keep that choice.
//!
//! Tests ask for a bad token with `?sim_token=expired` (expired a minute ago) or
//! `?sim_token=other-shop` (for a shop this simulator does not have, so token exchange fails),
//! and frame another node of the app with `?sim_app=http://127.0.0.1:PORT` (a second
//! `concierge serve` over the same database: the agent on one node, the shopper on another).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::signing;
use crate::staff::{self, Staff};
use crate::storefront::Storefront;

/// A shop no simulated store has: a token for it cannot be exchanged.
const OTHER_SHOP: &str = "other-shop.myshopify.com";

const APP_BRIDGE: &str = include_str!("app-bridge.js");
const POLARIS: &str = include_str!("polaris.js");
const FRAME: &str = include_str!("frame.html");

/// What the admin frame needs of the simulator.
pub(crate) struct Admin {
    pub api_key: String,
    pub api_secret: String,
    pub app_url: String,
    pub storefront: Arc<Storefront>,
}

pub(crate) fn router(admin: Arc<Admin>) -> Router {
    Router::new()
        .route("/shopifycloud/app-bridge.js", get(|| script(APP_BRIDGE)))
        .route("/shopifycloud/polaris-1.js", get(|| script(POLARIS)))
        .route("/{shop}/admin/apps/{app}", get(frame_home))
        .route("/{shop}/admin/apps/{app}/", get(frame_home))
        .route(
            "/{shop}/admin/apps/{app}/session-token",
            post(session_token),
        )
        .route("/{shop}/admin/apps/{app}/{*path}", get(frame_path))
        .route("/{shop}/admin/themes/current/editor", get(theme_editor))
        .with_state(admin)
}

type Shared = State<Arc<Admin>>;
type Params = Query<HashMap<String, String>>;

async fn script(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Admin {
    /// A session token for `staff` at `shop`, or the bad kind a test asked for.
    fn token(&self, shop: &str, staff: Staff, mode: Option<&str>) -> String {
        let (shop, at) = match mode {
            Some("expired") => (shop, now() - 120),
            Some("other-shop") => (OTHER_SHOP, now()),
            _ => (shop, now()),
        };
        signing::session_token(&self.api_key, &self.api_secret, shop, staff.id, at)
    }
}

async fn frame_home(
    admin: Shared,
    Path((shop, app)): Path<(String, String)>,
    q: Params,
) -> Response {
    frame(admin, shop, app, String::new(), q).await
}

async fn frame_path(
    admin: Shared,
    Path((shop, app, path)): Path<(String, String, String)>,
    q: Params,
) -> Response {
    frame(admin, shop, app, path, q).await
}

/// The admin page framing the app at `path`, as `https://admin.shopify.com/store/…/apps/…` does.
async fn frame(
    State(admin): Shared,
    shop: String,
    app: String,
    path: String,
    Query(q): Params,
) -> Response {
    let mode = q.get("sim_token").map(String::as_str);
    let staff = staff::by_key(q.get("staff").map(String::as_str));
    let host = base64_host(&shop);
    let mut params = vec![
        ("embedded".to_owned(), "1".to_owned()),
        ("host".to_owned(), host),
        ("id_token".to_owned(), admin.token(&shop, staff, mode)),
        ("locale".to_owned(), "en".to_owned()),
        (
            "session".to_owned(),
            uuid::Uuid::new_v4().simple().to_string(),
        ),
        ("shop".to_owned(), shop.clone()),
        ("timestamp".to_owned(), now().to_string()),
    ];
    let hmac = signing::admin_query(&admin.api_secret, &params);
    params.push(("hmac".to_owned(), hmac));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &params {
        query.append_pair(k, v);
    }
    let app_url = app_url(&admin.app_url, q.get("sim_app"));
    let src = format!("{app_url}/{path}?{}", query.finish());
    let base = format!("/{shop}/admin/apps/{app}");
    let token_url = match mode {
        Some(mode) => format!(
            "{base}/session-token?staff={}&sim_token={}",
            staff.key,
            encode(mode)
        ),
        None => format!("{base}/session-token?staff={}", staff.key),
    };
    let app_origin = reqwest::Url::parse(&app_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let page = FRAME
        .replace("{{shop}}", &escape(&shop))
        .replace("{{app}}", &escape(&app))
        .replace("{{src}}", &escape(&src))
        .replace("{{base}}", &escape(&base))
        .replace("{{token_url}}", &escape(&token_url))
        .replace("{{staff}}", &escape(&staff.name()))
        .replace("{{app_origin}}", &escape(&app_origin));
    Html(page).into_response()
}

/// A fresh session token for the framed app (asked by the stand-in App Bridge).
async fn session_token(
    State(admin): Shared,
    Path((shop, _app)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    let staff = staff::by_key(q.get("staff").map(String::as_str));
    let token = admin.token(&shop, staff, q.get("sim_token").map(String::as_str));
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({ "token": token })),
    )
        .into_response()
}

/// `…/admin/themes/current/editor?context=apps&activateAppId={api_key}/{handle}`: the theme
/// editor opened on the app embeds with ours switched on (a merchant would then save).
async fn theme_editor(
    State(admin): Shared,
    Path(shop): Path<String>,
    Query(q): Params,
) -> Response {
    let ours = q
        .get("activateAppId")
        .and_then(|id| id.split_once('/'))
        .is_some_and(|(key, _)| key == admin.api_key);
    let message = if ours && q.get("context").is_some_and(|c| c == "apps") {
        admin.storefront.enable_embed(&shop);
        "The Concierge app embed is now switched on in the live theme."
    } else {
        "No app embed to activate: activateAppId does not name this app."
    };
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Theme editor · {shop}</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto">
<main><h1>Theme editor (simulator)</h1><p role="status">{message}</p>
<p><a href="/{shop}/">View the storefront</a> · <a href="/{shop}/admin/apps/concierge">Back to Concierge</a></p></main>
</body></html>"#,
        shop = escape(&shop),
    ))
    .into_response()
}

/// The app URL to frame: the configured one, or another node on this machine that a test
/// named (`?sim_app=`); never an outside address, so the simulator frames nothing foreign.
fn app_url(configured: &str, asked: Option<&String>) -> String {
    asked
        .and_then(|url| reqwest::Url::parse(url).ok())
        .filter(|url| url.scheme() == "http" && url.host_str() == Some("127.0.0.1"))
        .map_or_else(
            || configured.to_owned(),
            |url| url.as_str().trim_end_matches('/').to_owned(),
        )
}

fn base64_host(shop: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{shop}/admin"))
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Text for HTML (content or a quoted attribute).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
