//! The widget's chat API (documented in `docs/chat-api.yaml`).
//!
//! - `GET /proxy/session` through Shopify's app proxy: the verified shop and logged-in
//!   customer become a short-lived visitor token.
//! - `/chat/*` straight to us with that token: conversations, messages answered as
//!   Server-Sent Events, a stream to follow (and resume) a conversation, CSAT.
//!
//! Browsers may call `/chat/*` only from the shop's storefront origins: preflights are
//! answered for origins some installed shop lists, and each request's `Origin` must belong to
//! the shop its token names.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::client::ClientAddress;
use super::current_shop::installed_shop;
use super::extract::{Path, Query};
use crate::chat::engine::{TurnJob, spawn_turn};
use crate::chat::events::ChatEvent;
use crate::chat::hub::{Cursor, Delivery};
use crate::chat::page::Page;
use crate::chat::photo::{self, MAX_PHOTO_BYTES, PhotoError};
use crate::chat::redact;
use crate::chat::settings::ShopSettings;
use crate::chat::store::{self, Attached, Incoming, ShopperSets, TurnStatus};
use crate::chat::visitor::{TOKEN_TTL_SECS, Visitor};
use crate::error::{AppError, AppJson, error_response};
use crate::shopify::proxy::AppProxy;
use crate::state::AppState;

/// Longest shopper message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Largest request body on `/chat/*`.
const MAX_BODY_BYTES: usize = 32 * 1024;
/// Messages returned with a conversation.
const HISTORY_LIMIT: i64 = 200;
/// How often an idle stream sends a comment, so proxies keep it open.
pub(super) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The widget's routes: its session through the app proxy, and the chat API (whose CORS
/// layer is on the whole app, see [`cors`]).
pub fn router() -> Router<AppState> {
    let chat = Router::new()
        .route("/conversations", post(create))
        .route("/conversations/{id}", get(show))
        .route("/conversations/{id}/messages", post(send))
        .route("/conversations/{id}/events", get(follow))
        .route("/conversations/{id}/csat", post(rate))
        .route("/conversations/{id}/typing", post(typing))
        .route("/conversations/{id}/contact", post(contact))
        .route(
            "/conversations/{id}/attachments",
            post(attach).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES)),
        )
        .route("/conversations/{id}/attachments/{photo}", get(photo))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    Router::new()
        .route("/proxy/session", get(session))
        .nest("/chat", chat)
}

#[derive(Deserialize)]
struct SessionQuery {
    /// The widget's stored anonymous id, if it has one.
    visitor: Option<String>,
    /// The resume token of a mailed reply's link (`mail::resume`): the session becomes the
    /// visitor of the conversation it names, so the shopper picks it up on this device.
    resume: Option<String>,
}

/// `GET /proxy/session`: a visitor token for the verified shop and customer.
#[tracing::instrument(skip_all, fields(shop = %proxy.shop))]
async fn session(
    State(state): State<AppState>,
    proxy: AppProxy,
    Query(query): Query<SessionQuery>,
) -> Result<Response, AppError> {
    let shop_id = installed_shop(&state.db, &proxy.shop)
        .await?
        .ok_or_else(|| {
            AppError::client(
                StatusCode::NOT_FOUND,
                "the app is not installed on this shop",
            )
        })?;
    // The app embed is on: the admin's onboarding checklist shows it (written at most once a
    // minute, however busy the storefront).
    let settings = sqlx::query_scalar!(
        "UPDATE shops SET widget_seen_at = now()
         WHERE id = $1 AND (widget_seen_at IS NULL OR widget_seen_at < now() - interval '1 minute')
         RETURNING settings",
        shop_id
    )
    .fetch_optional(&state.db)
    .await?;
    let settings = match settings {
        Some(stored) => ShopSettings::from_json(&stored),
        None => ShopSettings::load(&state.db, shop_id).await?,
    };
    let mut visitor = Visitor {
        shop_id,
        shop: proxy.shop,
        visitor_id: query
            .visitor
            .as_deref()
            .and_then(|v| Uuid::parse_str(v).ok())
            .unwrap_or_else(Uuid::new_v4),
        customer_id: proxy.logged_in_customer_id,
        playground: false,
    };
    let resumed = match query.resume.as_deref() {
        Some(token) => resumed(&state, &visitor, token).await?,
        None => None,
    };
    if let Some((_, owner)) = resumed {
        visitor.visitor_id = owner;
    }
    Ok(session_response(
        &state,
        &visitor,
        &settings,
        resumed.map(|(conversation, _)| conversation),
    ))
}

/// The conversation a mailed link's resume `token` names and the visitor it belongs to, if
/// the token is valid for `visitor`'s shop and the conversation is one `visitor` may be
/// granted: a storefront conversation (not the playground's), and a logged-in customer's only
/// for that customer. Anything else grants nothing and says nothing (the session goes on as
/// the visitor's own).
async fn resumed(
    state: &AppState,
    visitor: &Visitor,
    token: &str,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let secret = state.shopify.api_secret.expose_secret().as_bytes();
    let now = chrono::Utc::now().timestamp();
    let Some(id) = crate::mail::resume::verify_resume(secret, &visitor.shop, token, now) else {
        tracing::info!("a resume link that is not ours, or expired, was ignored");
        return Ok(None);
    };
    let owner = sqlx::query_scalar!(
        "SELECT visitor_id FROM conversations
         WHERE shop_id = $1 AND id = $2 AND NOT playground
           AND (customer_id IS NULL OR customer_id = $3)",
        visitor.shop_id,
        id,
        visitor.customer_id,
    )
    .fetch_optional(&state.db)
    .await?;
    Ok(owner.map(|owner| (id, owner)))
}

/// A session for `visitor` as the widget (or the admin's playground) starts one: its token
/// and what it shows of the settings, and the `conversation` a mailed link resumed; never
/// cached.
pub fn session_response(
    state: &AppState,
    visitor: &Visitor,
    settings: &ShopSettings,
    conversation: Option<Uuid>,
) -> Response {
    let token = visitor.token(
        state.shopify.api_secret.expose_secret().as_bytes(),
        chrono::Utc::now().timestamp(),
    );
    let mut body = json!({
        "token": token,
        "expires_in": TOKEN_TTL_SECS,
        "visitor_id": visitor.visitor_id,
        "logged_in": visitor.customer_id.is_some(),
        "api_url": state.shopify.app_url,
        "assistant": assistant(settings),
    });
    if let Some(conversation) = conversation {
        body["conversation_id"] = json!(conversation);
    }
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What the widget shows of the merchant's settings: the name, the greeting (omitted when
/// empty: the widget's own, in the shopper's language), the languages and the branding
/// (each omitted until the merchant chose it in the admin: the theme block's stays).
pub fn assistant(settings: &ShopSettings) -> serde_json::Value {
    let mut assistant = json!({
        "name": settings.assistant_name,
        "languages": settings.languages,
    });
    if let Some(position) = &settings.branding.position {
        assistant["position"] = json!(position);
    }
    if !settings.greeting.is_empty() {
        assistant["greeting"] = json!(settings.greeting);
    }
    if let Some(accent) = &settings.branding.accent_color {
        assistant["accent_color"] = json!(accent);
    }
    assistant
}

/// A verified visitor of a shop that still has the app installed, calling from one of the
/// shop's storefront origins (or from no browser at all: requests without `Origin` are not
/// cross-origin).
///
/// A token outlives neither the install nor the shop's data: once the shop uninstalls (or is
/// erased, or is installed again as a new row) its tokens get 401, and the widget's next
/// `/proxy/session` says the app is not installed.
pub struct Caller(pub Visitor);

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, AppError> {
        let visitor = Visitor::from_request_parts(parts, state).await?;
        let settings = sqlx::query_scalar!(
            "SELECT settings FROM shops
             WHERE id = $1 AND domain = $2 AND install_state = 'installed'",
            visitor.shop_id,
            visitor.shop.as_str(),
        )
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| {
            AppError::client(
                StatusCode::UNAUTHORIZED,
                "visitor token: the app is no longer installed on this shop",
            )
        })?;
        if let Some(origin) = parts.headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default();
            let settings = ShopSettings::from_json(&settings);
            // The playground runs in the admin, served from the app's own origin.
            let admin = visitor.playground && origin == app_origin(&state.shopify.app_url);
            if !admin
                && !allowed_origins(visitor.shop.as_str(), &settings)
                    .iter()
                    .any(|allowed| allowed == origin)
            {
                return Err(AppError::client(
                    StatusCode::FORBIDDEN,
                    "this origin is not one of the shop's storefronts",
                ));
            }
        }
        Ok(Self(visitor))
    }
}

/// The origins a shop's widget runs on: its myshopify domain and the storefront domains the
/// merchant listed (`shop.example` or `https://shop.example`).
pub fn allowed_origins(shop: &str, settings: &ShopSettings) -> Vec<String> {
    std::iter::once(format!("https://{shop}"))
        .chain(settings.storefront_domains.iter().map(|d| origin_of(d)))
        .collect()
}

/// The origin (`scheme://host[:port]`) of the app's URL.
fn app_origin(app_url: &str) -> String {
    reqwest::Url::parse(app_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

fn origin_of(domain: &str) -> String {
    let domain = domain.trim().trim_end_matches('/');
    if domain.starts_with("https://") || domain.starts_with("http://") {
        domain.to_owned()
    } else {
        format!("https://{domain}")
    }
}

/// CORS for `/chat/*`: answers preflights for storefront origins and lets the browser read
/// the answers (the handlers have already checked the origin against the token's shop).
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/chat/") {
        return next.run(request).await;
    }
    let origin = request.headers().get(header::ORIGIN).cloned();
    if request.method() == Method::OPTIONS {
        let known = match origin.as_ref().and_then(|o| o.to_str().ok()) {
            Some(origin) => known_storefront(&state, origin).await.unwrap_or(false),
            None => false,
        };
        let Some(origin) = origin.filter(|_| known) else {
            return error_response(StatusCode::FORBIDDEN, "not a storefront origin");
        };
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, last-event-id"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        return response;
    }
    let mut response = next.run(request).await;
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// Whether some installed shop's widget runs on `origin`.
async fn known_storefront(state: &AppState, origin: &str) -> Result<bool, sqlx::Error> {
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or(origin);
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM shops WHERE install_state = 'installed' AND (
             'https://' || domain = $1
             OR settings -> 'storefront_domains' @> to_jsonb($1::text)
             OR settings -> 'storefront_domains' @> to_jsonb($2::text))) AS "known!""#,
        origin,
        host,
    )
    .fetch_one(&state.db)
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewConversation {
    /// The storefront's language (`en`, `fr-CA`...).
    #[serde(default)]
    locale: Option<String>,
}

/// `POST /chat/conversations`
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn create(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    from: ClientAddress,
    AppJson(body): AppJson<NewConversation>,
) -> Result<Response, AppError> {
    limit(&state, &visitor, from).await?;
    let locale = body
        .locale
        .filter(|l| l.len() <= 35 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let conversation = store::create(&state.db, &visitor, locale.as_deref(), from.0).await?;
    Ok((StatusCode::CREATED, Json(conversation)).into_response())
}

/// `GET /chat/conversations/{id}`: the conversation, its messages and its latest turn.
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn show(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let conversation = store::find(&state.db, &visitor, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (messages, turn) = tokio::try_join!(
        store::messages(&state.db, visitor.shop_id, id, None, HISTORY_LIMIT),
        store::latest_turn(&state.db, visitor.shop_id, id, None),
    )?;
    Ok(Json(json!({
        "conversation": conversation,
        "messages": messages,
        "turn": turn,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    text: String,
    /// The widget's id for this message: sending it again (after a lost connection) stores
    /// it once and resumes its answer.
    #[serde(default)]
    client_id: Option<String>,
    /// The storefront page it was written from.
    #[serde(default)]
    page: Option<Page>,
    /// Photos uploaded to the conversation (`POST .../attachments`) to send with it.
    #[serde(default)]
    attachments: Vec<Uuid>,
}

/// Photos one message may carry.
const MAX_PHOTOS_PER_MESSAGE: usize = 4;

/// `POST /chat/conversations/{id}/messages`: stores the message, then streams its answer.
#[tracing::instrument(skip_all, fields(shop = %visitor.shop, conversation = %id))]
async fn send(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    from: ClientAddress,
    Path(id): Path<Uuid>,
    AppJson(body): AppJson<NewMessage>,
) -> Result<Response, AppError> {
    let text = body.text.trim();
    if text.is_empty() {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the message is empty",
        ));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a message holds at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    if body
        .client_id
        .as_deref()
        .is_some_and(|c| c.is_empty() || c.len() > 100)
    {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "client_id must be 1 to 100 characters",
        ));
    }
    if body.attachments.len() > MAX_PHOTOS_PER_MESSAGE {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("a message carries at most {MAX_PHOTOS_PER_MESSAGE} photos"),
        ));
    }
    if let Some(problem) = body.page.as_ref().and_then(Page::problem) {
        return Err(AppError::client(StatusCode::UNPROCESSABLE_ENTITY, problem));
    }
    limit(&state, &visitor, from).await?;
    let text = redact::redact(text);
    let chat = &state.chat;
    let accepted = store::accept(
        &state.db,
        &visitor,
        id,
        Incoming {
            text: &text,
            client_id: body.client_id.as_deref(),
            page: body.page.as_ref(),
            photos: &body.attachments,
        },
        chat.responder_name(),
    )
    .await?
    .ok_or_else(AppError::not_found)?;
    if !accepted.duplicate {
        // The agents' inbox sees every shopper message live.
        crate::inbox::broadcast(
            &chat.hub,
            visitor.shop_id,
            ChatEvent::InboxMessage {
                conversation_id: id,
                entry: crate::inbox::conversations::entry(id, &accepted.message),
            },
        );
    }
    let stored = ChatEvent::Stored {
        message: accepted.message.clone(),
        owner: accepted.owner,
    };
    let Some(turn) = accepted.turn else {
        // The shop's agents own the conversation: they will see the message.
        return Ok(sse(futures::stream::iter([(None, stored)])));
    };
    let channel = chat.hub.channel(visitor.shop_id, id);
    // Followed from before the turn starts, so that no event is missed; a resend follows
    // the turn already running here from what is kept.
    let from = if accepted.new_turn {
        Cursor::Now
    } else {
        Cursor::Start
    };
    let live = channel.follow(from).await?;
    if accepted.new_turn || channel.is_answering(turn.id) {
        if accepted.new_turn {
            spawn_turn(
                &state.chat_services(),
                TurnJob {
                    shop_id: visitor.shop_id,
                    shop: visitor.shop.clone(),
                    conversation_id: id,
                    turn_id: turn.id,
                    question: accepted.message,
                    page: body.page,
                },
                channel,
            );
        }
        let events = turn_events(live, turn.id).map(|(id, event)| (Some(id), event));
        return Ok(sse(futures::stream::iter([(None, stored)]).chain(events)));
    }
    // A resent message whose answer is stored, or is being written by another server.
    let settled = settled(state.clone(), visitor.shop_id, id, turn.id);
    Ok(sse(futures::stream::iter([(None, stored)]).chain(
        futures::stream::once(settled).map(|event| (None, event)),
    )))
}

/// The events of turn `turn_id` from a channel's stream, up to and including its `done` or
/// `error` (the channel's stream itself never ends).
fn turn_events(
    live: impl Stream<Item = Delivery> + Send + 'static,
    turn_id: i64,
) -> impl Stream<Item = (String, ChatEvent)> + Send + 'static {
    let ours = live
        .filter_map(|delivery| async move {
            match delivery {
                Delivery::Event { id, event } => Some((id, event)),
                Delivery::Reset => None,
            }
        })
        .skip_while(move |(_, event)| {
            let before = !matches!(event, ChatEvent::Turn { turn_id: t, .. } if *t == turn_id);
            async move { before }
        })
        .boxed();
    futures::stream::unfold((ours, false), |(mut events, ended)| async move {
        if ended {
            return None;
        }
        let item = events.next().await?;
        let ends = item.1.ends_turn();
        Some((item, (events, ends)))
    })
}

/// The stored outcome of a turn, waiting (polling) while another server writes it.
async fn settled(state: AppState, shop_id: i64, conversation: Uuid, turn_id: i64) -> ChatEvent {
    let timeout = state.chat.limits.per_turn_timeout + Duration::from_secs(10);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let turn = store::latest_turn(&state.db, shop_id, conversation, None).await;
        match turn {
            Ok(Some(turn)) if turn.id == turn_id && turn.status != TurnStatus::Running => {
                return stored_outcome(&state, shop_id, conversation, &turn).await;
            }
            Ok(Some(turn)) if store::abandoned(&turn) => break,
            Err(error) => {
                tracing::warn!(%error, "reading a turn");
                break;
            }
            _ if tokio::time::Instant::now() >= deadline => break,
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    ChatEvent::Error {
        code: "unanswered".into(),
        message: "the answer was interrupted; send the message again".into(),
        retry: true,
    }
}

async fn stored_outcome(
    state: &AppState,
    shop_id: i64,
    conversation: Uuid,
    turn: &store::TurnState,
) -> ChatEvent {
    let answer = match turn.answer_id {
        Some(answer_id) => store::messages(&state.db, shop_id, conversation, Some(answer_id), 1)
            .await
            .ok()
            .and_then(|mut m| m.pop()),
        None => None,
    };
    match answer {
        Some(message) if turn.status == TurnStatus::Answered => ChatEvent::Done {
            turn_id: turn.id,
            message_id: message.id,
            citations: message
                .attachments
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| a["type"] == "citations")
                .filter_map(|a| serde_json::from_value(a["citations"].clone()).ok())
                .next()
                .unwrap_or_default(),
            text: message.text,
        },
        _ => ChatEvent::Error {
            code: "unanswered".into(),
            message: "the answer failed; send the message again".into(),
            retry: true,
        },
    }
}

/// `GET /chat/conversations/{id}/events`: follows the conversation (answers as they are
/// written, agents' replies), resuming after `Last-Event-ID`.
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn follow(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    store::find(&state.db, &visitor, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let cursor = Cursor::parse(headers.get("last-event-id").and_then(|v| v.to_str().ok()));
    let live = state
        .chat
        .hub
        .channel(visitor.shop_id, id)
        .follow(cursor)
        .await?;
    let events = live.map(|delivery| match delivery {
        Delivery::Event { id, event } => Ok::<_, Infallible>(event_of(Some(id), &event)),
        Delivery::Reset => Ok(Event::default().event("reset").data("{}")),
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rating {
    rating: i16,
}

/// `POST /chat/conversations/{id}/csat`: the shopper's 1–5 rating.
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn rate(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    Path(id): Path<Uuid>,
    AppJson(body): AppJson<Rating>,
) -> Result<StatusCode, AppError> {
    if !(1..=5).contains(&body.rating) {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rating must be 1 to 5",
        ));
    }
    if store::set_by_shopper(&state.db, &visitor, id, ShopperSets::Rating(body.rating)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found())
    }
}

/// `POST /chat/conversations/{id}/typing`: the shopper is typing; the agents' inbox shows it
/// (told at most every two seconds).
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn typing(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, AppError> {
    store::find(&state.db, &visitor, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if crate::inbox::typing_due(visitor.shop_id, id, "shopper") {
        crate::inbox::broadcast(
            &state.chat.hub,
            visitor.shop_id,
            ChatEvent::Typing {
                conversation_id: id,
                who: "shopper".into(),
                name: None,
            },
        );
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Contact {
    email: String,
}

/// `POST /chat/conversations/{id}/contact`: an email to reply to when nobody is online.
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn contact(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    Path(id): Path<Uuid>,
    AppJson(body): AppJson<Contact>,
) -> Result<StatusCode, AppError> {
    let email = body.email.trim();
    if !tools::text::looks_like_email(email) {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "email must be an email address",
        ));
    }
    if store::set_by_shopper(&state.db, &visitor, id, ShopperSets::Email(email)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found())
    }
}

/// `POST /chat/conversations/{id}/attachments`: a photo (the raw image as the body), kept
/// without its metadata until a message sends it.
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn attach(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    from: ClientAddress,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    limit(&state, &visitor, from).await?;
    let photo = photo::clean(body).map_err(|e| {
        let status = match e {
            PhotoError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PhotoError::Damaged => StatusCode::UNPROCESSABLE_ENTITY,
        };
        AppError::client(status, e.to_string())
    })?;
    match store::attach(&state.db, &visitor, id, &photo).await? {
        Attached::Kept(photo_id) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "id": photo_id,
                "content_type": photo.content_type,
                "size": photo.bytes.len(),
            })),
        )
            .into_response()),
        Attached::NotFound => Err(AppError::not_found()),
        Attached::Full => Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "a conversation holds at most {} photos",
                store::MAX_PHOTOS_PER_CONVERSATION
            ),
        )),
    }
}

/// `GET /chat/conversations/{id}/attachments/{photo}`: a photo of the visitor's conversation.
#[tracing::instrument(skip_all, fields(shop = %visitor.shop))]
async fn photo(
    State(state): State<AppState>,
    Caller(visitor): Caller,
    Path((id, photo_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let (content_type, bytes) = store::photo(&state.db, &visitor, id, photo_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Takes a message from the visitor's, the address's and the shop's budgets, in that order
/// (a request refused by one takes nothing from the next), or answers 429: one client, however
/// many visitor ids it makes up, cannot spend the whole shop's budget. The budgets are counted
/// in PostgreSQL, so they hold across every web node.
async fn limit(state: &AppState, visitor: &Visitor, from: ClientAddress) -> Result<(), AppError> {
    let chat = &state.chat;
    let shop = visitor.shop_id;
    let mut checks = vec![(&chat.visitor_rate, visitor.visitor_id.to_string())];
    if let Some(address) = from.0 {
        checks.push((&chat.address_rate, address.to_string()));
    }
    checks.push((&chat.shop_rate, String::new()));
    for (limiter, key) in checks {
        if let Err(wait) = limiter.check(&state.db, shop, &key).await? {
            return Err(AppError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            });
        }
    }
    Ok(())
}

pub(super) fn event_of(id: Option<String>, event: &ChatEvent) -> Event {
    let mut sse = Event::default()
        .event(event.name())
        .data(serde_json::to_string(event).unwrap_or_default());
    if let Some(id) = id {
        sse = sse.id(id);
    }
    sse
}

fn sse(events: impl Stream<Item = (Option<String>, ChatEvent)> + Send + 'static) -> Response {
    let events = events.map(|(id, event)| Ok::<_, Infallible>(event_of(id, &event)));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}
