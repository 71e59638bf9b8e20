//! Live conversations across every web node: each event pushed to a conversation's channel is
//! a row in PostgreSQL (`live_events`), and the node that wrote it NOTIFYs `live_events` with
//! ids only (`{shop} {conversation} {last seq}`). Every node LISTENs on one connection and
//! wakes its own followers of that conversation, who read the rows after their cursor: a
//! shopper streaming from node A sees an agent's reply posted on node B, and a stream that
//! reconnects to another node resumes from `Last-Event-ID` (the row's sequence number) with
//! nothing missed and nothing twice. No other broker.
//!
//! - [`Channel::push`] stays synchronous: it hands the serialized event (never matched on: any
//!   [`ChatEvent`] variant travels) to this node's writer, one task that inserts what has
//!   queued up in one statement, which also numbers the events and notifies. Each channel's
//!   numbering is a row (`live_streams.last_seq`) whose lock orders its events: they commit in
//!   sequence order whichever node writes them, so a reader never skips one still in flight.
//!   A burst (an answer's streamed deltas) becomes one statement per round trip.
//! - Each channel keeps its recent events in memory, so the rows are read once per node
//!   however many follow (the shop's agents all follow the `Uuid::nil()` channel).
//! - Rows are kept for [`RETENTION`]; a cursor older than what is kept (or an id this scheme
//!   never gave) starts with [`Delivery::Reset`]: reload the history, then follow. What is
//!   stored (the messages) is the truth; this is only the live view of it.
//! - The turn lock and the turns being answered stay per node: a turn runs where it started.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use futures::Stream;
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

use super::events::ChatEvent;

/// The NOTIFY channel.
const NOTIFY_CHANNEL: &str = "live_events";
/// How long events are kept for resuming.
pub const RETENTION: Duration = Duration::from_secs(5 * 60);
/// How often each node prunes what is older than [`RETENTION`].
const PRUNE_EVERY: Duration = Duration::from_secs(30);
/// Events kept in memory per channel.
const CACHE_CAPACITY: usize = 1_000;
/// Rows read at once.
const READ_LIMIT: i64 = 500;
/// Events written in one statement, at most.
const BATCH: usize = 1_000;
/// How long an idle channel outlives its last follower.
const IDLE_TTL: Duration = Duration::from_secs(120);
/// How often the hub looks for idle channels (on use, no background task).
const SWEEP_EVERY: Duration = Duration::from_secs(30);

type Key = (i64, Uuid);
type Channels = Arc<Mutex<HashMap<Key, Arc<Channel>>>>;

/// Every live conversation this node writes to or follows.
pub struct Hub {
    db: PgPool,
    channels: Channels,
    swept: Mutex<Option<Instant>>,
    /// This node's writer, started on first use (it needs the runtime).
    writer: OnceLock<mpsc::UnboundedSender<Pushed>>,
}

/// An event on its way to the database.
struct Pushed {
    key: Key,
    event: Value,
}

/// One conversation's live channel on this node.
pub struct Channel {
    key: Key,
    db: PgPool,
    writer: mpsc::UnboundedSender<Pushed>,
    /// The last sequence number known to be committed; followers wait on it.
    latest: watch::Sender<u64>,
    /// The latest events read, in sequence order without gaps.
    cache: Mutex<Cache>,
    /// One read of new rows at a time; the others then find them in the cache.
    reading: tokio::sync::Mutex<()>,
    touched: Mutex<Instant>,
    /// Held while a turn runs: one answer at a time per conversation.
    pub turn: tokio::sync::Mutex<()>,
    /// The turns this node is answering for the conversation (running or waiting).
    running: Mutex<Vec<i64>>,
}

#[derive(Default)]
struct Cache {
    /// The sequence number of `events[0]`.
    first: u64,
    events: VecDeque<ChatEvent>,
}

impl Cache {
    fn end(&self) -> u64 {
        self.first + self.events.len() as u64
    }

    /// The cached events from `next` on, if `next` is cached.
    fn from(&self, next: u64) -> Option<Vec<(u64, ChatEvent)>> {
        (next >= self.first && next < self.end()).then(|| {
            let skip = usize::try_from(next - self.first).unwrap_or(usize::MAX);
            (next..)
                .zip(self.events.iter().skip(skip).cloned())
                .collect()
        })
    }

    /// Keeps `rows` (read from `next`) if they continue the cache (or start it).
    fn extend(&mut self, next: u64, rows: &[(u64, ChatEvent)]) {
        if self.events.is_empty() {
            self.first = next;
        } else if next != self.end() {
            return;
        }
        for (seq, event) in rows {
            if *seq != self.end() {
                // A gap (pruned rows): start again from here.
                self.events.clear();
                self.first = *seq;
            }
            self.events.push_back(event.clone());
        }
        while self.events.len() > CACHE_CAPACITY {
            self.events.pop_front();
            self.first += 1;
        }
    }
}

/// A turn being answered on this node (see [`Channel::answering`]).
pub struct Answering {
    channel: Arc<Channel>,
    turn: i64,
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.channel
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|t| *t != self.turn);
    }
}

/// Where a follower starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Only what happens from now on.
    Now,
    /// Everything still kept, then what happens.
    Start,
    /// After the event with this id (`Last-Event-ID`).
    After { seq: u64 },
    /// An id this scheme never gave (an older server's): reload, then follow.
    Unknown,
}

impl Cursor {
    /// Parses a `Last-Event-ID` (the event's sequence number); none starts from now.
    pub fn parse(id: Option<&str>) -> Self {
        match id.map(|id| id.trim().parse()) {
            None => Self::Now,
            Some(Ok(seq)) => Self::After { seq },
            Some(Err(_)) => Self::Unknown,
        }
    }
}

/// An event as a follower receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Event {
        id: String,
        event: ChatEvent,
    },
    /// The follower's cursor is not kept (too old, or unknown): reload the history, then
    /// follow.
    Reset,
}

/// What a read found after a cursor.
enum Read {
    Events(Vec<(u64, ChatEvent)>),
    /// Events after the cursor are gone (pruned): resume at this sequence number.
    Gap(u64),
}

impl Hub {
    /// The hub over `db`; it starts its writer and its listener on first use.
    pub fn new(db: PgPool) -> Self {
        Self {
            db,
            channels: Channels::default(),
            swept: Mutex::new(None),
            writer: OnceLock::new(),
        }
    }

    /// The conversation's channel, created on first use (`Uuid::nil()`: the shop's agents').
    pub fn channel(&self, shop_id: i64, conversation: Uuid) -> Arc<Channel> {
        self.sweep();
        let writer = self.writer.get_or_init(|| self.start()).clone();
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        channels
            .entry((shop_id, conversation))
            .or_insert_with(|| {
                Arc::new(Channel {
                    key: (shop_id, conversation),
                    db: self.db.clone(),
                    writer,
                    latest: watch::Sender::new(0),
                    cache: Mutex::new(Cache::default()),
                    reading: tokio::sync::Mutex::new(()),
                    touched: Mutex::new(Instant::now()),
                    turn: tokio::sync::Mutex::new(()),
                    running: Mutex::new(Vec::new()),
                })
            })
            .clone()
    }

    /// Starts this node's writer and listener; returns the writer's queue.
    fn start(&self) -> mpsc::UnboundedSender<Pushed> {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(write(self.db.clone(), rx));
        tokio::spawn(listen(self.db.clone(), self.channels.clone()));
        tx
    }

    /// Conversations live on this node.
    pub fn len(&self) -> usize {
        self.channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops channels nobody follows, no turn holds, and nothing touched for [`IDLE_TTL`].
    fn sweep(&self) {
        {
            let mut swept = self.swept.lock().unwrap_or_else(PoisonError::into_inner);
            if swept.is_some_and(|at| at.elapsed() < SWEEP_EVERY) {
                return;
            }
            *swept = Some(Instant::now());
        }
        self.channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, channel| !channel.idle());
    }
}

impl Channel {
    /// Marks `turn` as answered on this node until the returned guard is dropped.
    pub fn answering(self: &Arc<Self>, turn: i64) -> Answering {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(turn);
        Answering {
            channel: self.clone(),
            turn,
        }
    }

    /// Whether this node is answering `turn`.
    pub fn is_answering(&self, turn: i64) -> bool {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&turn)
    }

    /// Sends `event` to every follower, on every node (written in order, in the background).
    pub fn push(&self, event: ChatEvent) {
        self.touch();
        match serde_json::to_value(&event) {
            Ok(event) => {
                // Fails only once the runtime is shutting down.
                let _ = self.writer.send(Pushed {
                    key: self.key,
                    event,
                });
            }
            Err(error) => tracing::error!(%error, "an event that does not serialize"),
        }
    }

    fn touch(&self) {
        *self.touched.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    fn idle(&self) -> bool {
        self.latest.receiver_count() == 0
            && self.turn.try_lock().is_ok()
            && self
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty()
            && self
                .touched
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .elapsed()
                > IDLE_TTL
    }

    /// Records that events up to `seq` are committed, waking followers behind it.
    fn committed(&self, seq: u64) {
        self.latest.send_if_modified(|latest| {
            let newer = seq > *latest;
            if newer {
                *latest = seq;
            }
            newer
        });
    }

    /// The channel's last sequence number and the last pruned one (0, 0 before any event).
    async fn bounds(&self) -> Result<(u64, u64), sqlx::Error> {
        let (shop_id, conversation) = self.key;
        let row = sqlx::query!(
            "SELECT last_seq, pruned_through FROM live_streams
             WHERE shop_id = $1 AND conversation_id = $2",
            shop_id,
            conversation,
        )
        .fetch_optional(&self.db)
        .await?;
        let (last, pruned) = row.map_or((0, 0), |r| (r.last_seq, r.pruned_through));
        let last = u64::try_from(last).unwrap_or(0);
        self.committed(last);
        Ok((last, u64::try_from(pruned).unwrap_or(0)))
    }

    /// Where a follower from `cursor` starts, and whether it must reload first.
    async fn start(&self, cursor: Cursor) -> Result<(u64, bool), sqlx::Error> {
        let (last, pruned) = self.bounds().await?;
        if last == 0 {
            // Nothing pushed yet: whatever comes first is new to the follower.
            return Ok((0, matches!(cursor, Cursor::After { .. } | Cursor::Unknown)));
        }
        Ok(match cursor {
            Cursor::Now => (last + 1, false),
            Cursor::Start => (pruned + 1, false),
            Cursor::After { seq } if seq >= pruned && seq <= last => (seq + 1, false),
            Cursor::After { .. } | Cursor::Unknown => (last + 1, true),
        })
    }

    /// The events from `next` on (0: from the first kept): from the cache, or read once for
    /// every follower here.
    async fn read(&self, next: u64) -> Result<Read, sqlx::Error> {
        if let Some(events) = self.cached(next) {
            return Ok(Read::Events(events));
        }
        let _reading = self.reading.lock().await;
        if let Some(events) = self.cached(next) {
            return Ok(Read::Events(events));
        }
        let (shop_id, conversation) = self.key;
        let rows = sqlx::query!(
            "SELECT seq, event FROM live_events
             WHERE shop_id = $1 AND conversation_id = $2 AND seq >= $3
             ORDER BY seq LIMIT $4",
            shop_id,
            conversation,
            i64::try_from(next).unwrap_or(i64::MAX),
            READ_LIMIT,
        )
        .fetch_all(&self.db)
        .await?;
        let events: Vec<(u64, ChatEvent)> = rows
            .into_iter()
            .filter_map(|row| {
                let seq = u64::try_from(row.seq).ok()?;
                match serde_json::from_value(row.event) {
                    Ok(event) => Some((seq, event)),
                    Err(error) => {
                        // Written by a newer node: skipped by this one.
                        tracing::warn!(%error, "a live event this node cannot read");
                        None
                    }
                }
            })
            .collect();
        let latest = *self.latest.borrow();
        match events.first() {
            Some((first, _)) if next > 0 && *first != next => return Ok(Read::Gap(*first)),
            None if latest >= next.max(1) => return Ok(Read::Gap(latest + 1)),
            _ => {}
        }
        if let Some((last, _)) = events.last() {
            self.committed(*last);
        }
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(next, &events);
        Ok(Read::Events(events))
    }

    fn cached(&self, next: u64) -> Option<Vec<(u64, ChatEvent)>> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .from(next)
    }

    /// The events after `cursor`, then each new one as it is committed, from whichever node
    /// pushed it. Where it starts is settled before this returns (so [`Cursor::Now`] sees
    /// everything pushed after the call). The stream never ends by itself: the caller stops
    /// reading when it has what it wants.
    pub async fn follow(
        self: &Arc<Self>,
        cursor: Cursor,
    ) -> Result<impl Stream<Item = Delivery> + use<>, sqlx::Error> {
        self.touch();
        let latest = self.latest.subscribe();
        let (next, reset) = self.start(cursor).await?;
        let follower = Follower {
            channel: self.clone(),
            latest,
            next,
            ready: reset.then_some(Delivery::Reset).into_iter().collect(),
        };
        Ok(futures::stream::unfold(
            follower,
            |mut follower| async move {
                let delivery = follower.next().await?;
                Some((delivery, follower))
            },
        ))
    }
}

/// One stream's place in a channel.
struct Follower {
    channel: Arc<Channel>,
    latest: watch::Receiver<u64>,
    /// The next sequence number to deliver; 0 before the channel's first event.
    next: u64,
    ready: VecDeque<Delivery>,
}

impl Follower {
    async fn next(&mut self) -> Option<Delivery> {
        loop {
            if let Some(delivery) = self.ready.pop_front() {
                return Some(delivery);
            }
            if *self.latest.borrow_and_update() >= self.next.max(1) {
                match self.channel.read(self.next).await {
                    Ok(Read::Events(events)) => {
                        for (seq, event) in events {
                            self.next = seq + 1;
                            self.ready.push_back(Delivery::Event {
                                id: seq.to_string(),
                                event,
                            });
                        }
                    }
                    Ok(Read::Gap(resume)) => {
                        self.next = resume;
                        self.ready.push_back(Delivery::Reset);
                    }
                    Err(error) => self.pause(&error).await,
                }
                continue;
            }
            self.latest.changed().await.ok()?;
        }
    }

    /// After a failed read: the database is back soon, or the stream is dropped.
    async fn pause(&self, error: &sqlx::Error) {
        tracing::warn!(%error, "reading a live conversation");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// This node's writer: what has queued up goes in one statement, in push order.
async fn write(db: PgPool, mut queue: mpsc::UnboundedReceiver<Pushed>) {
    let mut batch = Vec::new();
    let mut prune = tokio::time::interval(PRUNE_EVERY);
    prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            received = queue.recv_many(&mut batch, BATCH) => {
                if received == 0 {
                    return;
                }
                write_batch(&db, &mut batch).await;
            }
            _ = prune.tick() => {
                if let Err(error) = prune_old(&db).await {
                    tracing::warn!(%error, "pruning live events");
                }
            }
        }
        if db.is_closed() {
            return;
        }
    }
}

/// Writes `batch` (emptying it), once more after a failure, then channel by channel so that
/// one bad channel (its shop just erased) does not lose the others' events.
async fn write_batch(db: &PgPool, batch: &mut Vec<Pushed>) {
    let events = std::mem::take(batch);
    if insert(db, &events).await.is_ok() {
        return;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    if insert(db, &events).await.is_ok() {
        return;
    }
    let mut by_channel: Vec<(Key, Vec<&Pushed>)> = Vec::new();
    for pushed in &events {
        match by_channel.iter_mut().find(|(key, _)| *key == pushed.key) {
            Some((_, list)) => list.push(pushed),
            None => by_channel.push((pushed.key, vec![pushed])),
        }
    }
    for (key, list) in by_channel {
        let one: Vec<Pushed> = list
            .into_iter()
            .map(|p| Pushed {
                key: p.key,
                event: p.event.clone(),
            })
            .collect();
        if let Err(error) = insert(db, &one).await {
            tracing::error!(%error, shop = key.0, conversation = %key.1, "live events lost");
        }
    }
}

/// Numbers, inserts and notifies `events` in one statement. Channels are numbered in key
/// order, so two nodes writing the same channels never wait on each other in a cycle.
async fn insert(db: &PgPool, events: &[Pushed]) -> Result<(), sqlx::Error> {
    let shops: Vec<i64> = events.iter().map(|p| p.key.0).collect();
    let conversations: Vec<Uuid> = events.iter().map(|p| p.key.1).collect();
    let bodies: Vec<Value> = events.iter().map(|p| p.event.clone()).collect();
    sqlx::query!(
        r#"WITH input AS (
               SELECT i.shop_id, i.conversation_id, i.event, i.ord
               FROM unnest($1::bigint[], $2::uuid[], $3::jsonb[]) WITH ORDINALITY
                    AS i(shop_id, conversation_id, event, ord)
           ),
           counts AS (
               SELECT shop_id, conversation_id, count(*) AS n FROM input
               GROUP BY shop_id, conversation_id
           ),
           base AS (
               SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS seq
           ),
           heads AS (
               INSERT INTO live_streams AS s (shop_id, conversation_id, last_seq, pruned_through)
               SELECT shop_id, conversation_id, base.seq + n, base.seq FROM counts, base
               ORDER BY shop_id, conversation_id
               ON CONFLICT (shop_id, conversation_id)
                   DO UPDATE SET last_seq = s.last_seq + excluded.last_seq - excluded.pruned_through
               RETURNING shop_id, conversation_id, last_seq
           ),
           written AS (
               INSERT INTO live_events (shop_id, conversation_id, seq, event)
               SELECT i.shop_id, i.conversation_id,
                      h.last_seq - c.n + row_number() OVER (
                          PARTITION BY i.shop_id, i.conversation_id ORDER BY i.ord),
                      i.event
               FROM input i
               JOIN heads h ON h.shop_id = i.shop_id AND h.conversation_id = i.conversation_id
               JOIN counts c ON c.shop_id = i.shop_id AND c.conversation_id = i.conversation_id
               RETURNING 1
           )
           SELECT count(pg_notify($4, h.shop_id || ' ' || h.conversation_id || ' ' || h.last_seq))
                  AS "notified!"
           FROM heads h"#,
        &shops,
        &conversations,
        &bodies,
        NOTIFY_CHANNEL,
    )
    .fetch_one(db)
    .await
    .inspect_err(|error| tracing::warn!(%error, events = events.len(), "writing live events"))?;
    Ok(())
}

/// Deletes the events older than [`RETENTION`], recording how far each channel is pruned.
async fn prune_old(db: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "WITH gone AS (
             DELETE FROM live_events WHERE created_at < now() - make_interval(secs => $1)
             RETURNING shop_id, conversation_id, seq
         ),
         horizon AS (
             SELECT shop_id, conversation_id, max(seq) AS upto FROM gone
             GROUP BY shop_id, conversation_id
         )
         UPDATE live_streams s SET pruned_through = greatest(s.pruned_through, h.upto)
         FROM horizon h
         WHERE s.shop_id = h.shop_id AND s.conversation_id = h.conversation_id",
        RETENTION.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// This node's listener: wakes the followers of each notified channel. After (re)connecting
/// it asks where every local channel stands, since notifications sent meanwhile are lost.
async fn listen(db: PgPool, channels: Channels) {
    loop {
        if db.is_closed() {
            return;
        }
        match listen_once(&db, &channels).await {
            Ok(()) => return,
            Err(error) => {
                if db.is_closed() {
                    return;
                }
                tracing::warn!(%error, "live events listener; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Listens until the pool closes (`Ok`) or the connection fails for good (`Err`).
async fn listen_once(db: &PgPool, channels: &Channels) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    catch_up(db, channels).await?;
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                if let Some((key, seq)) = parse_notification(notification.payload()) {
                    let channel = channels
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get(&key)
                        .cloned();
                    if let Some(channel) = channel {
                        channel.committed(seq);
                    }
                }
            }
            // Reconnected: what was notified meanwhile is lost.
            Ok(None) => catch_up(db, channels).await?,
            Err(sqlx::Error::PoolClosed) => return Ok(()),
            Err(error) => return Err(error),
        }
    }
}

fn parse_notification(payload: &str) -> Option<(Key, u64)> {
    let mut parts = payload.split(' ');
    let shop = parts.next()?.parse().ok()?;
    let conversation = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    Some(((shop, conversation), seq))
}

/// Where every channel of this node stands now.
async fn catch_up(db: &PgPool, channels: &Channels) -> Result<(), sqlx::Error> {
    let local: Vec<Arc<Channel>> = channels
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .values()
        .cloned()
        .collect();
    if local.is_empty() {
        return Ok(());
    }
    let shops: Vec<i64> = local.iter().map(|c| c.key.0).collect();
    let conversations: Vec<Uuid> = local.iter().map(|c| c.key.1).collect();
    let heads = sqlx::query!(
        "SELECT s.shop_id, s.conversation_id, s.last_seq FROM live_streams s
         JOIN unnest($1::bigint[], $2::uuid[]) AS k(shop_id, conversation_id)
           ON s.shop_id = k.shop_id AND s.conversation_id = k.conversation_id",
        &shops,
        &conversations,
    )
    .fetch_all(db)
    .await?;
    for head in heads {
        let key = (head.shop_id, head.conversation_id);
        if let Some(channel) = local.iter().find(|c| c.key == key) {
            channel.committed(u64::try_from(head.last_seq).unwrap_or(0));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(text: &str) -> ChatEvent {
        ChatEvent::Delta { text: text.into() }
    }

    #[test]
    fn the_cache_keeps_a_contiguous_tail() {
        let mut cache = Cache::default();
        cache.extend(5, &[(5, delta("a")), (6, delta("b"))]);
        assert_eq!(cache.from(6), Some(vec![(6, delta("b"))]));
        assert_eq!(cache.from(4), None);
        assert_eq!(cache.from(7), None);
        // Rows read for an older cursor do not replace it.
        cache.extend(2, &[(2, delta("x"))]);
        assert_eq!((cache.first, cache.end()), (5, 7));
        cache.extend(7, &[(7, delta("c"))]);
        assert_eq!(cache.from(5).map(|e| e.len()), Some(3));
        // A gap starts it again.
        cache.extend(8, &[(10, delta("d"))]);
        assert_eq!((cache.first, cache.end()), (10, 11));
    }

    #[test]
    fn ids_are_sequence_numbers_and_others_ask_for_a_reload() {
        assert_eq!(Cursor::parse(None), Cursor::Now);
        assert_eq!(Cursor::parse(Some("42")), Cursor::After { seq: 42 });
        assert_eq!(Cursor::parse(Some("0000abcd-5")), Cursor::Unknown);
        let key = Uuid::new_v4();
        assert_eq!(
            parse_notification(&format!("7 {key} 12")),
            Some(((7, key), 12))
        );
        assert_eq!(parse_notification("7 nope 12"), None);
    }
}
