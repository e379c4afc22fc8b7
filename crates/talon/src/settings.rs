//! Process settings: command-line flags, then `TALON_*` environment variables, then the config
//! file (`--config`, `TALON_CONFIG`, or `talon.toml` in the working folder if present), then
//! defaults. The network's configuration is not here: it lives in the database.

use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use talon_server::{Crm, IdentityKey, Options, Retention, Security, Tls, Voice};
use talon_store::Durability;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "talon-data";
/// The embedded database's file in the data folder.
pub const DATABASE_FILE: &str = "talon.db";
/// Scheduled backups: one a day, the last week kept, unless set otherwise.
const DEFAULT_BACKUP_EVERY_MINUTES: u64 = 24 * 60;
const DEFAULT_BACKUP_KEEP: usize = 7;

#[derive(Args, Clone)]
pub struct ServerArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080 (port 0 picks a free one).
    #[arg(long, env = "TALON_LISTEN")]
    pub listen: Option<String>,
    /// Folder for the SQLite database and the demo's facts.
    #[arg(long, env = "TALON_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// "full" (survives power loss) or "normal" (survives a crash of Talon only).
    #[arg(long, env = "TALON_DURABILITY")]
    pub durability: Option<String>,
    /// A TOML file with `listen`, `data_dir` and `durability`.
    #[arg(long, env = "TALON_CONFIG")]
    pub config: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, env = "TALON_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "TALON_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Also serve `/metrics` without a token on this address, e.g. 127.0.0.1:9464, for a
    /// Prometheus on the machine or its monitoring network.
    #[arg(long, env = "TALON_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// A proxy (an address or a block like 10.0.0.0/8) whose `X-Forwarded-For` names the
    /// client; repeat for several, or list them comma-separated in the environment.
    #[arg(
        long = "trusted-proxy",
        env = "TALON_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// How `serve` and `demo` write their log to standard error: `text` for people, `json` (one
    /// object per line) for a log collector.
    #[arg(long, env = "TALON_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

#[derive(clap::ValueEnum, Clone, Copy, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    durability: Option<String>,
    identity_key: Option<String>,
    crm_url: Option<String>,
    crm_timeout_ms: Option<u64>,
    tts_command: Option<String>,
    public_url: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    hsts: Option<bool>,
    request_timeout_ms: Option<u64>,
    retain_customers_days: Option<u32>,
    retain_ticket_links_days: Option<u32>,
    password_memory_mb: Option<u64>,
    metrics_listen: Option<String>,
    refusal_window_secs: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
    backup_dir: Option<PathBuf>,
    backup_every_minutes: Option<u64>,
    backup_keep: Option<usize>,
}

/// How long a CRM lookup may take before the visitor is served without a category.
const DEFAULT_CRM_TIMEOUT_MS: u64 = 800;

pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    pub durability: Durability,
    /// The identifier-hash key in hex, if set; otherwise it lives in the data folder.
    identity_key: Option<String>,
    crm_url: Option<String>,
    crm_timeout: std::time::Duration,
    /// The text-to-speech program of announcements.
    tts_command: String,
    /// Where visitors reach Talon, for the links printed on tickets.
    public_url: Option<String>,
    /// The PEM certificate chain and key of HTTPS, if Talon serves it itself.
    tls: Option<(PathBuf, PathBuf)>,
    /// Send HSTS even without TLS of Talon's own: a TLS proxy is in front of it.
    hsts: bool,
    /// How long a request may take to arrive and to be answered.
    request_timeout: std::time::Duration,
    /// How long personal data is kept.
    retention: Retention,
    /// The memory concurrent password checks may take together.
    password_memory_bytes: u64,
    /// Where `/metrics` is also served without a token, if anywhere.
    pub metrics_listen: Option<String>,
    /// How long refused sign-ins are counted into one audit record.
    refusal_window: std::time::Duration,
    /// Proxies whose `X-Forwarded-For` names the client.
    trusted_proxies: Vec<talon_server::Cidr>,
    /// Backups the server takes by itself, if any.
    pub backups: Option<crate::backup::Schedule>,
}

impl Settings {
    pub fn load(args: &ServerArgs) -> Result<Settings, String> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None if Path::new("talon.toml").exists() => read_file(Path::new("talon.toml"))?,
            None => FileSettings::default(),
        };
        let durability = match args
            .durability
            .clone()
            .or(file.durability)
            .as_deref()
            .unwrap_or("full")
        {
            "full" => Durability::Full,
            "normal" => Durability::Normal,
            other => return Err(format!("durability is full or normal, not {other:?}")),
        };
        let tls = match (
            args.tls_cert.clone().or(file.tls_cert),
            args.tls_key.clone().or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => {
                return Err(
                    "TLS needs both a certificate and its key (--tls-cert, --tls-key)".into(),
                );
            }
        };
        let hsts = match std::env::var("TALON_HSTS").ok() {
            Some(v) => match v.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(format!("TALON_HSTS is true or false, not {v:?}")),
            },
            None => file.hsts.unwrap_or(false),
        };
        let request_timeout = milliseconds("TALON_REQUEST_TIMEOUT_MS")?
            .or(file.request_timeout_ms)
            .map_or(Security::default().request_timeout, |ms| {
                std::time::Duration::from_millis(ms)
            });
        if request_timeout.is_zero() {
            return Err("the request timeout must be longer than 0 ms".into());
        }
        let defaults = Retention::default();
        let retention = Retention {
            customer_days: days("TALON_RETAIN_CUSTOMERS_DAYS")?
                .or(file.retain_customers_days)
                .unwrap_or(defaults.customer_days),
            ticket_link_days: days("TALON_RETAIN_TICKET_LINKS_DAYS")?
                .or(file.retain_ticket_links_days)
                .unwrap_or(defaults.ticket_link_days),
        };
        let password_memory_mb = match std::env::var("TALON_PASSWORD_MEMORY_MB").ok() {
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| format!("TALON_PASSWORD_MEMORY_MB is whole megabytes, not {v:?}"))?,
            None => file
                .password_memory_mb
                .unwrap_or(talon_server::DEFAULT_PASSWORD_MEMORY_BYTES >> 20),
        };
        let refusal_window =
            match std::env::var("TALON_REFUSAL_WINDOW_SECS").ok() {
                Some(v) => v.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("TALON_REFUSAL_WINDOW_SECS is whole seconds, not {v:?}")
                })?,
                None => file
                    .refusal_window_secs
                    .unwrap_or(talon_server::DEFAULT_REFUSAL_WINDOW.as_secs()),
            };
        let proxies = if args.trusted_proxies.is_empty() {
            file.trusted_proxies.unwrap_or_default()
        } else {
            args.trusted_proxies.clone()
        };
        let trusted_proxies = proxies
            .iter()
            .map(|p| talon_server::Cidr::parse(p).map_err(|e| format!("--trusted-proxy: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let backups = match std::env::var_os("TALON_BACKUP_DIR")
            .map(PathBuf::from)
            .or(file.backup_dir)
        {
            None => None,
            Some(folder) => {
                let every = whole("TALON_BACKUP_EVERY_MINUTES")?
                    .or(file.backup_every_minutes)
                    .unwrap_or(DEFAULT_BACKUP_EVERY_MINUTES);
                let keep = whole("TALON_BACKUP_KEEP")?
                    .map(|k| k as usize)
                    .or(file.backup_keep)
                    .unwrap_or(DEFAULT_BACKUP_KEEP);
                if every == 0 || keep == 0 {
                    return Err(
                        "backups are taken every 1 minute or more, and 1 or more kept".into(),
                    );
                }
                Some(crate::backup::Schedule {
                    folder,
                    every: std::time::Duration::from_secs(every * 60),
                    keep,
                })
            }
        };
        Ok(Settings {
            backups,
            trusted_proxies,
            refusal_window: std::time::Duration::from_secs(refusal_window),
            metrics_listen: args.metrics_listen.clone().or(file.metrics_listen),
            password_memory_bytes: password_memory_mb << 20,
            tls,
            hsts,
            request_timeout,
            retention,
            listen: args
                .listen
                .clone()
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            data_dir: args
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            durability,
            identity_key: std::env::var("TALON_IDENTITY_KEY")
                .ok()
                .or(file.identity_key),
            crm_url: std::env::var("TALON_CRM_URL").ok().or(file.crm_url),
            public_url: std::env::var("TALON_PUBLIC_URL")
                .ok()
                .or(file.public_url)
                .map(|u| u.trim_end_matches('/').to_string()),
            tts_command: std::env::var("TALON_TTS_COMMAND")
                .ok()
                .or(file.tts_command)
                .unwrap_or_else(|| "espeak-ng".to_string()),
            crm_timeout: std::time::Duration::from_millis(
                milliseconds("TALON_CRM_TIMEOUT_MS")?
                    .or(file.crm_timeout_ms)
                    .unwrap_or(DEFAULT_CRM_TIMEOUT_MS),
            ),
        })
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }

    /// HTTPS, when a certificate and key are set: read and checked now, so a wrong file stops
    /// the start with a message naming it.
    pub fn tls(&self) -> Result<Option<Tls>, String> {
        self.tls
            .as_ref()
            .map(|(cert, key)| Tls::from_pem_files(cert, key))
            .transpose()
    }

    /// The application's options: the identity key (from the settings, or kept in the data
    /// folder and made on first start) and the CRM.
    pub fn options(&self) -> Result<Options, String> {
        let hex = match &self.identity_key {
            Some(hex) => hex.trim().to_string(),
            None => {
                let path = self.data_dir.join("identity.key");
                match std::fs::read_to_string(&path) {
                    Ok(hex) => hex.trim().to_string(),
                    Err(_) => {
                        let hex = talon_server::random_hex(32);
                        write_private(&path, hex.as_bytes())
                            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                        hex
                    }
                }
            }
        };
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .filter(|_| hex.len() % 2 == 0)
            .ok_or("the identity key is hex")?;
        let crm = self
            .crm_url
            .clone()
            .map(|url| Crm::new(url, self.crm_timeout))
            .transpose()?;
        Ok(Options {
            identity_key: IdentityKey::new(bytes)?,
            crm,
            voice: Voice::new(self.tts_command.clone()),
            public_url: self.public_url.clone(),
            security: Security {
                // Browsers ignore HSTS over plain HTTP, but a TLS proxy passes it on.
                hsts: self.hsts || self.tls.is_some(),
                request_timeout: self.request_timeout,
            },
            retention: self.retention,
            password_memory_bytes: self.password_memory_bytes,
            refusal_window: self.refusal_window,
            trusted_proxies: self.trusted_proxies.clone(),
        })
    }
}

/// An environment variable of whole days, if set.
fn days(name: &str) -> Result<Option<u32>, String> {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .map_err(|_| format!("{name} is whole days, not {v:?}"))
        })
        .transpose()
}

/// An environment variable of a whole number, if set.
fn whole(name: &str) -> Result<Option<u64>, String> {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .map_err(|_| format!("{name} is a whole number, not {v:?}"))
        })
        .transpose()
}

/// An environment variable of milliseconds, if set.
fn milliseconds(name: &str) -> Result<Option<u64>, String> {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .map_err(|_| format!("{name} is milliseconds, not {v:?}"))
        })
        .transpose()
}

fn read_file(path: &Path) -> Result<FileSettings, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The log level from `TALON_LOG` (error, warn, info, debug, trace); info by default.
pub fn log_level() -> tracing::Level {
    std::env::var("TALON_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(tracing::Level::INFO)
}

/// Sends the log to standard error at [`log_level`]: as text (in colour at a terminal only, not
/// in a log file or the journal), or as one JSON object per line with the timestamp, level,
/// target, message and fields, and the request's span (its `request_id`).
pub fn init_log(format: LogFormat) {
    let log = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(log_level());
    match format {
        LogFormat::Text => log
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => log
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Writes a file only its owner can read (it holds the demo's passwords and tokens, or the
/// identity key), all or nothing: a crash while writing leaves the earlier file or none, never
/// a torn one that the next start would read as an empty key.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, path)?;
    // The rename is durable once the folder holding it is.
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(folder)?.sync_all()
}

/// Creates the data folder, and any folder above it that is missing, readable by the owner only.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

/// Talon's own files in the data folder.
pub const DATA_FILES: [&str; 5] = [
    "talon.db",
    "talon.db-wal",
    "talon.db-shm",
    "identity.key",
    "demo.json",
];

/// Warns about the data folder or a file of Talon's in it that others than its owner may read:
/// they hold password and token hashes, the identity key and the audit log.
pub fn warn_if_readable(data_dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let files = DATA_FILES.iter().map(|name| data_dir.join(name));
    for path in std::iter::once(data_dir.to_path_buf()).chain(files) {
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let fix = if metadata.is_dir() { "700" } else { "600" };
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:o}"),
                "readable by others than its owner; run chmod {fix} on it"
            );
        }
    }
}
