//! The `talon` command: `serve`, `demo`, `migrate`, `user add`, `audit verify`, `export`,
//! `import`, `backup`, `restore`, `bench`, `torture`, `plan` and `simulate`.

mod backup;
mod bench;
mod plan;
mod remote;
mod settings;
mod torture;

use clap::{Parser, Subcommand};
use settings::{ServerArgs, Settings};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use talon_server::{App, NewPassword, StaffRole, Username, check_role_branch, hash_password};
use talon_store::{NewUser, Store};

#[derive(Parser)]
#[command(name = "talon", version, about = "Talon, the electronic queue")]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Run the server.
    Serve(ServerArgs),
    /// Create a demo branch (on first run), print how to reach it, and serve.
    Demo {
        #[command(flatten)]
        server: ServerArgs,
        /// Print the demo's facts as one JSON line on stdout before serving.
        #[arg(long)]
        json: bool,
    },
    /// Create or upgrade the database, then exit.
    Migrate(ServerArgs),
    /// Manage staff users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write the network's configuration (every branch with its settings, services,
    /// categories, work profiles and workplaces) as one TOML file.
    Export {
        #[command(flatten)]
        server: ServerArgs,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Import a configuration file as `talon export` writes it: update what its keys match,
    /// add what is new, remove nothing. The whole file is checked before anything changes.
    /// Stop the server first, or import through the API while it runs.
    Import {
        #[command(flatten)]
        server: ServerArgs,
        /// The TOML file.
        file: PathBuf,
        /// Check the file and report what it would change, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a consistent backup of the embedded database (with the data folder's identity key
    /// and demo facts) to one new file, while the server runs.
    Backup {
        #[command(flatten)]
        server: ServerArgs,
        /// The backup file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty data folder, and check it: SQLite's integrity check, the
    /// row counts of the backup, the audit chain, and every branch loading.
    Restore {
        #[command(flatten)]
        server: ServerArgs,
        /// The backup file `talon backup` wrote.
        file: PathBuf,
    },
    /// Drive a running server over HTTP and report throughput and latency.
    Bench(bench::BenchArgs),
    /// Suites that try to break a server: kill it under load, over and over.
    Torture {
        #[command(subcommand)]
        command: TortureCommand,
    },
    /// Planning: Erlang figures, forecast backtests and staffing plans.
    Plan {
        #[command(subcommand)]
        command: plan::PlanCommand,
    },
    /// Simulate a branch's day on the real engine, or compare two configurations.
    Simulate(plan::SimulateArgs),
}

#[derive(Subcommand)]
enum TortureCommand {
    /// Kill a demo server with SIGKILL under a mixed load and restart it, cycle after cycle;
    /// then check that nothing acknowledged was lost and nothing was half-applied.
    Crash(torture::CrashArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain from its first record to its last, reading the
    /// database without changing it. Exits non-zero at the first broken record.
    Verify(ServerArgs),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff user. The password comes from TALON_PASSWORD or is generated and printed.
    Add {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long)]
        username: String,
        /// admin, manager, receptionist or operator
        #[arg(long, default_value = "operator")]
        role: String,
        /// Restrict the user to one branch.
        #[arg(long)]
        branch: Option<u64>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    settings::init_log(match &cli.command {
        Commands::Serve(server) | Commands::Demo { server, .. } => {
            server.log_format.unwrap_or_default()
        }
        _ => settings::LogFormat::Text,
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("talon: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("talon: {e}");
            ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Commands::Serve(args) => {
            let settings = Settings::load(&args)?;
            let app = App::load(open_store(&settings).await?, settings.options()?).await?;
            serve(app, &settings, |url| println!("Talon listening on {url}")).await
        }
        Commands::Demo { server, json } => demo(Settings::load(&server)?, json).await,
        Commands::Migrate(args) => {
            let settings = Settings::load(&args)?;
            open_store(&settings).await?;
            println!("database {} is up to date", settings.database().display());
            Ok(())
        }
        Commands::User {
            command:
                UserCommand::Add {
                    server,
                    username,
                    role,
                    branch,
                },
        } => add_user(Settings::load(&server)?, username, role, branch).await,
        Commands::Audit {
            command: AuditCommand::Verify(args),
        } => verify_audit(&Settings::load(&args)?),
        Commands::Export { server, output } => {
            export_config(&Settings::load(&server)?, output).await
        }
        Commands::Import {
            server,
            file,
            dry_run,
        } => import_config(&Settings::load(&server)?, &file, dry_run).await,
        Commands::Backup { server, to } => {
            let settings = Settings::load(&server)?;
            let counts = backup::backup(&settings.data_dir, &to)?;
            println!("backup written to {}", to.display());
            backup::print_counts(&counts);
            Ok(())
        }
        Commands::Restore { server, file } => {
            backup::restore(&Settings::load(&server)?, &file).await
        }
        Commands::Bench(args) => bench::run(args).await,
        Commands::Plan { command } => plan::run(command),
        Commands::Simulate(args) => plan::simulate(args),
        Commands::Torture {
            command: TortureCommand::Crash(args),
        } => torture::crash(args).await,
    }
}

/// Loads the installation's branches as the server does, to read or change their
/// configuration through the same actors.
async fn load_app(settings: &Settings) -> Result<Arc<App>, Error> {
    Ok(App::load(open_store(settings).await?, settings.options()?).await?)
}

async fn export_config(settings: &Settings, output: Option<PathBuf>) -> Result<(), Error> {
    let database = settings.database();
    if !database.exists() {
        return Err(format!("there is no database at {}", database.display()).into());
    }
    let text = talon_server::export_config(&*load_app(settings).await?)
        .await
        .map_err(|e| e.message)?;
    match output {
        Some(path) => settings::write_private(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

async fn import_config(settings: &Settings, file: &Path, dry_run: bool) -> Result<(), Error> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let report = talon_server::import_config(&*load_app(settings).await?, &text, dry_run)
        .await
        .map_err(|e| e.message)?;
    print!("{report}");
    Ok(())
}

/// Walks the audit chain of the database in the data folder, opened read-only.
fn verify_audit(settings: &Settings) -> Result<(), Error> {
    let database = settings.database();
    let check = talon_store::verify_sqlite_audit(&database)
        .map_err(|e| format!("cannot verify the audit log of {}: {e}", database.display()))?;
    match check.broken {
        None => {
            println!(
                "audit log intact: {} records verified; head {}",
                check.verified, check.head
            );
            Ok(())
        }
        Some(broken) => Err(format!(
            "audit log broken at record {}: {}; the {} records before it are intact",
            broken.seq, broken.problem, check.verified
        )
        .into()),
    }
}

async fn open_store(settings: &Settings) -> Result<Store, Error> {
    settings::create_private_dir(&settings.data_dir)?;
    settings::warn_if_readable(&settings.data_dir);
    Ok(Store::open_sqlite(&settings.database(), settings.durability).await?)
}

/// Reads the TLS certificate if there is one, binds, announces the URL, and serves until
/// Ctrl-C or SIGTERM.
async fn serve(
    app: Arc<App>,
    settings: &Settings,
    announce: impl FnOnce(&str),
) -> Result<(), Error> {
    let tls = settings.tls()?;
    if let Some(address) = &settings.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| format!("cannot listen for metrics on {address}: {e}"))?;
        tokio::spawn(talon_server::serve_metrics(app.clone(), metrics));
    }
    let listener = tokio::net::TcpListener::bind(&settings.listen).await?;
    if let Some(schedule) = &settings.backups {
        tokio::spawn(backup::run_schedule(
            settings.data_dir.clone(),
            schedule.clone(),
        ));
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}", listener.local_addr()?);
    announce(&url);
    talon_server::serve(app, listener, tls, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

async fn demo(settings: Settings, json: bool) -> Result<(), Error> {
    let app = App::load(open_store(&settings).await?, settings.options()?).await?;
    let facts_file = settings.data_dir.join("demo.json");
    let facts: talon_server::demo::DemoFacts = match std::fs::read(&facts_file) {
        Ok(bytes) => serde_json::from_slice(&bytes)?,
        Err(_) if !app.store.branch_ids().await?.is_empty() => {
            // The demo's passwords and tokens exist nowhere else: a demo whose creation was cut
            // off, or a database that is not a demo's, cannot be served as one.
            return Err(format!(
                "{} holds a database but not the demo's facts ({}): the demo was interrupted \
                 while it was created, or the folder is not a demo's; start the demo on an \
                 empty folder",
                settings.data_dir.display(),
                facts_file.display()
            )
            .into());
        }
        Err(_) => {
            let facts = talon_server::demo::create(&app)
                .await
                .map_err(|e| format!("creating the demo failed: {}", e.message))?;
            settings::write_private(&facts_file, &serde_json::to_vec_pretty(&facts)?)?;
            facts
        }
    };
    serve(app, &settings, |url| {
        if json {
            let mut line = serde_json::to_value(&facts).unwrap_or_default();
            line["url"] = serde_json::Value::from(url);
            println!("{line}");
        } else {
            print_demo(url, &facts);
            open_browser(url);
        }
    })
    .await
}

/// Opens the start page when a person runs the demo in a desktop session.
fn open_browser(url: &str) {
    use std::io::IsTerminal;
    let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    if desktop && std::io::stdout().is_terminal() {
        let opened = std::process::Command::new("xdg-open")
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if opened.is_err() {
            println!("  open {url} in a browser");
        }
    }
}

fn print_demo(url: &str, facts: &talon_server::demo::DemoFacts) {
    let b = facts.branch;
    println!("Talon demo is running at {url}");
    println!("  branch {b}: state   {url}/api/v1/branches/{b}/state");
    println!("            events  {url}/api/v1/branches/{b}/events");
    println!("  API description    {url}/api/openapi.json");
    for s in &facts.services {
        println!("  service {} {} ({})", s.id, s.prefix, s.name);
    }
    for w in &facts.workplaces {
        println!("  workplace {} (counter {})", w.id, w.name);
    }
    for p in &facts.profiles {
        println!("  work profile {} ({})", p.id, p.name);
    }
    for c in &facts.categories {
        println!(
            "  customer category {} ({}, weight {})",
            c.id, c.name, c.weight
        );
    }
    println!(
        "  admin:      {} / {}",
        facts.admin.username, facts.admin.password
    );
    for o in &facts.operators {
        println!("  operator:   {} / {}", o.username, o.password);
    }
    println!("  kiosk token:   {}", facts.kiosk_token);
    println!("  display token: {}", facts.display_token);
    println!("  pages:");
    println!("    operator workstation {url}/operator");
    println!(
        "    kiosk           {url}/kiosk/{b}?token={}",
        facts.kiosk_token
    );
    println!(
        "    hall display    {url}/display/{b}?token={}",
        facts.display_token
    );
    if let Some(w) = facts.workplaces.first() {
        println!(
            "    counter display {url}/display/{b}/workplace/{}?token={}",
            w.id, facts.display_token
        );
    }
    println!("  (kept in the data folder's demo.json; Ctrl-C stops the server)");
}

async fn add_user(
    settings: Settings,
    username: String,
    role: String,
    branch: Option<u64>,
) -> Result<(), Error> {
    let StaffRole(role) = StaffRole::try_from(role).map_err(|e| format!("--role: {e}"))?;
    check_role_branch(role, branch.map(talon_core::BranchId)).map_err(|e| e.message)?;
    let (password, generated) = match std::env::var("TALON_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (talon_server::new_token()[..16].to_string(), true),
    };
    let username = Username::try_from(username).map_err(|e| format!("--username: {e}"))?;
    let password = NewPassword::try_from(password).map_err(|e| format!("the password: {e}"))?;
    let store = open_store(&settings).await?;
    let password_hash = hash_password(password.expose()).map_err(|e| e.message)?;
    let user = store
        .create_user(NewUser {
            profiles: None,
            username: username.into_string(),
            password_hash,
            role: role.as_str().to_string(),
            branch: branch.map(talon_core::BranchId),
        })
        .await?;
    println!(
        "added {} ({}) with id {}",
        user.username, user.role, user.id
    );
    if generated {
        println!("password: {}", password.expose());
    }
    Ok(())
}
