//! The simulator's HTTP face: one server standing in for every simulated shop's
//! `https://{shop}` (at `{base}/{shop}`), plus the helpers tests and the demo use to act as
//! Shopify (a merchant installing, an admin user's session token, a webhook, a storefront
//! request through the app proxy).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};
use std::sync::RwLock;
use tokio::net::TcpListener;

use crate::graphql::{AdminApi, Limits};
use crate::signing;
use crate::store::Store;
use crate::storefront::{self, Storefront};

/// How the simulated platform behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The app's client id and secret, as registered with the simulated platform.
    pub api_key: String,
    pub api_secret: String,
    /// The app's public URL: OAuth redirects must point under it, webhooks and app-proxy
    /// requests are sent to it.
    pub app_url: String,
    /// The Admin API's cost bucket.
    pub limits: Limits,
    /// Life of an access token (Shopify: one hour for expiring offline tokens).
    pub access_token_ttl: Duration,
    /// Waits between webhook delivery attempts (Shopify: 8 attempts over 4 hours).
    pub webhook_retry_delays: Vec<Duration>,
    /// How long the app has to answer a webhook (Shopify: 5 s).
    pub webhook_timeout: Duration,
    /// The app-proxy prefix (`https://{shop}/apps/{prefix}` → `{app_url}/proxy`).
    pub proxy_subpath: String,
    /// The app's theme app extension (`theme-extension/`): its app embed blocks are rendered
    /// on every storefront page and its assets served; `None` shows the storefront bare.
    pub theme_extension: Option<PathBuf>,
    /// Point the store's own URLs at this simulator's storefront when it starts, for a demo
    /// that must work offline: store data names a primary domain and an image CDN
    /// (`https://harborandpine.example`, `https://cdn.harborandpine.example/...`) that resolve
    /// nowhere, so product cards would show broken pictures and "Source:" links lead nowhere.
    /// When on, every shop's primary domain becomes `{base}/{shop}` (so `onlineStoreUrl`,
    /// `Shop.url`, `ShopPolicy.url` and page and article URLs built on it are storefront
    /// pages) and every product image URL becomes the storefront's placeholder picture for it.
    /// Off by default: the store's data is then answered as written, as tests comparing it
    /// expect.
    pub local_storefront: bool,
}

impl SimConfig {
    pub fn new(api_key: &str, api_secret: &str, app_url: &str) -> Self {
        Self {
            api_key: api_key.to_owned(),
            api_secret: api_secret.to_owned(),
            app_url: app_url.trim_end_matches('/').to_owned(),
            limits: Limits::default(),
            access_token_ttl: Duration::from_secs(3600),
            webhook_retry_delays: [1, 2, 4, 8, 16, 32, 64].map(Duration::from_secs).to_vec(),
            webhook_timeout: Duration::from_secs(5),
            proxy_subpath: "concierge".to_owned(),
            theme_extension: None,
            local_storefront: false,
        }
    }
}

#[derive(Debug, Clone)]
struct AccessToken {
    shop: String,
    expires_at: Option<SystemTime>,
}

#[derive(Default)]
struct Tokens {
    access: HashMap<String, AccessToken>,
    /// The one live refresh token per shop (they rotate).
    refresh: HashMap<String, String>,
    codes: HashMap<String, (String, SystemTime)>,
}

/// What became of one webhook event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event_id: String,
    pub topic: String,
    pub shop: String,
    pub attempts: usize,
    /// The final HTTP status, or `None` if the app never answered.
    pub status: Option<u16>,
    /// How long the acknowledged attempt took to answer.
    pub latency: Option<Duration>,
}

struct Inner {
    config: SimConfig,
    base_url: String,
    store: Arc<RwLock<Store>>,
    admin: AdminApi,
    tokens: Mutex<Tokens>,
    http: reqwest::Client,
    storefront: Arc<Storefront>,
}

/// A running simulator; dropping it does not stop the server task (tests end with it).
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

impl Simulator {
    /// Starts on a free loopback port.
    pub async fn start(config: SimConfig, store: Store) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Self::start_on(listener, config, store).await
    }

    pub async fn start_on(
        listener: TcpListener,
        config: SimConfig,
        mut store: Store,
    ) -> anyhow::Result<Self> {
        let base_url = format!("http://{}", listener.local_addr()?);
        if config.local_storefront {
            storefront::point_urls_at_storefront(&mut store, &base_url);
        }
        let store = Arc::new(RwLock::new(store));
        let admin = AdminApi::new(store.clone(), config.limits)?;
        admin.set_base_url(&base_url);
        let http = reqwest::Client::builder()
            .timeout(config.webhook_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let storefront = Arc::new(Storefront::new(
            store.clone(),
            config.theme_extension.clone(),
        ));
        let inner = Arc::new(Inner {
            config,
            base_url,
            store,
            admin,
            tokens: Mutex::default(),
            http,
            storefront: storefront.clone(),
        });
        let router = Router::new()
            .route("/bulk/{file}", get(bulk_file))
            .route("/{shop}/admin/oauth/authorize", get(authorize))
            .route("/{shop}/admin/oauth/access_token", post(access_token))
            .route("/{shop}/admin/api/{version}/graphql.json", post(graphql))
            .route("/{shop}/admin/themes/app-embed", post(app_embed))
            .route("/{shop}/apps/{subpath}", any(app_proxy_root))
            .route("/{shop}/apps/{subpath}/{*rest}", any(app_proxy))
            // `{routes.root_url}/apps/...` under a locale prefix reaches the same proxy.
            .route("/{shop}/{locale}/apps/{subpath}", any(localized_proxy_root))
            .route(
                "/{shop}/{locale}/apps/{subpath}/{*rest}",
                any(localized_proxy),
            )
            .with_state(inner.clone())
            .merge(crate::admin::router(Arc::new(crate::admin::Admin {
                api_key: inner.config.api_key.clone(),
                api_secret: inner.config.api_secret.clone(),
                app_url: inner.config.app_url.clone(),
                storefront: storefront.clone(),
            })))
            .merge(storefront::router(storefront));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "simulator server stopped");
            }
        });
        let simulator = Self { inner };
        // Like Shopify, announce each finished bulk operation with `bulk_operations/finish`.
        // Weakly held, so that dropping the simulator ends the task (and its temp files).
        let mut finished = simulator.inner.admin.bulk_events();
        let weak = Arc::downgrade(&simulator.inner);
        tokio::spawn(async move {
            while let Ok(event) = finished.recv().await {
                let Some(inner) = weak.upgrade() else { break };
                let delivery = Simulator { inner }
                    .send_webhook(
                        &event.shop,
                        "bulk_operations/finish",
                        event.webhook_payload(),
                        None,
                    )
                    .await;
                tracing::debug!(?delivery, "bulk_operations/finish delivered");
            }
        });
        Ok(simulator)
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The value for the app's `SHOPIFY_SHOP_URL`: where each shop's endpoints live.
    pub fn shop_url_template(&self) -> String {
        format!("{}/{{shop}}", self.inner.base_url)
    }

    pub fn store(&self) -> Arc<RwLock<Store>> {
        self.inner.store.clone()
    }

    pub fn admin(&self) -> &AdminApi {
        &self.inner.admin
    }

    /// A session token an admin user of `shop` would carry in the embedded app.
    pub fn session_token(&self, shop: &str, user_id: u64) -> String {
        let c = &self.inner.config;
        signing::session_token(&c.api_key, &c.api_secret, shop, user_id, now_secs())
    }

    /// Makes `shop`'s access tokens expire now (as an hour passing would).
    pub fn expire_access_tokens(&self, shop: &str) {
        if let Ok(mut tokens) = self.inner.tokens.lock() {
            for token in tokens.access.values_mut().filter(|t| t.shop == shop) {
                token.expires_at = Some(SystemTime::now());
            }
        }
    }

    /// Whether `shop` holds a live access token (the app is installed and authorised).
    pub fn has_live_token(&self, shop: &str) -> bool {
        self.inner.tokens.lock().is_ok_and(|t| {
            t.access
                .values()
                .any(|a| a.shop == shop && a.expires_at.is_none_or(|at| at > SystemTime::now()))
        })
    }

    /// The merchant uninstalls: tokens are revoked and `app/uninstalled` is sent.
    pub async fn uninstall(&self, shop: &str) -> Delivery {
        if let Ok(mut tokens) = self.inner.tokens.lock() {
            tokens.access.retain(|_, t| t.shop != shop);
            tokens.refresh.remove(shop);
        }
        self.send_webhook(
            shop,
            "app/uninstalled",
            json!({"domain": shop, "myshopify_domain": shop}),
            None,
        )
        .await
    }

    /// Sends a signed webhook as Shopify does, retrying until the app answers 2xx or the
    /// retry schedule runs out. `event_id` defaults to a fresh one (pass the same id again
    /// to imitate Shopify re-sending an event).
    pub async fn send_webhook(
        &self,
        shop: &str,
        topic: &str,
        payload: Value,
        event_id: Option<String>,
    ) -> Delivery {
        let inner = &self.inner;
        let compliance = matches!(
            topic,
            "customers/data_request" | "customers/redact" | "shop/redact"
        );
        let url = format!(
            "{}/webhooks{}",
            inner.config.app_url,
            if compliance { "/compliance" } else { "" }
        );
        let body = payload.to_string().into_bytes();
        let hmac = signing::webhook(&inner.config.api_secret, &body);
        let event_id = event_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let triggered_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut delivery = Delivery {
            event_id: event_id.clone(),
            topic: topic.to_owned(),
            shop: shop.to_owned(),
            attempts: 0,
            status: None,
            latency: None,
        };
        let mut delays = inner.config.webhook_retry_delays.iter();
        loop {
            delivery.attempts += 1;
            let attempt_started = std::time::Instant::now();
            let result = inner
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-shopify-topic", topic)
                .header("x-shopify-hmac-sha256", &hmac)
                .header("x-shopify-shop-domain", shop)
                .header("x-shopify-api-version", "2026-10")
                .header("x-shopify-webhook-id", uuid::Uuid::new_v4().to_string())
                .header("x-shopify-event-id", &event_id)
                .header("x-shopify-triggered-at", &triggered_at)
                .body(body.clone())
                .send()
                .await;
            delivery.status = result.as_ref().ok().map(|r| r.status().as_u16());
            if delivery.status.is_some_and(|s| (200..300).contains(&s)) {
                delivery.latency = Some(attempt_started.elapsed());
                return delivery;
            }
            match delays.next() {
                Some(delay) => tokio::time::sleep(*delay).await,
                None => return delivery,
            }
        }
    }

    /// The storefront's home page of `shop` (`{base}/{shop}/`).
    pub fn storefront_url(&self, shop: &str) -> String {
        format!("{}/{shop}/", self.inner.base_url)
    }

    /// Switches `shop`'s app embed on or off, with the block settings a merchant would save in
    /// the theme editor (merged over the schema's defaults). Embeds are on by default.
    pub fn set_embed(&self, shop: &str, enabled: bool, settings: Value) {
        self.inner.storefront.set_embed(shop, enabled, &settings);
    }

    /// Logs a storefront customer (by number, as in `gid://shopify/Customer/{n}`) in without
    /// a browser; returns the `Cookie` header value that carries the session, or `None` if
    /// the shop has no such customer.
    pub fn storefront_login(&self, shop: &str, customer_id: u64) -> Option<String> {
        self.inner.storefront.login(shop, customer_id)
    }

    /// A storefront request through the app proxy, as `https://{shop}/apps/{subpath}/{path}`
    /// would be forwarded; `customer` is the logged-in storefront customer, if any.
    pub fn proxy_url(&self, shop: &str, path: &str) -> String {
        format!(
            "{}/{shop}/apps/{}/{}",
            self.inner.base_url,
            self.inner.config.proxy_subpath,
            path.trim_start_matches('/')
        )
    }
}

type Shared = State<Arc<Inner>>;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The merchant approves the app on Shopify's consent screen (always, here).
async fn authorize(
    State(inner): Shared,
    Path(shop): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let c = &inner.config;
    if q.get("client_id") != Some(&c.api_key) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "unknown client_id",
        );
    }
    let Some(redirect) = q.get("redirect_uri").filter(|r| r.starts_with(&c.app_url)) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is not the app's",
        );
    };
    let code = random_token("code");
    if let Ok(mut tokens) = inner.tokens.lock() {
        tokens
            .codes
            .insert(code.clone(), (shop.clone(), SystemTime::now()));
    }
    let mut params = vec![
        ("code".to_owned(), code),
        ("host".to_owned(), base64_host(&shop)),
        ("shop".to_owned(), shop.clone()),
        (
            "state".to_owned(),
            q.get("state").cloned().unwrap_or_default(),
        ),
        ("timestamp".to_owned(), now_secs().to_string()),
    ];
    let hmac = signing::admin_query(&c.api_secret, &params);
    params.push(("hmac".to_owned(), hmac));
    Redirect::to(&format!("{redirect}?{}", encode_query(&params))).into_response()
}

fn base64_host(shop: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{shop}/admin"))
}

/// `POST /admin/oauth/access_token`: authorization code, token exchange, refresh.
async fn access_token(State(inner): Shared, Path(shop): Path<String>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url_form(&body);
    let c = &inner.config;
    if form.get("client_id") != Some(&c.api_key) || form.get("client_secret") != Some(&c.api_secret)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client credentials do not match",
        );
    }
    let grant_type = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or("authorization_code");
    let Ok(mut tokens) = inner.tokens.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // The staff member an online token is for (token exchange of their session token).
    let mut user = None;
    let allowed = match grant_type {
        "authorization_code" => form
            .get("code")
            .and_then(|code| tokens.codes.remove(code))
            .is_some_and(|(code_shop, at)| {
                code_shop == shop && at.elapsed().unwrap_or_default() < Duration::from_secs(600)
            }),
        "urn:ietf:params:oauth:grant-type:token-exchange" => form
            .get("subject_token")
            .and_then(|t| signing::verify_session_token(&c.api_key, &c.api_secret, t, now_secs()))
            .is_some_and(|subject| {
                user = subject.user_id;
                subject.shop == shop && inner.store.read().is_ok_and(|s| s.shop(&shop).is_some())
            }),
        "refresh_token" => form
            .get("refresh_token")
            .is_some_and(|r| tokens.refresh.get(&shop) == Some(r)),
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                grant_type,
            );
        }
    };
    if !allowed {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the grant is invalid, expired or spent",
        );
    }
    let online = form.get("requested_token_type").map(String::as_str)
        == Some("urn:shopify:params:oauth:token-type:online-access-token");
    // An online token lives for the staff member's session (a day) and is never refreshed.
    let expiring = !online && form.get("expiring").is_some_and(|e| e == "1");
    let access = random_token("shpat");
    let ttl = if online {
        ONLINE_TOKEN_TTL
    } else {
        c.access_token_ttl
    };
    tokens.access.insert(
        access.clone(),
        AccessToken {
            shop: shop.clone(),
            expires_at: (expiring || online).then(|| SystemTime::now() + ttl),
        },
    );
    let scope = "read_products,read_inventory,read_content,read_online_store_pages,read_orders,read_customers";
    let mut answer = json!({ "access_token": access, "scope": scope });
    if let (true, Some(id)) = (online, user) {
        answer["expires_in"] = json!(ttl.as_secs());
        answer["associated_user_scope"] = json!(scope);
        answer["associated_user"] = crate::staff::associated_user(&shop, id);
    }
    if expiring {
        let refresh = random_token("shprt");
        tokens.refresh.insert(shop, refresh.clone());
        answer["expires_in"] = json!(ttl.as_secs());
        answer["refresh_token"] = json!(refresh);
        answer["refresh_token_expires_in"] = json!(90 * 24 * 3600);
    }
    axum::Json(answer).into_response()
}

/// How long an online access token lives (Shopify: 24 hours less a second).
const ONLINE_TOKEN_TTL: Duration = Duration::from_secs(86_399);

fn url_form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn encode_query(params: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        out.append_pair(k, v);
    }
    out.finish()
}

/// `POST /admin/api/{version}/graphql.json`
async fn graphql(
    State(inner): Shared,
    Path((shop, _version)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let live = inner.tokens.lock().is_ok_and(|t| {
        t.access
            .get(token)
            .is_some_and(|a| a.shop == shop && a.expires_at.is_none_or(|at| at > SystemTime::now()))
    });
    if !live {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})),
        )
            .into_response();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": {"query": "Required parameter missing or invalid"}})),
        )
            .into_response();
    };
    let answer = inner.admin.execute(&shop, &request).await;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    (status, axum::Json(answer.body)).into_response()
}

async fn bulk_file(State(inner): Shared, Path(file): Path<String>) -> Response {
    let id = file.trim_end_matches(".jsonl");
    let Some(path) = inner.admin.bulk_file(id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::File::open(path).await {
        // Streamed: a large catalog's file is never held in memory.
        Ok(file) => (
            [(header::CONTENT_TYPE, "application/jsonl")],
            axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file)),
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The theme editor's switch for our app embed: `{"enabled": bool, "settings": {...}}`, as
/// a merchant saves it (benchmarks compare the storefront with it on and off).
async fn app_embed(
    State(inner): Shared,
    Path(shop): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let Some(enabled) = body.get("enabled").and_then(Value::as_bool) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "enabled must be true or false",
        )
            .into_response();
    };
    let settings = body.get("settings").cloned().unwrap_or_else(|| json!({}));
    inner.storefront.set_embed(&shop, enabled, &settings);
    StatusCode::NO_CONTENT.into_response()
}

async fn app_proxy_root(
    state: Shared,
    Path((shop, subpath)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    forward(
        state,
        (shop, subpath, String::new()),
        method,
        headers,
        query,
        body,
    )
    .await
}

async fn app_proxy(
    state: Shared,
    Path(path): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    forward(state, path, method, headers, query, body).await
}

async fn localized_proxy_root(
    state: Shared,
    Path((shop, locale, subpath)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    if !storefront::is_locale(&locale) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = (shop, subpath, String::new());
    forward(state, path, method, headers, query, body).await
}

async fn localized_proxy(
    state: Shared,
    Path((shop, locale, subpath, rest)): Path<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    if !storefront::is_locale(&locale) {
        return StatusCode::NOT_FOUND.into_response();
    }
    forward(state, (shop, subpath, rest), method, headers, query, body).await
}

/// Forwards a storefront request to the app, signed. The logged-in customer comes from the
/// storefront's login cookie, as on Shopify; a test without a browser may name one with
/// the `x-sim-customer-id` header instead.
async fn forward(
    State(inner): Shared,
    (shop, subpath, rest): (String, String, String),
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let c = &inner.config;
    if subpath != c.proxy_subpath {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut params: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "shop" | "logged_in_customer_id" | "path_prefix" | "timestamp" | "signature"
                )
            })
            .collect();
    let customer = match inner.storefront.customer_id(&shop, &headers) {
        Some(id) => id.to_string(),
        None => headers
            .get("x-sim-customer-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    };
    params.push(("logged_in_customer_id".into(), customer));
    params.push(("path_prefix".into(), format!("/apps/{subpath}")));
    params.push(("shop".into(), shop));
    params.push(("timestamp".into(), now_secs().to_string()));
    let signature = signing::app_proxy(&c.api_secret, &params);
    params.push(("signature".into(), signature));
    let url = format!("{}/proxy/{rest}?{}", c.app_url, encode_query(&params));
    let mut request = inner.http.request(method, &url).body(body);
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
            let bytes = response.bytes().await.unwrap_or_default();
            let mut out = (status, bytes).into_response();
            if let Some(ct) = content_type {
                out.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            out
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
