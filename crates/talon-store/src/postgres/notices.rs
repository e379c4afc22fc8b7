//! What the instances sharing the database do, as it tells them: every commit notifies
//! `talon_events` with `<branch>:<last seq>` and every revocation `talon_revoked` with the
//! token's hash (ids only: a payload stays small). A connection outside the pool listens on
//! both and turns what arrives into [`Notice`]s, this instance's own commits included.
//!
//! A notification sent while nobody listens is not kept for later. So when the listening
//! connection is lost, the task reconnects with growing pauses and, once it listens again, sends
//! [`Notice::Reconnected`]: the receiver then catches up with every branch from its head, and a
//! lost notice loses nothing.

use super::branches::EVENTS_CHANNEL;
use super::{LISTEN_NAME, PgStore};
use crate::error::StoreError;
use crate::records::Notice;
use std::future::poll_fn;
use std::time::Duration;
use talon_core::BranchId;
use tokio::sync::mpsc;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{AsyncMessage, Client, Config, Connection, Notification, Socket};

/// The channel that carries the hash of every revoked token.
const REVOKED_CHANNEL: &str = "talon_revoked";

/// How many notices wait for the receiver before the listener waits for it in turn (while it
/// waits, the database holds the notifications).
const CAPACITY: usize = 1024;

/// The first pause before reconnecting, doubled after every failure up to the longest.
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const LONGEST_PAUSE: Duration = Duration::from_secs(10);

impl PgStore {
    /// Starts listening and answers once the connection listens: any commit after this returns
    /// is noticed. The listening ends when the receiver is dropped.
    pub async fn notices(&self) -> Result<mpsc::Receiver<Notice>, StoreError> {
        let config = self.inner.config.clone();
        let listening = listen(&config).await?;
        let (notices, receiver) = mpsc::channel(CAPACITY);
        tokio::spawn(run(config, listening, notices));
        Ok(receiver)
    }

    pub async fn notify_revoked(&self, token_hash: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute("SELECT pg_notify($1, $2)", &[&REVOKED_CHANNEL, &token_hash])
            .await?;
        Ok(())
    }
}

/// A connection that listens on both channels.
struct Listening {
    /// Held, not used: dropping the client would close the connection.
    _client: Client,
    connection: Connection<Socket, NoTlsStream>,
    /// Notifications that arrived while `LISTEN` itself was answered.
    early: Vec<Notification>,
}

async fn listen(config: &Config) -> Result<Listening, StoreError> {
    let (client, mut connection) = PgStore::dedicated(config, LISTEN_NAME).await?;
    let mut early = Vec::new();
    let statement = format!("LISTEN {EVENTS_CHANNEL}; LISTEN {REVOKED_CHANNEL}");
    {
        let mut listened = std::pin::pin!(client.batch_execute(&statement));
        // The client's request completes only while its connection is driven, here by hand,
        // since the connection's messages are what this task reads afterwards.
        loop {
            tokio::select! {
                done = &mut listened => {
                    done?;
                    break;
                }
                message = poll_fn(|cx| connection.poll_message(cx)) => match message {
                    Some(Ok(AsyncMessage::Notification(n))) => early.push(n),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.into()),
                    None => return Err(StoreError::Closed),
                },
            }
        }
    }
    Ok(Listening {
        _client: client,
        connection,
        early,
    })
}

/// Delivers notices until the receiver is gone, listening again whenever the connection is lost.
async fn run(config: Config, mut listening: Listening, notices: mpsc::Sender<Notice>) {
    loop {
        for n in std::mem::take(&mut listening.early) {
            if deliver(&notices, &n).await.is_err() {
                return;
            }
        }
        loop {
            let message = tokio::select! {
                message = poll_fn(|cx| listening.connection.poll_message(cx)) => message,
                () = notices.closed() => return,
            };
            match message {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if deliver(&notices, &n).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            }
        }
        let mut pause = FIRST_PAUSE;
        listening = loop {
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = notices.closed() => return,
            }
            match listen(&config).await {
                Ok(listening) => break listening,
                Err(_) => pause = (pause * 2).min(LONGEST_PAUSE),
            }
        };
        if notices.send(Notice::Reconnected).await.is_err() {
            return;
        }
    }
}

/// Sends the notice a notification stands for; fails only when nobody receives any more.
async fn deliver(
    notices: &mpsc::Sender<Notice>,
    n: &Notification,
) -> Result<(), mpsc::error::SendError<Notice>> {
    match notice(n) {
        Some(notice) => notices.send(notice).await,
        None => Ok(()),
    }
}

/// What a notification says; `None` for a payload no Talon sends, which is ignored.
fn notice(n: &Notification) -> Option<Notice> {
    match n.channel() {
        EVENTS_CHANNEL => {
            let (branch, seq) = n.payload().split_once(':')?;
            Some(Notice::Committed {
                branch: BranchId(branch.parse().ok()?),
                seq: seq.parse().ok()?,
            })
        }
        REVOKED_CHANNEL => Some(Notice::Revoked {
            token_hash: n.payload().to_string(),
        }),
        _ => None,
    }
}
