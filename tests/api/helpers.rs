//! `TestApp`: the app started on port 0 against a fresh, migrated database of its own.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use concierge::config::Config;
use secrecy::SecretString;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The server all tests share: `DATABASE_URL` (as `scripts/test` sets it), or else the
/// embedded PostgreSQL in `.concierge/test-postgres`, started (or reused) on first use.
fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return url;
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut options = embedded_pg::Options::new(&root, root.join(".concierge/test-postgres"));
        options.throwaway = true;
        let server = embedded_pg::Server::start(options)
            .unwrap_or_else(|e| panic!("no DATABASE_URL and no embedded PostgreSQL: {e}"));
        let url = server.url();
        // Left running for the next test process, which reuses or adopts it.
        std::mem::forget(server);
        url
    })
}

fn url_for(database: &str) -> String {
    let base = server_url();
    let (prefix, _) = base.rsplit_once('/').unwrap_or((base, ""));
    format!("{prefix}/{database}")
}

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl TestDb {
    /// An empty database (no migrations).
    pub async fn empty() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(server_url())
            .await
            .expect("connect to the test server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&admin)
            .await
            .expect("create the test database");
        admin.close().await;
        let url = url_for(&name);
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect(&url)
            .await
            .expect("connect to the test database");
        Self { name, url, pool }
    }

    /// A database with every migration applied.
    pub async fn migrated() -> Self {
        let db = Self::empty().await;
        concierge::db::migrate(&db.pool).await.expect("migrate");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop cannot await, and the pool's connections belong to the test's runtime, which
        // is blocked here: a short-lived runtime on its own thread drops the database, and
        // FORCE ends the pool's connections.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                if let Ok(admin) = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(server_url())
                    .await
                {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await;
                    admin.close().await;
                }
            });
            Ok::<_, std::io::Error>(())
        })
        .join();
    }
}

pub const TEST_API_KEY: &str = "test-api-key";
pub const TEST_API_SECRET: &str = "test-api-secret";
pub const TEST_ENCRYPTION_KEYS: &str = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// Configuration as the binary would build it, plus `extra` flags.
pub fn config(extra: &[&str]) -> Config {
    config_for("http://127.0.0.1", extra)
}

/// Configuration for an app reachable at `app_url`.
pub fn config_for(app_url: &str, extra: &[&str]) -> Config {
    let mut args = vec![
        "concierge",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--shopify-api-key",
        TEST_API_KEY,
        "--shopify-api-secret",
        TEST_API_SECRET,
        "--shopify-app-url",
        app_url,
        "--encryption-keys",
        TEST_ENCRYPTION_KEYS,
    ];
    args.extend_from_slice(extra);
    let (_, config) = concierge::cli::parse_from(args).expect("valid test configuration");
    config
}

/// The state the app would run with on `db`, with `extra` flags.
pub async fn state(db: &TestDb, extra: &[&str]) -> concierge::AppState {
    state_for(db, "http://127.0.0.1", extra).await
}

async fn state_for(db: &TestDb, app_url: &str, extra: &[&str]) -> concierge::AppState {
    let mut config = config_for(app_url, extra);
    config.database_url = Some(SecretString::from(db.url.clone()));
    let shopify = config.shopify.clone().expect("test Shopify credentials");
    let keyring = config.keyring.clone().expect("test keys");
    concierge::AppState::build(db.pool.clone(), config, shopify, keyring)
        .await
        .expect("app state")
}

/// A job worker on `state` until the returned token is cancelled.
pub fn worker(state: concierge::AppState) -> CancellationToken {
    let token = CancellationToken::new();
    tokio::spawn(concierge::jobs::run_worker(
        state,
        token.clone(),
        Duration::from_secs(2),
    ));
    token
}

/// Serves `router` on a random port; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// A shop row, as an install leaves it; returns its id.
pub async fn install_shop(db: &TestDb, domain: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO shops (domain, install_state, installed_at) VALUES ($1, 'installed', now()) RETURNING id",
    )
    .bind(domain)
    .fetch_one(&db.pool)
    .await
    .expect("insert shop")
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub shutdown: CancellationToken,
}

impl TestApp {
    /// The app on a random port over a fresh, migrated database.
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDb::migrated().await, &[]).await
    }

    pub async fn spawn_on(db: TestDb, extra: &[&str]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let shutdown = CancellationToken::new();
        tokio::spawn(concierge::launch(
            listener,
            state(&db, extra).await,
            shutdown.clone(),
        ));
        Self {
            address,
            client: http(),
            db,
            shutdown,
        }
    }

    /// The app and a Shopify simulator that knows it (OAuth redirects, webhooks, app
    /// proxy go to the app; the app's Shopify calls go to the simulator).
    pub async fn with_simulator(
        configure: impl FnOnce(&mut shopify_sim::SimConfig),
    ) -> (Self, shopify_sim::Simulator) {
        Self::with_simulated_store(
            shopify_sim::store::Store::demo().expect("demo store"),
            configure,
        )
        .await
    }

    /// As [`TestApp::with_simulator`], with a store of the test's choosing.
    pub async fn with_simulated_store(
        store: shopify_sim::store::Store,
        configure: impl FnOnce(&mut shopify_sim::SimConfig),
    ) -> (Self, shopify_sim::Simulator) {
        let db = TestDb::migrated().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let mut sim_config = shopify_sim::SimConfig::new(TEST_API_KEY, TEST_API_SECRET, &address);
        sim_config.webhook_retry_delays = vec![Duration::from_millis(200); 3];
        configure(&mut sim_config);
        let sim = shopify_sim::Simulator::start(sim_config, store)
            .await
            .expect("simulator");
        let template = sim.shop_url_template();
        let state = state_for(&db, &address, &["--shopify-shop-url", &template]).await;
        let shutdown = CancellationToken::new();
        tokio::spawn(concierge::launch(listener, state, shutdown.clone()));
        let app = Self {
            address,
            client: http(),
            db,
            shutdown,
        };
        (app, sim)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// An HTTP client (reqwest uses rustls with the ring provider, as the app does).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The `concierge` binary with a clean environment: only what a test passes in.
/// Environment a `concierge serve` or `worker` process needs beside its database.
pub const APP_ENV: &[(&str, &str)] = &[
    ("SHOPIFY_API_KEY", TEST_API_KEY),
    ("SHOPIFY_API_SECRET", TEST_API_SECRET),
    ("SHOPIFY_APP_URL", "http://127.0.0.1"),
    ("CONCIERGE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS),
];

pub fn concierge() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_concierge"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CONCIERGE_LOG_FORMAT", "json")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Polls `check` every 50 ms until it returns `Some` or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the shop's row is gone, then checks every table with a `shop_id` column
/// (found from the catalog, so tables added later are covered) holds nothing of it.
pub async fn assert_shop_erased(db: &TestDb, shop_id: i64) {
    let gone = eventually(Duration::from_secs(20), || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM shops WHERE id = $1")
            .bind(shop_id)
            .fetch_one(&db.pool)
            .await
            .ok()?;
        (n == 0).then_some(())
    })
    .await;
    assert!(gone.is_some(), "shop row still there");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'shop_id'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("catalog");
    assert!(tables.len() >= 2, "{tables:?}");
    for table in tables {
        let sql = format!("SELECT count(*) FROM {table} WHERE shop_id = $1");
        let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(shop_id)
            .fetch_one(&db.pool)
            .await
            .expect("count");
        assert_eq!(left, 0, "{table} still holds rows of the erased shop");
    }
}

/// The id of the shop row for `domain`.
pub async fn shop_id_of(db: &TestDb, domain: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM shops WHERE domain = $1")
        .bind(domain)
        .fetch_one(&db.pool)
        .await
        .expect("the shop is installed")
}

/// Waits until the shop's sources of `kinds` have all finished a sync; false after `timeout`.
pub async fn wait_for_sync(db: &TestDb, shop_id: i64, kinds: &[&str], timeout: Duration) -> bool {
    eventually(timeout, || async {
        let idle: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM knowledge_sources
             WHERE shop_id = $1 AND kind = ANY($2) AND status = 'idle' AND last_synced_at IS NOT NULL",
        )
        .bind(shop_id)
        .bind(kinds)
        .fetch_one(&db.pool)
        .await
        .ok()?;
        (idle == kinds.len() as i64).then_some(())
    })
    .await
    .is_some()
}

/// The demo shop installed on the simulator through OAuth, with app state whose Shopify calls
/// go to the simulator.
pub struct DemoShop {
    pub state: concierge::AppState,
    pub shop_id: i64,
    /// The worker that synced it, stopped on drop.
    worker: Option<CancellationToken>,
}

impl DemoShop {
    /// A fresh app over a fresh simulator, with the demo shop installed (see [`Self::install`]).
    pub async fn on_new_app(sync: bool) -> (TestApp, shopify_sim::Simulator, Self) {
        let (app, sim) = TestApp::with_simulator(|_| {}).await;
        let demo = Self::install(&app, &sim, sync).await;
        (app, sim, demo)
    }

    /// Installs the demo shop; with `sync`, runs a worker and waits for the first catalog and
    /// content sync to finish (without, the sync jobs stay queued).
    pub async fn install(app: &TestApp, sim: &shopify_sim::Simulator, sync: bool) -> Self {
        let state = state(&app.db, &["--shopify-shop-url", &sim.shop_url_template()]).await;
        let worker = sync.then(|| worker(state.clone()));
        shopify_sim::install::install_as_merchant(&app.address, concierge::dev::demo::DEMO_SHOP)
            .await
            .expect("install the demo shop");
        let shop_id = shop_id_of(&app.db, concierge::dev::demo::DEMO_SHOP).await;
        if sync {
            let kinds = ["shopify_catalog", "shopify_content"];
            assert!(
                wait_for_sync(&app.db, shop_id, &kinds, Duration::from_secs(180)).await,
                "the first sync did not finish"
            );
        }
        Self {
            state,
            shop_id,
            worker,
        }
    }
}

impl Drop for DemoShop {
    fn drop(&mut self) {
        if let Some(worker) = &self.worker {
            worker.cancel();
        }
    }
}

/// A visitor token of a new visitor of `shop` (a logged-in `customer`, or anonymous), as the
/// widget's session gives one.
pub fn visitor_token(shop_id: i64, shop: &str, customer: Option<&str>) -> String {
    concierge::chat::visitor::Visitor {
        shop_id,
        shop: concierge::shopify::ShopDomain::parse(shop).expect("a shop domain"),
        visitor_id: uuid::Uuid::new_v4(),
        customer_id: customer.map(str::to_owned),
        playground: false,
    }
    .token(TEST_API_SECRET.as_bytes(), chrono::Utc::now().timestamp())
}

/// An App Bridge session token for `shop`'s admin (staff member 42), as the admin gives one.
pub fn session_token(shop: &str) -> String {
    session_token_with(shop, TEST_API_SECRET, |_| {})
}

/// A session token for `shop` signed with `secret`, its claims changed by `edit` (an expired
/// one, another app's, ...).
pub fn session_token_with(
    shop: &str,
    secret: &str,
    edit: impl FnOnce(&mut concierge::shopify::session_token::Claims),
) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = concierge::shopify::session_token::Claims {
        iss: format!("https://{shop}/admin"),
        dest: format!("https://{shop}"),
        aud: TEST_API_KEY.into(),
        sub: "42".into(),
        exp: now + 60,
        nbf: now - 1,
        iat: now - 1,
        jti: uuid::Uuid::new_v4().to_string(),
        sid: "s".into(),
    };
    edit(&mut claims);
    concierge::shopify::session_token::mint(secret.as_bytes(), &claims)
}
