//! The live event stream of a branch (Server-Sent Events). Every event carries its branch
//! sequence number as its id; a client that reconnects with `Last-Event-ID` first gets what it
//! missed from the store, then the live events from memory, without gaps or repeats.

use crate::app::App;
use crate::branch::{BranchHandle, LiveEvent};
use crate::metrics::Metrics;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use talon_store::Store;
use tokio::sync::broadcast::{self, error::RecvError};

/// Events read from the store per catch-up query.
const CATCH_UP_PAGE: u32 = 500;

struct Cursor {
    handle: BranchHandle,
    store: Store,
    live: broadcast::Receiver<LiveEvent>,
    /// The last sequence number sent.
    sent: u64,
    /// Whether the store may still hold events after `sent` that `live` will not deliver.
    catching_up: bool,
    ready: VecDeque<(u64, Cow<'static, str>, Arc<str>)>,
    _subscription: Subscription,
}

/// Counts open streams for `/metrics`.
struct Subscription(Arc<Metrics>);

impl Subscription {
    fn new(metrics: Arc<Metrics>) -> Self {
        metrics.subscriber(1);
        Subscription(metrics)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.0.subscriber(-1);
    }
}

/// A stream of the branch's events after `after` (or after the current state if `None`).
pub async fn stream(
    app: &Arc<App>,
    handle: BranchHandle,
    after: Option<u64>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>> + use<>>, crate::error::ApiError> {
    // Subscribe before reading the position, so nothing committed in between is missed.
    let live = handle.subscribe();
    let (sent, catching_up) = match after {
        Some(seq) => (seq, true),
        None => (handle.read(|s| s.seq()).await?, false),
    };
    let cursor = Cursor {
        handle,
        store: app.store.clone(),
        live,
        sent,
        catching_up,
        ready: VecDeque::new(),
        _subscription: Subscription::new(app.metrics.clone()),
    };
    let events = stream::unfold(cursor, |mut cursor| async move {
        let (seq, kind, body) = cursor.next().await?;
        let event = SseEvent::default()
            .id(seq.to_string())
            .event(kind.as_ref())
            .data(&*body);
        Some((Ok(event), cursor))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

impl Cursor {
    async fn next(&mut self) -> Option<(u64, Cow<'static, str>, Arc<str>)> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                self.sent = item.0;
                return Some(item);
            }
            if self.catching_up {
                let page = self
                    .store
                    .events_after(self.handle.id, self.sent, CATCH_UP_PAGE)
                    .await
                    .ok()?;
                if page.is_empty() {
                    self.catching_up = false;
                }
                self.ready.extend(
                    page.into_iter()
                        .map(|(seq, kind, body)| (seq, Cow::Owned(kind), Arc::from(body))),
                );
                continue;
            }
            match self.live.recv().await {
                Ok(event) if event.seq > self.sent => {
                    if event.seq > self.sent + 1 {
                        // Something between is only in the store (we subscribed mid-batch).
                        self.catching_up = true;
                        continue;
                    }
                    self.sent = event.seq;
                    return Some((event.seq, Cow::Borrowed(event.kind), event.body));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
