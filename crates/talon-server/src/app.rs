//! The application: what every request handler shares, and how it starts.

use crate::branch::{BranchHandle, Branches};
use crate::client::Cidr;
use crate::customers::Crm;
use crate::error::ApiError;
use crate::identity::IdentityKey;
use crate::metrics::Metrics;
use crate::pairing_guard::PairingGuard;
use crate::passwords::PasswordChecks;
use crate::refusals::Refusals;
use crate::retention::Retention;
use crate::security::Security;
use crate::throttle::Limiter;
use crate::voice::Voice;
use std::sync::Arc;
use talon_core::{
    BranchId, BranchState, Command, DomainError, OperatorId, TicketId, WorkplaceId, WorkplaceView,
};
use talon_store::{Store, StoreError};
use tokio::sync::Mutex;

/// How many ids the server reserves from the store at a time.
const ID_BLOCK: u64 = 256;

/// What an application is started with besides its store.
pub struct Options {
    /// The secret key of identifier hashes.
    pub identity_key: IdentityKey,
    /// The external CRM asked for the categories of identified visitors, if any.
    pub crm: Option<Crm>,
    /// The text-to-speech of announcements.
    pub voice: Voice,
    /// Where visitors reach Talon (for the links on tickets); the request's host if unset.
    pub public_url: Option<String>,
    /// HSTS and the request timeout.
    pub security: Security,
    /// How long personal data is kept.
    pub retention: Retention,
    /// The memory concurrent password checks may take together.
    pub password_memory_bytes: u64,
    /// How long refused sign-ins are counted before their summary goes to the audit log.
    pub refusal_window: std::time::Duration,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<Cidr>,
}

pub struct App {
    pub store: Store,
    pub identity_key: IdentityKey,
    pub crm: Option<Crm>,
    pub voice: Voice,
    pub public_url: Option<String>,
    pub security: Security,
    pub retention: Retention,
    pub branches: Arc<Branches>,
    pub metrics: Arc<Metrics>,
    ids: Mutex<(u64, u64)>,
    /// Held while a workplace opens, so an operator cannot open two in different branches.
    seating: Mutex<()>,
    pub limits: Limits,
    /// Password checks, bounded by their memory.
    pub passwords: PasswordChecks,
    /// Sign-ins refused by the rate limits, counted for their summary in the audit log.
    pub refusals: Refusals,
    /// The cap on wrong pairing codes across the installation.
    pub pairing_guard: PairingGuard,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<Cidr>,
    /// The hashes of tokens just revoked or logged out: live streams opened with one end.
    pub revoked: tokio::sync::broadcast::Sender<Arc<str>>,
    /// Set when the server begins to shut down: live streams end with a reconnection hint and
    /// readiness answers 503.
    pub stopping: tokio::sync::watch::Sender<bool>,
}

/// The rate limits of the public and the login endpoints.
pub struct Limits {
    /// Login attempts per address: bursts of 30, then one a second.
    pub login_by_address: Limiter,
    /// Failed logins per account: 5, then one a minute.
    pub login_failures_by_account: Limiter,
    /// Failed logins per known device (a browser holding the account's device cookie): 5,
    /// then one a minute. Its failures lock that device, not the account.
    pub login_failures_by_device: Limiter,
    /// Public ticket requests per address: generous, because one address can be a whole
    /// office or a mobile carrier's gateway.
    pub public_by_address: Limiter,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_by_address: Limiter::new(30, 1.0),
            login_failures_by_account: Limiter::new(5, 1.0 / 60.0),
            login_failures_by_device: Limiter::new(5, 1.0 / 60.0),
            public_by_address: Limiter::new(600, 10.0),
        }
    }
}

impl App {
    /// Loads every branch from the store and starts its actor.
    pub async fn load(store: Store, options: Options) -> Result<Arc<App>, StoreError> {
        crate::passwords::return_large_allocations();
        let metrics = Arc::new(Metrics::default());
        let app = Arc::new(App {
            store,
            identity_key: options.identity_key,
            crm: options.crm,
            voice: options.voice,
            public_url: options.public_url,
            security: options.security,
            retention: options.retention,
            branches: Arc::new(Branches::default()),
            metrics: metrics.clone(),
            ids: Mutex::new((0, 0)),
            seating: Mutex::new(()),
            limits: Limits::default(),
            passwords: PasswordChecks::new(options.password_memory_bytes, metrics),
            refusals: Refusals::new(options.refusal_window),
            pairing_guard: PairingGuard::default(),
            trusted_proxies: options.trusted_proxies,
            revoked: tokio::sync::broadcast::channel(64).0,
            stopping: tokio::sync::watch::Sender::new(false),
        });
        for id in app.store.branch_ids().await? {
            if let Some(state) = app.store.load_branch(id).await? {
                app.branches
                    .start(id, state, app.store.clone(), app.metrics.clone());
            }
        }
        Ok(app)
    }

    /// Ends the live streams opened with a token, here and, through the database, on the other
    /// instances.
    pub async fn end_streams_of(&self, token_hash: &str) {
        // Nobody listening is fine: no stream was open here.
        let _ = self.revoked.send(Arc::from(token_hash));
        if let Err(e) = self.store.notify_revoked(token_hash).await {
            tracing::warn!(error = %e, "other instances could not be told of a revoked token");
        }
    }

    /// A new internal id, unique across the installation.
    pub async fn next_id(&self) -> Result<u64, ApiError> {
        let mut ids = self.ids.lock().await;
        if ids.0 >= ids.1 {
            let first = self.store.reserve_ids(ID_BLOCK).await?;
            *ids = (first, first + ID_BLOCK);
        }
        let id = ids.0;
        ids.0 += 1;
        Ok(id)
    }

    /// Opens `workplace` for `operator` unless the operator already works in another branch
    /// (within a branch the engine itself refuses a second workplace).
    pub async fn open_workplace(
        &self,
        handle: &BranchHandle,
        command: Command,
        operator: OperatorId,
        workplace: WorkplaceId,
    ) -> Result<Option<WorkplaceView>, ApiError> {
        let _seating = self.seating.lock().await;
        for other in self
            .branches
            .all()
            .into_iter()
            .filter(|b| b.id != handle.id)
        {
            if other
                .read(move |s| s.operator_workplace(operator).is_some())
                .await?
            {
                return Err(DomainError::OperatorBusy.into());
            }
        }
        handle
            .execute(command, move |state, _| state.workplace_view(workplace))
            .await
    }

    /// A new, empty branch with its actor running, to be created by its first command.
    pub async fn start_new_branch(&self) -> Result<BranchHandle, ApiError> {
        let id = BranchId(self.next_id().await?);
        Ok(self.branches.start(
            id,
            BranchState::new(),
            self.store.clone(),
            self.metrics.clone(),
        ))
    }

    pub fn branch(&self, id: BranchId) -> Result<BranchHandle, ApiError> {
        self.branches
            .get(id)
            .ok_or_else(|| DomainError::NotFound(talon_core::Entity::Branch).into())
    }

    pub fn workplace_branch(&self, id: WorkplaceId) -> Result<BranchHandle, ApiError> {
        let branch = self
            .branches
            .workplace_branch(id)
            .ok_or(DomainError::NotFound(talon_core::Entity::Workplace))?;
        self.branch(branch)
    }

    /// The branch a ticket belongs to.
    pub async fn ticket_branch(&self, id: TicketId) -> Result<BranchHandle, ApiError> {
        let stored = self
            .store
            .ticket(id)
            .await?
            .ok_or(DomainError::NotFound(talon_core::Entity::Ticket))?;
        self.branch(stored.branch)
    }
}
