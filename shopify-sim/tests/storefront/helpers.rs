//! A simulator with the fixture extension, a fake app behind the app proxy that echoes what
//! it receives, and a client that keeps cookies per storefront as a browser would.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, State};
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use serde_json::{Value, json};
use shopify_sim::store::Store;
use shopify_sim::{SimConfig, Simulator};

pub const SHOP: &str = "harbor-and-pine.myshopify.com";
pub const SECRET: &str = "storefront-test-secret";
/// In stock at 10: `S / Tobacco` of the field jacket.
pub const JACKET: u64 = 8_100_000_000_001;
pub const JACKET_S_TOBACCO: u64 = 45_100_000_000_001;
pub const JACKET_HANDLE: &str = "harbor-waxed-canvas-field-jacket";

/// The queries the fake app received through the proxy, latest last.
pub type Received = Arc<Mutex<Vec<BTreeMap<String, String>>>>;

pub struct Front {
    pub sim: Simulator,
    pub http: reqwest::Client,
    pub received: Received,
    cookies: Mutex<BTreeMap<String, String>>,
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The app embed block's config JSON on a page (the fixture prints it).
    pub fn embed_config(&self) -> Value {
        let start = self
            .body
            .find("<script type=\"application/json\" data-concierge-config>")
            .unwrap_or_else(|| panic!("no embed on the page: {}", self.body));
        let rest = &self.body[start..];
        let open = rest.find('>').unwrap() + 1;
        let close = rest.find("</script>").unwrap();
        serde_json::from_str(&rest[open..close]).unwrap()
    }
}

pub fn fixture_extension() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/theme-extension")
}

async fn fake_app(
    State(received): State<Received>,
    RawQuery(query): RawQuery,
) -> axum::Json<Value> {
    let params: BTreeMap<String, String> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    received.lock().unwrap().push(params.clone());
    axum::Json(json!(params))
}

impl Front {
    pub async fn start() -> Self {
        Self::start_with(Store::demo().unwrap(), Some(fixture_extension())).await
    }

    pub async fn start_with(store: Store, extension: Option<PathBuf>) -> Self {
        Self::launch(store, extension, false).await
    }

    /// The demo store with `SimConfig::local_storefront` on.
    pub async fn start_local_storefront() -> Self {
        Self::launch(Store::demo().unwrap(), Some(fixture_extension()), true).await
    }

    async fn launch(store: Store, extension: Option<PathBuf>, local_storefront: bool) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let received = Received::default();
        let app = axum::Router::new()
            .route("/proxy/{*rest}", axum::routing::any(fake_app))
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut config = SimConfig::new("storefront-key", SECRET, &app_url);
        config.theme_extension = extension;
        config.local_storefront = local_storefront;
        let sim = Simulator::start(config, store).await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            sim,
            http,
            received,
            cookies: Mutex::default(),
        }
    }

    /// `{base}/{shop}{path}` (or `{base}{path}` when the path is absolute on the server).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/cdn/") || path.starts_with(&format!("/{SHOP}")) {
            format!("{}{path}", self.sim.base_url())
        } else {
            format!("{}/{SHOP}{path}", self.sim.base_url())
        }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let jar: Vec<String> = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let request = if jar.is_empty() {
            request
        } else {
            request.header(COOKIE, jar.join("; "))
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for cookie in headers.get_all(SET_COOKIE) {
            let pair = cookie.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if value.is_empty() {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path))).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Answer {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// An Admin GraphQL query over HTTP, as the app sends it, with a token from the token
    /// exchange of an admin user's session token; returns `data`.
    pub async fn admin(&self, query: &str) -> Value {
        let base = self.sim.base_url();
        let form: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("client_id", "storefront-key"),
                ("client_secret", SECRET),
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange",
                ),
                ("subject_token", &self.sim.session_token(SHOP, 1)),
            ])
            .finish();
        let token: Value = self
            .http
            .post(format!("{base}/{SHOP}/admin/oauth/access_token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let answer: Value = self
            .http
            .post(format!("{base}/{SHOP}/admin/api/2026-10/graphql.json"))
            .header(
                "x-shopify-access-token",
                token["access_token"].as_str().unwrap(),
            )
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer.get("errors").is_none(), "{answer}");
        answer["data"].clone()
    }

    /// A GET of an absolute URL, as a browser following a link.
    pub async fn get_absolute(&self, url: &str) -> Answer {
        self.send(self.http.get(url)).await
    }

    pub fn forget_cookies(&self) {
        self.cookies.lock().unwrap().clear();
    }
}
