//! Placeholder replaced by the load benchmark.
use clap::Args;

#[derive(Args)]
pub struct BenchArgs {}

pub async fn run(_args: BenchArgs) -> Result<(), super::Error> {
    Err("not built yet".into())
}
