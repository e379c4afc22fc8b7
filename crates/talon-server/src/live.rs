//! The live event stream of a branch (Server-Sent Events). Every event carries its branch
//! sequence number as its id; a client that reconnects with `Last-Event-ID` first gets what it
//! missed from the store, then the live events from memory, without gaps or repeats.
//!
//! A live event's SSE frame is formatted once, when the branch publishes it, and the same bytes
//! go to every subscriber: a thousand displays cost a thousand writes, not a thousand encodings.
//!
//! When the server shuts down every stream ends with a `retry:` field: the client reconnects
//! after a moment, through the load balancer to another instance or to this one restarted.

use crate::app::App;
use crate::branch::{BranchHandle, LiveEvent};
use crate::error::ApiError;
use crate::metrics::Metrics;
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt, stream};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use talon_store::Store;
use tokio::sync::broadcast::{self, error::RecvError};

/// Events read from the store per catch-up query.
const CATCH_UP_PAGE: u32 = 500;
/// A quiet stream sends a comment this often, so proxies and clients know it is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The last frame of a stream ended by a shutdown: reconnect in a second.
const SHUTDOWN_FRAME: &[u8] = b": the server is shutting down\nretry: 1000\n\n";

/// The SSE frame of one event: `id`, `event` and one `data` line (JSON has no raw newlines).
pub fn frame(seq: u64, kind: &str, data: &str) -> Bytes {
    Bytes::from(format!("id: {seq}\nevent: {kind}\ndata: {data}\n\n"))
}

struct Cursor {
    handle: BranchHandle,
    store: Store,
    live: broadcast::Receiver<LiveEvent>,
    /// Tokens revoked since the stream opened, and the hash of the one it was opened with.
    revoked: broadcast::Receiver<Arc<str>>,
    holder: Arc<str>,
    /// The last sequence number sent.
    sent: u64,
    /// Whether the store may still hold events after `sent` that `live` will not deliver.
    catching_up: bool,
    ready: VecDeque<(u64, Bytes)>,
    _subscription: Subscription,
}

/// Counts open streams for `/metrics`.
pub struct Subscription(Arc<Metrics>);

impl Subscription {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        metrics.subscriber(1);
        Subscription(metrics)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.0.subscriber(-1);
    }
}

/// A stream of the branch's events after `after` (or after the current state if `None`), for
/// the caller whose token has the hash `holder`: it ends when that token is revoked.
pub async fn stream(
    app: &Arc<App>,
    handle: BranchHandle,
    after: Option<u64>,
    holder: &str,
) -> Result<Response, ApiError> {
    // Subscribe before reading the position, so nothing committed in between is missed.
    let live = handle.subscribe();
    let revoked = app.revoked.subscribe();
    let (sent, catching_up) = match after {
        Some(seq) => (seq, true),
        None => (handle.read(|s| s.seq()).await?, false),
    };
    let cursor = Cursor {
        handle,
        store: app.store.clone(),
        live,
        revoked,
        holder: Arc::from(holder),
        sent,
        catching_up,
        ready: VecDeque::new(),
        _subscription: Subscription::new(app.metrics.clone()),
    };
    let frames = stream::unfold(cursor, |mut cursor| async move {
        let frame = cursor.next().await?;
        Some((frame, cursor))
    });
    Ok(event_stream(app, frames))
}

/// The answer of a Server-Sent Events stream of `frames`, which ends when they do or, with
/// [`SHUTDOWN_FRAME`], when the server begins to shut down.
pub fn event_stream(app: &App, frames: impl Stream<Item = Bytes> + Send + 'static) -> Response {
    let stopping = app.stopping.subscribe();
    let frames = stream::unfold(Some((Box::pin(frames), stopping)), |open| async move {
        let (mut frames, mut stopping) = open?;
        tokio::select! {
            frame = frames.next() => {
                frame.map(|frame| (Ok::<_, Infallible>(frame), Some((frames, stopping))))
            }
            () = stopped(&mut stopping) => {
                Some((Ok(Bytes::from_static(SHUTDOWN_FRAME)), None))
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(frames),
    )
        .into_response()
}

/// Completes when the server begins to shut down (or is gone).
async fn stopped(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

impl Cursor {
    /// Whether a revocation ends this stream: its own token, or, when revocations came too fast
    /// to follow, a token the store no longer knows.
    async fn was_revoked(&self, revoked: Result<Arc<str>, RecvError>) -> bool {
        match revoked {
            Ok(hash) => hash == self.holder,
            Err(RecvError::Lagged(_)) => !matches!(
                self.store.token(&self.holder, jiff::Timestamp::now()).await,
                Ok(Some(_))
            ),
            Err(RecvError::Closed) => false,
        }
    }

    /// The next frame to send: a missed event, a live one, or a keep-alive comment.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some((seq, frame)) = self.ready.pop_front() {
                self.sent = seq;
                return Some(frame);
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
                        .map(|e| (e.seq, frame(e.seq, &e.kind, &e.body))),
                );
                continue;
            }
            let received = tokio::select! {
                received = tokio::time::timeout(KEEP_ALIVE, self.live.recv()) => match received {
                    Ok(received) => received,
                    Err(_) => return Some(Bytes::from_static(b":\n\n")),
                },
                revoked = self.revoked.recv() => {
                    if self.was_revoked(revoked).await {
                        return None;
                    }
                    continue;
                }
            };
            match received {
                Ok(event) if event.seq > self.sent => {
                    if event.seq > self.sent + 1 {
                        // Something between is only in the store (we subscribed mid-batch).
                        self.catching_up = true;
                        continue;
                    }
                    self.sent = event.seq;
                    return Some(event.frame);
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
