//! `talon plan erlang|backtest|staffing` and `talon simulate`: the planning tools of
//! `talon-plan` and the simulator of `talon-sim` at the command line, with the same names as
//! the JSON fields of `/api/v1/planning/*` as flags. Results go to standard output as
//! `key=value` lines (CSV for a staffing plan); errors to standard error.

use clap::{Args, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use talon_plan::{
    BacktestOptions, Date, ErlangQuery, Interval, StaffingRequest, aggregate, backtest_csv,
    forecast_next_day, parse_counts, plan_staffing,
};
use talon_sim::{Estimate, Model, Summary, sample};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The simple baselines a chosen model is measured against.
const BASELINES: [&str; 2] = ["seasonal_naive", "weekday_mean_4"];

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Erlang C (or A, with a patience) for one group of workplaces: the figures for
    /// `--servers`, or the least servers that reach `--target-level`.
    Erlang(ErlangArgs),
    /// Backtest the forecast models on a counts file, one day ahead over its last days; one
    /// line per model, then the chosen one and by how much it beats the baselines.
    Backtest(BacktestArgs),
    /// Forecast the day after a counts file with the best model and plan its workplaces per
    /// interval, as CSV.
    Staffing(StaffingArgs),
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("question").required(true).args(["servers", "target_level"]))]
pub struct ErlangArgs {
    /// Mean arrivals per hour.
    #[arg(long)]
    arrivals_per_hour: f64,
    /// Mean service time, seconds.
    #[arg(long)]
    service_secs: f64,
    /// The waiting norm, seconds.
    #[arg(long)]
    target_secs: f64,
    /// Workplaces to evaluate.
    #[arg(long)]
    servers: Option<u32>,
    /// Share to call within the norm, in (0, 1): answers the least workplaces that reach it.
    #[arg(long)]
    target_level: Option<f64>,
    /// Mean patience, seconds (Erlang A).
    #[arg(long)]
    patience_secs: Option<f64>,
    /// Share of paid time not available for service, in [0, 1).
    #[arg(long)]
    shrinkage: Option<f64>,
}

#[derive(Args)]
pub struct BacktestArgs {
    /// A counts file: a header, then an RFC 3339 time and a count per row.
    #[arg(long)]
    csv: PathBuf,
    /// Interval length in minutes: 15, 30 or 60.
    #[arg(long, default_value_t = 60)]
    interval: u32,
    /// How many of the last days to forecast and score.
    #[arg(long, default_value_t = 20)]
    days: usize,
    /// A day (holiday, outage) to leave out, `YYYY-MM-DD`; repeatable.
    #[arg(long)]
    exclude: Vec<Date>,
}

#[derive(Args)]
pub struct StaffingArgs {
    /// A counts file: a header, then an RFC 3339 time and a count per row.
    #[arg(long)]
    csv: PathBuf,
    /// Interval length in minutes: 15, 30 or 60.
    #[arg(long, default_value_t = 60)]
    interval: u32,
    /// Mean service time, seconds.
    #[arg(long)]
    service_secs: f64,
    /// The waiting norm, seconds.
    #[arg(long)]
    target_secs: f64,
    /// Share to call within the norm, in (0, 1).
    #[arg(long, default_value_t = 0.8)]
    target_level: f64,
    /// Mean patience, seconds (Erlang A).
    #[arg(long)]
    patience_secs: Option<f64>,
    /// Largest acceptable share who give up.
    #[arg(long)]
    max_abandon: Option<f64>,
    /// Share of paid time not available for service, in [0, 1).
    #[arg(long)]
    shrinkage: Option<f64>,
    /// A day (holiday, outage) to leave out, `YYYY-MM-DD`; repeatable.
    #[arg(long)]
    exclude: Vec<Date>,
    /// Write the CSV to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SampleKind {
    /// One queue of identical workplaces with Poisson arrivals and exponential service.
    Mmc,
    /// A bank branch: four services, two categories, a profile of each policy.
    Bank,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["model", "sample"]))]
pub struct SimulateArgs {
    /// A model as JSON (talon-sim's form, as `POST /api/v1/planning/simulate` takes it).
    #[arg(long)]
    model: Option<PathBuf>,
    /// A sample model instead of a file.
    #[arg(long, value_enum)]
    sample: Option<SampleKind>,
    /// Workplaces of the sample.
    #[arg(long, default_value_t = 4)]
    servers: u64,
    /// Arrivals per hour of the M/M/c sample.
    #[arg(long, default_value_t = 36.0)]
    per_hour: f64,
    /// Mean service time of the M/M/c sample, seconds.
    #[arg(long, default_value_t = 240.0)]
    service_secs: f64,
    /// Hours of arrivals of the M/M/c sample.
    #[arg(long, default_value_t = 8)]
    hours: usize,
    /// The waiting norm of the M/M/c sample, seconds.
    #[arg(long, default_value_t = 60)]
    target_secs: u32,
    /// A second model (JSON) to compare with the first on the same visitors.
    #[arg(long)]
    what_if: Option<PathBuf>,
    /// Compare with the same sample with this many workplaces.
    #[arg(long, conflicts_with = "what_if")]
    what_if_servers: Option<u64>,
    #[arg(long, default_value_t = 20)]
    replications: u32,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print the summaries as JSON instead of lines.
    #[arg(long)]
    json: bool,
}

pub fn run(command: PlanCommand) -> Result<(), Error> {
    match command {
        PlanCommand::Erlang(args) => erlang(args),
        PlanCommand::Backtest(args) => {
            print!("{}", backtest(&args)?);
            Ok(())
        }
        PlanCommand::Staffing(args) => staffing(args),
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn erlang(args: ErlangArgs) -> Result<(), Error> {
    let answer = ErlangQuery {
        arrivals_per_hour: args.arrivals_per_hour,
        service_secs: args.service_secs,
        target_secs: args.target_secs,
        servers: args.servers,
        target_level: args.target_level,
        patience_secs: args.patience_secs,
        shrinkage: args.shrinkage,
    }
    .answer()?;
    let mut line = format!(
        "servers={} p_wait={:.6} mean_wait_secs={:.3} service_level={:.6}",
        answer.servers, answer.p_wait, answer.mean_wait_secs, answer.service_level
    );
    if let Some(p) = answer.p_abandon {
        write!(line, " p_abandon={p:.6}")?;
    }
    if let Some(n) = answer.scheduled {
        write!(line, " scheduled={n}")?;
    }
    println!("{line}");
    Ok(())
}

/// The backtest's lines, then how far the chosen model's WAPE is below each baseline's.
fn backtest(args: &BacktestArgs) -> Result<String, Error> {
    let options = BacktestOptions {
        interval: Interval::from_minutes(args.interval)?,
        days: args.days,
        excluded: args.exclude.iter().copied().collect(),
    };
    let report = backtest_csv(&read(&args.csv)?, &options)?;
    let mut out = report.lines().join("\n");
    out.push('\n');
    let wape = |name: &str| {
        report
            .scores
            .iter()
            .find(|s| s.model == name)
            .map(|s| s.wape_percent)
    };
    if let Some(chosen) = wape(&report.chosen) {
        for baseline in BASELINES {
            if let Some(theirs) = wape(baseline) {
                writeln!(
                    out,
                    "beats={baseline} by={:.2} points ({:.1}% lower wape)",
                    theirs - chosen,
                    (theirs - chosen) / theirs * 100.0
                )?;
            }
        }
    }
    Ok(out)
}

fn staffing(args: StaffingArgs) -> Result<(), Error> {
    let interval = Interval::from_minutes(args.interval)?;
    let series = aggregate(&parse_counts(&read(&args.csv)?)?, interval)?;
    let excluded: BTreeSet<Date> = args.exclude.iter().copied().collect();
    let next = forecast_next_day(&series, 20, &excluded)?;
    let request = StaffingRequest {
        service_secs: args.service_secs,
        target_secs: args.target_secs,
        target_level: args.target_level,
        patience_secs: args.patience_secs,
        max_abandon: args.max_abandon,
        shrinkage: args.shrinkage,
    };
    let plan = plan_staffing(&next.forecast.counts, interval, &request)?;
    eprintln!(
        "plan for {} by {} (backtest wape {:.2}%)",
        next.forecast.date,
        next.report.chosen,
        next.report
            .scores
            .iter()
            .find(|s| s.model == next.report.chosen)
            .map_or(f64::NAN, |s| s.wape_percent)
    );
    match args.output {
        Some(path) => {
            std::fs::write(&path, plan.to_csv()).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => print!("{}", plan.to_csv()),
    }
    Ok(())
}

fn model_file(path: &Path) -> Result<Model, Error> {
    serde_json::from_str(&read(path)?).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn sample_model(args: &SimulateArgs, kind: SampleKind, servers: u64) -> Model {
    match kind {
        SampleKind::Mmc => sample::mmc(
            servers,
            args.per_hour,
            args.service_secs,
            args.hours,
            args.target_secs,
        ),
        SampleKind::Bank => sample::bank(servers),
    }
}

pub fn simulate(args: SimulateArgs) -> Result<(), Error> {
    let model = match (&args.model, args.sample) {
        (Some(path), _) => model_file(path)?,
        (None, Some(kind)) => sample_model(&args, kind, args.servers),
        (None, None) => return Err("give --model FILE or --sample".into()),
    };
    let other = match (&args.what_if, args.what_if_servers, args.sample) {
        (Some(path), _, _) => Some(model_file(path)?),
        (None, Some(servers), Some(kind)) => Some(sample_model(&args, kind, servers)),
        (None, Some(_), None) => return Err("--what-if-servers needs --sample".into()),
        (None, None, _) => None,
    };
    let started = std::time::Instant::now();
    let output = match other {
        None => {
            let summary = talon_sim::simulate(&model, args.replications, args.seed)?;
            if args.json {
                serde_json::to_string_pretty(&summary)?
            } else {
                summary_lines("", &summary)
            }
        }
        Some(other) => {
            let comparison = talon_sim::compare(&model, &other, args.replications, args.seed)?;
            if args.json {
                serde_json::to_string_pretty(&comparison)?
            } else {
                [
                    summary_lines("a.", &comparison.a),
                    summary_lines("b.", &comparison.b),
                    summary_lines("b_minus_a.", &comparison.difference),
                ]
                .concat()
            }
        }
    };
    print!("{output}");
    if args.json {
        println!();
    }
    eprintln!("took {:.3} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// A summary as `key=mean±half_width` lines, each key prefixed.
fn summary_lines(prefix: &str, s: &Summary) -> String {
    let estimate = |e: &Estimate| format!("{:.4}±{:.4}", e.mean, e.half_width);
    let mut out = String::new();
    let lines = [
        ("replications", s.replications.to_string()),
        ("wait_mean_secs", estimate(&s.wait_mean_secs)),
        ("wait_p90_secs", estimate(&s.wait_p90_secs)),
        ("wait_max_secs", estimate(&s.wait_max_secs)),
        ("service_level", estimate(&s.service_level)),
        ("abandonment", estimate(&s.abandonment)),
        ("throughput", estimate(&s.throughput)),
        ("issued", estimate(&s.issued)),
        ("unserved", estimate(&s.unserved)),
        ("engine_events", s.engine_events.to_string()),
    ];
    for (key, value) in lines {
        out.push_str(&format!("{prefix}{key}={value}\n"));
    }
    for w in &s.workplaces {
        out.push_str(&format!(
            "{prefix}utilisation.workplace_{}={}\n",
            w.workplace.0,
            estimate(&w.utilisation)
        ));
    }
    out
}
