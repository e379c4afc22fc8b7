//! Talon's server: the imperative shell around the engine. It authenticates callers, validates
//! input, runs each command through its branch's actor (one transaction per batch, events
//! published after commit), streams live events and runs the background workers.

mod app;
mod auth;
mod branch;
mod customers;
pub mod demo;
mod error;
pub mod escpos;
mod extract;
mod http;
mod i18n;
mod identity;
mod live;
mod metrics;
mod printing;
mod qr;
mod throttle;
mod voice;
mod workers;

pub use app::{App, Options};
pub use auth::{
    Role, check_password, check_username, hash_password, new_token, random_hex, sha256_hex,
};
pub use customers::Crm;
pub use error::ApiError;
pub use http::router;
pub use identity::IdentityKey;
pub use voice::Voice;

use std::sync::Arc;
use tokio::net::TcpListener;

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    workers::start(app.clone());
    let service = router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
