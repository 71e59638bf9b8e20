//! Live conversations on this node: each has a short log of recent events that any number of
//! streams follow, so a widget that reconnects resumes where it left off (`Last-Event-ID`)
//! and an answer keeps running when the shopper's connection drops.
//!
//! Event ids are `{epoch}-{seq}`: the epoch is drawn when the log is created, so an id from
//! another process (after a restart) or from a log already trimmed past it is recognised,
//! and the stream starts with [`Delivery::Reset`], advice to reload the history
//! instead of silently skipping events. What is stored is the truth; this log is only the
//! live view of it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::Stream;
use tokio::sync::watch;
use uuid::Uuid;

use super::events::ChatEvent;

/// Events kept per conversation for resuming.
const LOG_CAPACITY: usize = 1_000;
/// How long an idle conversation's log outlives its last follower.
const IDLE_TTL: Duration = Duration::from_secs(120);
/// How often the hub looks for idle logs (on use, no background task).
const SWEEP_EVERY: Duration = Duration::from_secs(30);

type Key = (i64, Uuid);

/// Every live conversation of this node.
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<Key, Arc<Channel>>>,
    swept: Mutex<Option<Instant>>,
}

/// One conversation's live log.
pub struct Channel {
    epoch: u32,
    log: Mutex<Log>,
    /// The last sequence number pushed; followers wait on it.
    latest: watch::Sender<u64>,
    /// Held while a turn runs: one answer at a time per conversation.
    pub turn: tokio::sync::Mutex<()>,
    /// The turns this node is answering for the conversation (running or waiting).
    running: Mutex<Vec<i64>>,
}

struct Log {
    events: VecDeque<(u64, ChatEvent)>,
    next: u64,
    touched: Instant,
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
    /// Everything still in the log, then what happens.
    Start,
    /// After the event with this id (`Last-Event-ID`).
    After { epoch: u32, seq: u64 },
}

impl Cursor {
    /// Parses a `Last-Event-ID` (`{epoch}-{seq}`); anything else starts from now.
    pub fn parse(id: Option<&str>) -> Self {
        id.and_then(|id| id.split_once('-'))
            .and_then(|(e, s)| Some((u32::from_str_radix(e, 16).ok()?, s.parse().ok()?)))
            .map_or(Self::Now, |(epoch, seq)| Self::After { epoch, seq })
    }
}

/// An event as a follower receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Event {
        id: String,
        event: ChatEvent,
    },
    /// The follower's cursor is unknown here (another process, or trimmed): reload the
    /// history, then follow.
    Reset,
}

impl Hub {
    /// The conversation's channel, created on first use.
    pub fn channel(&self, shop_id: i64, conversation: Uuid) -> Arc<Channel> {
        self.sweep();
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        channels
            .entry((shop_id, conversation))
            .or_insert_with(|| {
                Arc::new(Channel {
                    epoch: rand_epoch(),
                    log: Mutex::new(Log {
                        events: VecDeque::new(),
                        next: 1,
                        touched: Instant::now(),
                    }),
                    latest: watch::Sender::new(0),
                    turn: tokio::sync::Mutex::new(()),
                    running: Mutex::new(Vec::new()),
                })
            })
            .clone()
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

    /// Drops logs nobody follows, no turn holds, and nothing touched for [`IDLE_TTL`].
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

fn rand_epoch() -> u32 {
    let bytes = Uuid::new_v4().into_bytes();
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
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

    /// Appends `event` and wakes every follower; returns its id.
    pub fn push(&self, event: ChatEvent) -> String {
        let seq = {
            let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
            let seq = log.next;
            log.next += 1;
            log.events.push_back((seq, event));
            if log.events.len() > LOG_CAPACITY {
                log.events.pop_front();
            }
            log.touched = Instant::now();
            seq
        };
        self.latest.send_replace(seq);
        self.id(seq)
    }

    fn id(&self, seq: u64) -> String {
        format!("{:08x}-{seq}", self.epoch)
    }

    fn idle(&self) -> bool {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        self.latest.receiver_count() == 0
            && self.turn.try_lock().is_ok()
            && self
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty()
            && log.touched.elapsed() > IDLE_TTL
    }

    /// The events after `cursor`, then each new one as it is pushed. The stream never ends
    /// by itself: the caller stops reading when it has what it wants.
    pub fn follow(self: &Arc<Self>, cursor: Cursor) -> impl Stream<Item = Delivery> + use<> {
        let mut rx = self.latest.subscribe();
        let start = {
            let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
            let first = log.events.front().map_or(log.next, |(seq, _)| *seq);
            match cursor {
                Cursor::Now => Ok(log.next),
                Cursor::Start => Ok(first),
                Cursor::After { epoch, seq }
                    if epoch == self.epoch && seq + 1 >= first && seq < log.next =>
                {
                    Ok(seq + 1)
                }
                Cursor::After { .. } => Err(log.next),
            }
        };
        rx.mark_unchanged();
        let (next, reset) = match start {
            Ok(next) => (next, false),
            Err(next) => (next, true),
        };
        let channel = self.clone();
        let state = (channel, rx, next, VecDeque::<Delivery>::new(), reset);
        futures::stream::unfold(
            state,
            |(channel, mut rx, mut next, mut ready, reset)| async move {
                if reset {
                    return Some((Delivery::Reset, (channel, rx, next, ready, false)));
                }
                loop {
                    if let Some(delivery) = ready.pop_front() {
                        return Some((delivery, (channel, rx, next, ready, false)));
                    }
                    {
                        let log = channel.log.lock().unwrap_or_else(PoisonError::into_inner);
                        let from = next;
                        for (seq, event) in log.events.iter().filter(|(seq, _)| *seq >= from) {
                            ready.push_back(Delivery::Event {
                                id: channel.id(*seq),
                                event: event.clone(),
                            });
                            next = seq + 1;
                        }
                    }
                    if ready.is_empty() && rx.changed().await.is_err() {
                        return None;
                    }
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    fn delta(text: &str) -> ChatEvent {
        ChatEvent::Delta { text: text.into() }
    }

    #[tokio::test]
    async fn followers_get_new_events_and_resume_after_their_last() {
        let hub = Hub::default();
        let conversation = Uuid::new_v4();
        let channel = hub.channel(1, conversation);
        channel.push(delta("before"));
        let mut live = Box::pin(channel.follow(Cursor::Now));
        let first = channel.push(delta("a"));
        channel.push(delta("b"));
        let Some(Delivery::Event { id, event }) = live.next().await else {
            panic!("no event");
        };
        assert_eq!((id.as_str(), event), (first.as_str(), delta("a")));

        // A reconnect after "a" gets "b" and what follows, nothing twice.
        let mut resumed = Box::pin(channel.follow(Cursor::parse(Some(&first))));
        channel.push(delta("c"));
        let texts: Vec<ChatEvent> = resumed
            .by_ref()
            .take(2)
            .filter_map(|d| async move {
                match d {
                    Delivery::Event { event, .. } => Some(event),
                    Delivery::Reset => None,
                }
            })
            .collect()
            .await;
        assert_eq!(texts, vec![delta("b"), delta("c")]);

        // An id from another process (another epoch) asks for a reload.
        let mut stranger = Box::pin(channel.follow(Cursor::parse(Some("0-3"))));
        assert_eq!(stranger.next().await, Some(Delivery::Reset));
        assert!(Arc::ptr_eq(&hub.channel(1, conversation), &channel));
        assert!(!Arc::ptr_eq(&hub.channel(2, conversation), &channel));
    }
}
