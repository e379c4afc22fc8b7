//! Talon's server: the imperative shell around the engine. It authenticates callers, validates
//! input, runs each command through its branch's actor (one transaction per batch, events
//! published after commit), streams live events and runs the background workers.

mod app;
mod audit;
mod auth;
mod branch;
mod client;
mod cluster;
mod config_file;
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
mod pairing_guard;
mod passwords;
mod policy;
mod printing;
mod qr;
mod refusals;
mod request_id;
mod retention;
mod security;
mod throttle;
mod transport;
mod voice;
mod workers;

pub use app::{App, Options};
pub use auth::{
    NewPassword, Role, StaffRole, Username, check_role_branch, hash_password, new_token,
    random_hex, sha256_hex,
};
pub use client::Cidr;
pub use config_file::{ImportReport, export as export_config, import as import_config};
pub use customers::Crm;
pub use error::ApiError;
pub use http::{openapi_json, router, serve_metrics};
pub use identity::IdentityKey;
pub use passwords::DEFAULT_BUDGET_BYTES as DEFAULT_PASSWORD_MEMORY_BYTES;
pub use refusals::DEFAULT_WINDOW as DEFAULT_REFUSAL_WINDOW;
pub use retention::Retention;
pub use security::Security;
pub use transport::{Tls, serve};
pub use voice::Voice;
