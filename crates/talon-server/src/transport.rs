//! Accepting connections, plain or over TLS, and serving HTTP/1.1 on them with hyper.
//!
//! Talon runs its own accept loop instead of `axum::serve`, which can neither terminate TLS
//! nor bound how long a client may take to send a request's head: a client that trickles
//! headers forever would hold its connection (and, over TLS, its handshake) for good. Here the
//! request timeout bounds the TLS handshake and the head of every request, also while a
//! kept-alive connection waits for its next request. Each request carries the peer's address
//! as `ConnectInfo` for the rate limits. On shutdown the loop stops accepting, ends the live
//! streams (with a hint to reconnect), asks every connection to finish the request it is
//! serving, and waits a short while for them: an answered request's commit is already durable.

use crate::app::App;
use crate::{http, workers};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tower::ServiceExt;

/// How long shutdown waits for connections to finish: requests in flight are answered in far
/// less, and live streams end at once. The process exits at the latest when it has passed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long the loop rests after it failed to accept for want of resources (e.g. file
/// descriptors), so it does not spin while they are short.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// A server certificate and key: Talon speaks HTTPS itself.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
}

impl Tls {
    /// Reads the certificate chain (the server's certificate first) and its private key from
    /// PEM files. The errors name the file and what is wrong with it.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, String> {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| format!("the TLS certificate {}: {e}", cert.display()))?;
        if chain.is_empty() {
            return Err(format!(
                "the TLS certificate {} holds no PEM certificate",
                cert.display()
            ));
        }
        let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
            format!(
                "the TLS key {}: {e} (a PEM private key is expected)",
                key.display()
            )
        })?;
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_no_client_auth()
            .with_single_cert(chain, private_key)
            .map_err(|e| {
                format!(
                    "the TLS certificate {} and key {} do not go together: {e}",
                    cert.display(),
                    key.display()
                )
            })?;
        // Talon speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// Serves `app` on `listener`, over TLS if `tls` is given, until `shutdown` completes.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    workers::start(app.clone());
    if let Err(e) = crate::cluster::follow(app.clone()).await {
        tracing::error!(error = %e, "other instances cannot be followed; this one serves alone");
    }
    let timeout = app.security.request_timeout;
    let router = http::router(app.clone());
    // Connections watch `stop`; each holds a clone of `open`, so `opened.closed()` completes
    // when the last one has ended (or its TLS handshake failed).
    let (stop, stopping) = watch::channel(false);
    let (opened, open) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let connection = Connection {
            router: router.clone(),
            peer,
            timeout,
            stop: stopping.clone(),
            _open: open.clone(),
        };
        let acceptor = tls.as_ref().map(|tls| tls.acceptor.clone());
        tokio::spawn(async move {
            let Some(acceptor) = acceptor else {
                return connection.serve(stream).await;
            };
            match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => connection.serve(stream).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "a TLS handshake failed"),
                Err(_) => tracing::debug!("a TLS handshake took too long"),
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections; finishing the requests in flight");
    app.stopping.send_replace(true);
    stop.send_replace(true);
    drop(open);
    if tokio::time::timeout(SHUTDOWN_GRACE, opened.closed())
        .await
        .is_err()
    {
        tracing::warn!("stopped with requests still unanswered after the grace period");
    }
}

/// One accepted connection and what serving it needs.
struct Connection {
    router: Router,
    peer: SocketAddr,
    timeout: Duration,
    stop: watch::Receiver<bool>,
    /// Held while the connection lives: shutdown waits until every one is dropped.
    _open: watch::Receiver<()>,
}

impl Connection {
    async fn serve<I>(mut self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (router, peer) = (self.router, self.peer);
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.timeout);
        let connection = builder.serve_connection(TokioIo::new(io), service);
        let mut connection = std::pin::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            // A change, or the server gone: either way it is time to stop.
            _ = self.stop.changed() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "a connection ended with an error");
        }
    }
}

/// Errors of one connection that was being accepted, which say nothing about the listener.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}
