//! Process settings: command-line flags, then `TALON_*` environment variables, then the config
//! file (`--config`, `TALON_CONFIG`, or `talon.toml` in the working folder if present), then
//! defaults. The network's configuration is not here: it lives in the database.

use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use talon_server::{Crm, IdentityKey, Options, Voice};
use talon_store::Durability;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "talon-data";

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
        Ok(Settings {
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
                std::env::var("TALON_CRM_TIMEOUT_MS")
                    .ok()
                    .map(|v| {
                        v.parse()
                            .map_err(|_| format!("TALON_CRM_TIMEOUT_MS is milliseconds, not {v:?}"))
                    })
                    .transpose()?
                    .or(file.crm_timeout_ms)
                    .unwrap_or(DEFAULT_CRM_TIMEOUT_MS),
            ),
        })
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join("talon.db")
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
        })
    }
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

/// Writes a file only its owner can read: it holds the demo's passwords and tokens.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
