//! The agents' inbox API (`/api/inbox/*`, documented in `docs/admin-api.yaml`): the store's
//! staff, inside the embedded admin, see the shop's conversations, take them over from the
//! assistant, reply live on the shopper's stream, write notes the shopper never sees, and hand
//! them back.
//!
//! Every handler takes an [`AgentCall`]: the verified session token's shop (installed) and the
//! `agents` row of its `sub`, made on first call. A conversation id of another shop is 404.
//! The shop-wide event stream takes the token as `?token=` (an `EventSource` sends no
//! header), verified exactly like the bearer.

use std::convert::Infallible;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use futures::StreamExt;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::chat::{KEEP_ALIVE, MAX_MESSAGE_CHARS, event_of};
use super::current_shop::installed_shop;
use super::extract::{Path, Query};
use crate::chat::events::{ChatEvent, Entry};
use crate::chat::hub::{Cursor, Delivery};
use crate::chat::redact;
use crate::chat::store::Owner;
use crate::error::{AppError, AppJson};
use crate::inbox::conversations::{
    self as convs, Action, Cursor as ListCursor, Filter, Refused, View,
};
use crate::inbox::{self, Agent, AgentRef, Profile, Stamps, customer, replies};
use crate::shopify::ShopDomain;
use crate::shopify::session_token::{self, SessionToken};
use crate::shopify::tokens::{AssociatedUser, ONLINE_TOKEN, request_grant, token_exchange};
use crate::state::AppState;

/// Conversations per page of a list, at most.
const MAX_PAGE: i64 = 100;
/// How often the inbox's open stream stamps its agent as seen.
const SEEN_EVERY: Duration = Duration::from_secs(30);
/// How long a failed look-up of a staff member's name waits before it is tried again.
const PROFILE_RETRY: Duration = Duration::from_secs(60);

pub fn router() -> Router<AppState> {
    let conversation = Router::new()
        .route("/customer", get(sidebar))
        // take, hand-back, close, reopen
        .route("/{action}", post(change))
        .route("/assign", post(assign))
        .route("/messages", post(reply))
        .route("/notes", post(note))
        .route("/typing", post(typing))
        .route("/draft", post(draft))
        .route("/export", get(export))
        .route("/attachments/{photo}", get(photo))
        .route("/saved-replies/{reply}", get(filled_reply));
    Router::new()
        .route("/api/inbox/me", get(me).put(set_me))
        .route("/api/inbox/agents", get(agents))
        .route("/api/inbox/conversations", get(list))
        .route("/api/inbox/conversations/{id}", get(show))
        .nest("/api/inbox/conversations/{id}", conversation)
        .route("/api/inbox/saved-replies", get(saved).post(save))
        .route("/api/inbox/saved-replies/{reply}", delete(unsave))
        .route("/api/inbox/events", get(events))
}

/// The staff member calling, as an agent of the installed shop their session token names.
pub struct AgentCall {
    pub shop_id: i64,
    pub shop: ShopDomain,
    pub agent: Agent,
}

impl FromRequestParts<AppState> for AgentCall {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = SessionToken::from_request_parts(parts, state).await?;
        agent_call(state, &session).await
    }
}

/// The agent of `session`'s staff member: their row (made on first call), with the name and
/// email Shopify gives for them filled in once.
async fn agent_call(state: &AppState, session: &SessionToken) -> Result<AgentCall, AppError> {
    let shop_id = installed_shop(&state.db, &session.shop)
        .await?
        .ok_or_else(|| AppError::client(StatusCode::UNAUTHORIZED, "the shop is not installed"))?;
    let mut agent = inbox::agent_for(&state.db, shop_id, &session.claims.sub).await?;
    if agent.name.is_empty()
        && let Some(profile) = profile(state, shop_id, session).await
    {
        agent = inbox::set_profile(&state.db, shop_id, agent.id, &profile).await?;
    }
    Ok(AgentCall {
        shop_id,
        shop: session.shop.clone(),
        agent,
    })
}

/// Who the staff member is, as Shopify says: token exchange for an online access token for
/// them answers its `associated_user`. `None` when Shopify cannot say now (tried again a
/// minute later, not on every call).
async fn profile(state: &AppState, shop_id: i64, session: &SessionToken) -> Option<Profile> {
    static TRIED: Stamps<(i64, String)> = LazyLock::new(Mutex::default);
    let key = (shop_id, session.claims.sub.clone());
    {
        let mut tried = TRIED.lock().unwrap_or_else(PoisonError::into_inner);
        if tried
            .get(&key)
            .is_some_and(|at| at.elapsed() < PROFILE_RETRY)
        {
            return None;
        }
        tried.retain(|_, at| at.elapsed() < PROFILE_RETRY);
        tried.insert(key, Instant::now());
    }
    let form = token_exchange(session.raw.expose_secret(), ONLINE_TOKEN);
    let exchange = request_grant(&state.http, &state.shopify, &session.shop, &form);
    let grant = match tokio::time::timeout(Duration::from_secs(5), exchange).await {
        Ok(Ok(grant)) => grant,
        Ok(Err(error)) => {
            tracing::warn!(%error, "could not learn who the staff member is");
            return None;
        }
        Err(_) => return None,
    };
    // The online token itself is not kept: the app acts with the shop's offline token.
    grant.associated_user.map(|user| profile_of(&user))
}

fn profile_of(user: &AssociatedUser) -> Profile {
    let name = [&user.first_name, &user.last_name]
        .into_iter()
        .flatten()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Profile {
        name: if name.is_empty() {
            user.email.clone().unwrap_or_else(|| user.id.to_string())
        } else {
            name
        },
        email: user.email.clone(),
        owner: user.account_owner,
    }
}

/// `GET /api/inbox/me`
async fn me(call: AgentCall) -> Json<Value> {
    Json(json!({ "agent": call.agent }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Availability {
    availability: String,
}

/// `PUT /api/inbox/me`: `{availability: "online" | "away"}`.
async fn set_me(
    State(state): State<AppState>,
    call: AgentCall,
    AppJson(body): AppJson<Availability>,
) -> Result<Json<Value>, AppError> {
    if !matches!(body.availability.as_str(), "online" | "away") {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "availability must be online or away",
        ));
    }
    let agent =
        inbox::set_availability(&state.db, call.shop_id, call.agent.id, &body.availability).await?;
    Ok(Json(json!({ "agent": agent })))
}

/// `GET /api/inbox/agents`
async fn agents(State(state): State<AppState>, call: AgentCall) -> Result<Json<Value>, AppError> {
    let agents = inbox::agents(&state.db, call.shop_id).await?;
    Ok(Json(json!({ "agents": agents })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    view: Option<View>,
    q: Option<String>,
    limit: Option<i64>,
    before: Option<String>,
}

/// `GET /api/inbox/conversations`
#[tracing::instrument(skip_all, fields(shop = %call.shop))]
async fn list(
    State(state): State<AppState>,
    call: AgentCall,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::client(
            StatusCode::BAD_REQUEST,
            format!("limit must be 1 to {MAX_PAGE}"),
        ));
    }
    let before = match query.before.as_deref() {
        Some(text) => Some(ListCursor::parse(text).ok_or_else(|| {
            AppError::client(
                StatusCode::BAD_REQUEST,
                "before is not a cursor of this list",
            )
        })?),
        None => None,
    };
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if search.is_some_and(|q| q.chars().count() > 200 || q.contains('\0')) {
        return Err(AppError::client(
            StatusCode::BAD_REQUEST,
            "q holds at most 200 characters",
        ));
    }
    let filter = Filter {
        view: query.view,
        search,
        before,
        id: None,
        limit,
    };
    let (mut conversations, counts) = tokio::try_join!(
        convs::list(&state.db, call.shop_id, call.agent.id, &filter),
        convs::counts(&state.db, call.shop_id, call.agent.id),
    )?;
    customer::name_customers(
        &state.chat_services(),
        &call.shop,
        call.shop_id,
        &mut conversations,
    )
    .await?;
    let next = (conversations.len() as i64 == limit)
        .then(|| conversations.last().map(|c| ListCursor::of(c).encode()))
        .flatten();
    Ok(Json(json!({
        "conversations": conversations,
        "counts": counts,
        "next": next,
    })))
}

/// The shop's conversation `id` as the agent sees it, or 404.
async fn summary(state: &AppState, call: &AgentCall, id: Uuid) -> Result<Value, AppError> {
    let summary = convs::summary(&state.db, call.shop_id, call.agent.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(serde_json::to_value(summary).unwrap_or_default())
}

/// 404 unless the shop has conversation `id` in the inbox.
async fn ensure(state: &AppState, call: &AgentCall, id: Uuid) -> Result<(), AppError> {
    if convs::exists(&state.db, call.shop_id, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// `GET /api/inbox/conversations/{id}`: the transcript; opening it marks it read and shows
/// the caller to the other agents viewing it.
#[tracing::instrument(skip_all, fields(shop = %call.shop, conversation = %id))]
async fn show(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, AppError> {
    ensure(&state, &call, id).await?;
    let viewers = convs::open(&state.db, call.shop_id, call.agent.id, id).await?;
    inbox::broadcast(
        &state.chat.hub,
        call.shop_id,
        ChatEvent::Viewers {
            conversation_id: id,
            viewers: viewers.clone(),
        },
    );
    let (mut conversation, messages, page, proof) = tokio::try_join!(
        summary(&state, &call, id),
        async { Ok(convs::transcript(&state.db, call.shop_id, id).await?) },
        async { Ok::<_, AppError>(convs::page(&state.db, call.shop_id, id).await?) },
        async { Ok::<_, AppError>(convs::proof(&state.db, call.shop_id, id).await?) },
    )?;
    conversation["page"] = json!(page);
    conversation["proof"] = json!(proof);
    Ok(Json(json!({
        "conversation": conversation,
        "messages": messages,
        "viewers": viewers,
    })))
}

/// `GET /api/inbox/conversations/{id}/customer`: the sidebar, read live.
#[tracing::instrument(skip_all, fields(shop = %call.shop, conversation = %id))]
async fn sidebar(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, AppError> {
    let conversation = summary(&state, &call, id).await?;
    let customer_id = conversation["customer"]["id"].as_str().map(str::to_owned);
    let (page, proof) = tokio::try_join!(
        convs::page(&state.db, call.shop_id, id),
        convs::proof(&state.db, call.shop_id, id),
    )?;
    let proven = proof.as_ref().and_then(|p| p["order"].as_str());
    let services = state.chat_services();
    let unavailable = |e: anyhow::Error| {
        tracing::warn!(error = ?e, "the Admin API could not be read for the sidebar");
        AppError::Unavailable("Shopify could not be reached; try again".into())
    };
    let record = match &customer_id {
        Some(cid) => {
            let record = customer::record(&services, &call.shop, cid)
                .await
                .map_err(unavailable)?;
            let name = record.as_ref().map(|r| r.name.as_str());
            customer::remember_name(&state.db, call.shop_id, cid, name).await?;
            record
        }
        None => None,
    };
    let orders = customer::orders(
        &services,
        &call.shop,
        call.shop_id,
        id,
        customer_id.as_deref(),
        proven,
    )
    .await
    .map_err(unavailable)?;
    Ok(Json(json!({
        "verified": customer_id.is_some(),
        "customer": record,
        "orders": orders,
        "proof": proof,
        "page": page,
    })))
}

/// Applies `action`, tells every agent, and answers the conversation as it now is.
async fn act(
    state: &AppState,
    call: &AgentCall,
    id: Uuid,
    action: Action,
) -> Result<Json<Value>, AppError> {
    let (owner, assignee) = convs::change(&state.db, call.shop_id, &call.agent, id, &action)
        .await
        .map_err(refused)?;
    changed(state, call, id, &action, owner, assignee);
    Ok(Json(
        json!({ "conversation": summary(state, call, id).await? }),
    ))
}

/// Tells every agent that conversation `id` changed hands by `action`.
fn changed(
    state: &AppState,
    call: &AgentCall,
    id: Uuid,
    action: &Action,
    owner: Owner,
    assignee: Option<AgentRef>,
) {
    inbox::broadcast(
        &state.chat.hub,
        call.shop_id,
        ChatEvent::InboxUpdate {
            conversation_id: id,
            reason: action.name().to_owned(),
            owner,
            assignee,
        },
    );
}

/// Tells every agent of a new line in conversation `id`'s transcript, and answers it (201).
fn posted(state: &AppState, call: &AgentCall, id: Uuid, entry: Entry) -> (StatusCode, Json<Value>) {
    inbox::broadcast(
        &state.chat.hub,
        call.shop_id,
        ChatEvent::InboxMessage {
            conversation_id: id,
            entry: entry.clone(),
        },
    );
    (StatusCode::CREATED, Json(json!(entry)))
}

fn refused(error: Refused) -> AppError {
    match error {
        Refused::NotFound => AppError::not_found(),
        Refused::UnknownAgent => AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "agent_id is not an agent of this shop",
        ),
        Refused::Conflict(why) => AppError::client(StatusCode::CONFLICT, why),
        Refused::Database(e) => e.into(),
        Refused::Mail(e) => AppError::Internal(e),
    }
}

/// `POST …/take` (the caller answers from now on; the assistant stops), `…/hand-back` (the
/// assistant answers the shopper's next message), `…/close`, `…/reopen` (the caller owns it).
async fn change(
    State(state): State<AppState>,
    call: AgentCall,
    Path((id, action)): Path<(Uuid, String)>,
) -> Result<Json<Value>, AppError> {
    let action = match action.as_str() {
        "take" => Action::Take,
        "hand-back" => Action::HandBack,
        "close" => Action::Close,
        "reopen" => Action::Reopen,
        _ => return Err(AppError::not_found()),
    };
    act(&state, &call, id, action).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assign {
    agent_id: i64,
}

/// `POST …/assign {agent_id}`: a colleague answers from now on.
async fn assign(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
    AppJson(body): AppJson<Assign>,
) -> Result<Json<Value>, AppError> {
    act(&state, &call, id, Action::Assign(body.agent_id)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    text: String,
}

/// `value` trimmed; 422 naming `field` when that is empty or longer than `max` characters.
fn bounded<'a>(value: &'a str, field: &str, max: usize) -> Result<&'a str, AppError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field} holds 1 to {max} characters"),
        ));
    }
    Ok(value)
}

/// The text of a reply or note, trimmed and redacted; 422 when empty or too long.
fn text_of(body: &Text) -> Result<String, AppError> {
    let text = bounded(&body.text, "text", MAX_MESSAGE_CHARS)?;
    Ok(redact::redact(text).into_owned())
}

/// `POST …/messages {text}`: the assignee's reply, live on the shopper's stream. A reply to a
/// conversation nobody is assigned takes it; anyone else's is 409.
#[tracing::instrument(skip_all, fields(shop = %call.shop, conversation = %id))]
async fn reply(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
    AppJson(body): AppJson<Text>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let text = text_of(&body)?;
    let replied = convs::reply(
        &state.db,
        &state.shopify,
        call.shop_id,
        &call.shop,
        &call.agent,
        id,
        &text,
    )
    .await
    .map_err(refused)?;
    state
        .chat
        .hub
        .channel(call.shop_id, id)
        .push(ChatEvent::Message {
            message: replied.message.clone(),
        });
    if replied.took {
        let me = Some(call.agent.reference());
        changed(&state, &call, id, &Action::Take, Owner::Human, me);
    }
    Ok(posted(
        &state,
        &call,
        id,
        convs::entry(id, &replied.message),
    ))
}

/// `POST …/notes {text}`: an internal note; only agents see it (never the shopper's stream
/// or the model's history: notes are not messages).
#[tracing::instrument(skip_all, fields(shop = %call.shop, conversation = %id))]
async fn note(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
    AppJson(body): AppJson<Text>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let text = text_of(&body)?;
    let entry = convs::note(&state.db, call.shop_id, &call.agent, id, &text)
        .await
        .map_err(refused)?;
    Ok(posted(&state, &call, id, entry))
}

/// `POST …/typing`: the shopper's widget shows "<first name> is typing".
async fn typing(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, AppError> {
    ensure(&state, &call, id).await?;
    if inbox::typing_due(call.shop_id, id, &format!("agent-{}", call.agent.id)) {
        let event = ChatEvent::Typing {
            conversation_id: id,
            who: "agent".into(),
            name: Some(convs::first_name(&call.agent.name).to_owned()).filter(|n| !n.is_empty()),
        };
        state.chat.hub.channel(call.shop_id, id).push(event.clone());
        inbox::broadcast(&state.chat.hub, call.shop_id, event);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST …/draft`: what the assistant would answer now (same retrieval and tools), for the
/// agent to edit; nothing is sent or stored.
#[tracing::instrument(skip_all, fields(shop = %call.shop, conversation = %id))]
async fn draft(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, AppError> {
    ensure(&state, &call, id).await?;
    let draft =
        crate::chat::engine::draft(&state.chat_services(), call.shop_id, call.shop.clone(), id)
            .await
            .map_err(|e| {
                tracing::warn!(error = ?e, "drafting failed");
                AppError::Unavailable("the draft could not be written; try again".into())
            })?
            .ok_or_else(|| {
                AppError::client(
                    StatusCode::CONFLICT,
                    "the shopper has not written anything yet",
                )
            })?;
    Ok(Json(
        json!({ "text": draft.text, "sources": draft.sources }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
}

/// `GET …/export?format=json|csv`: the transcript and the audit trail.
#[tracing::instrument(skip_all, fields(shop = %call.shop, conversation = %id))]
async fn export(
    State(state): State<AppState>,
    call: AgentCall,
    Path(id): Path<Uuid>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(AppError::client(
                StatusCode::BAD_REQUEST,
                "format must be json or csv",
            ));
        }
    };
    let conversation = summary(&state, &call, id).await?;
    let (transcript, audit) = tokio::try_join!(
        convs::transcript(&state.db, call.shop_id, id),
        replies::audit(&state.db, call.shop_id, id),
    )?;
    let name = format!("conversation-{id}");
    if csv {
        let body = replies::csv(&transcript, &audit).map_err(|e| AppError::Internal(e.into()))?;
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.csv\""),
                ),
            ],
            body,
        )
            .into_response());
    }
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.json\""),
        )],
        Json(json!({
            "conversation": conversation,
            "messages": transcript,
            "audit": audit,
        })),
    )
        .into_response())
}

/// `GET …/attachments/{photo}`: a photo the shopper sent.
async fn photo(
    State(state): State<AppState>,
    call: AgentCall,
    Path((id, photo)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let (content_type, bytes) = convs::photo(&state.db, call.shop_id, id, photo)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/inbox/saved-replies`
async fn saved(State(state): State<AppState>, call: AgentCall) -> Result<Json<Value>, AppError> {
    let saved = replies::saved(&state.db, call.shop_id).await?;
    Ok(Json(json!({ "saved_replies": saved })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSavedReply {
    title: String,
    text: String,
}

/// `POST /api/inbox/saved-replies {title, text}`
async fn save(
    State(state): State<AppState>,
    call: AgentCall,
    AppJson(body): AppJson<NewSavedReply>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let title = bounded(&body.title, "title", 100)?;
    let text = bounded(&body.text, "text", MAX_MESSAGE_CHARS)?;
    let saved = replies::save(&state.db, call.shop_id, title, text).await?;
    Ok((StatusCode::CREATED, Json(json!(saved))))
}

/// `DELETE /api/inbox/saved-replies/{reply}`
async fn unsave(
    State(state): State<AppState>,
    call: AgentCall,
    Path(reply): Path<i64>,
) -> Result<StatusCode, AppError> {
    if replies::delete(&state.db, call.shop_id, reply).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found())
    }
}

/// `GET …/saved-replies/{reply}`: the saved reply with this conversation's customer's first
/// name and order number filled in.
async fn filled_reply(
    State(state): State<AppState>,
    call: AgentCall,
    Path((id, reply)): Path<(Uuid, i64)>,
) -> Result<Json<Value>, AppError> {
    let conversation = summary(&state, &call, id).await?;
    let saved = replies::one(&state.db, call.shop_id, reply)
        .await?
        .ok_or_else(AppError::not_found)?;
    let proof = convs::proof(&state.db, call.shop_id, id).await?;
    let mut vars = replies::Variables {
        order_number: proof.and_then(|p| p["order"].as_str().map(str::to_owned)),
        first_name: None,
    };
    if let Some(cid) = conversation["customer"]["id"].as_str() {
        let services = state.chat_services();
        // Best effort: an unreachable Admin API leaves the variables empty.
        if let Ok(Some(record)) = customer::record(&services, &call.shop, cid).await {
            vars.first_name = record.first_name;
        }
        if vars.order_number.is_none()
            && let Ok(orders) =
                customer::orders(&services, &call.shop, call.shop_id, id, Some(cid), None).await
        {
            vars.order_number = orders
                .first()
                .and_then(|o| o["name"].as_str().map(str::to_owned));
        }
    }
    Ok(Json(json!({ "text": replies::fill(&saved.text, &vars) })))
}

#[derive(Deserialize)]
struct EventsQuery {
    token: Option<String>,
}

/// `GET /api/inbox/events?token=…`: the shop-wide stream (every conversation's changes, new
/// messages, viewers, typing), resuming after `Last-Event-ID`; stamps the agent as seen while
/// open.
async fn events(
    State(state): State<AppState>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let token = session_token::bearer(&headers)
        .or(query.token.as_deref())
        .ok_or_else(|| AppError::client(StatusCode::UNAUTHORIZED, "no session token"))?;
    let session = session_token::verify(
        state.shopify.api_secret.expose_secret().as_bytes(),
        &state.shopify.api_key,
        token,
        chrono::Utc::now().timestamp(),
    )
    .map_err(|e| AppError::client(StatusCode::UNAUTHORIZED, e.to_string()))?;
    let call = agent_call(&state, &session).await?;
    let cursor = Cursor::parse(headers.get("last-event-id").and_then(|v| v.to_str().ok()));
    let live = state
        .chat
        .hub
        .channel(call.shop_id, Uuid::nil())
        .follow(cursor)
        .await?;
    // Seen while the stream is open: stamped until it is dropped.
    let open = tokio_util::sync::CancellationToken::new();
    let (db, shop_id, agent) = (state.db.clone(), call.shop_id, call.agent.id);
    let stamping = open.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = stamping.cancelled() => break,
                () = tokio::time::sleep(SEEN_EVERY) => {
                    if let Err(error) = inbox::touch(&db, shop_id, agent).await {
                        tracing::warn!(%error, "could not stamp the agent as seen");
                    }
                }
            }
        }
    });
    let guard = open.drop_guard();
    let events = live.map(move |delivery| {
        let _open = &guard;
        match delivery {
            Delivery::Event { id, event } => Ok::<Event, Infallible>(event_of(Some(id), &event)),
            Delivery::Reset => Ok(Event::default().event("reset").data("{}")),
        }
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}
