//! How fast the simulator runs the engine: engine events per second on one core, for a day of
//! the 20-counter sample bank (four services, two categories, four policies, breaks, walks and
//! abandonment) and for M/M/c, and the time of 1,000 replications of the bank's day.
//!
//! `cargo bench -p talon-sim --bench throughput` (release). `-- --quick` runs 100 replications
//! instead of 1,000. Time is wall-clock over whole replications, drawing the visitors and
//! summarising included, so the rate is what a user of the simulator gets.

use std::hint::black_box;
use std::time::Instant;
use talon_sim::{Simulator, sample};

fn measure(name: &str, sim: &Simulator, replications: u32) {
    // A warm-up replication, so the first one's page faults are not counted.
    black_box(sim.replication(0, u32::MAX));
    let started = Instant::now();
    let mut events = 0u64;
    let mut visitors = 0u64;
    for r in 0..replications {
        let rep = sim.replication(42, r);
        events += rep.engine_events;
        visitors += rep.metrics.arrivals;
        black_box(&rep);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: {replications} replications in {secs:.2} s ({:.2} ms each), {:.0} visitors and \
         {:.0} engine events per replication, {:.2} M engine events/s",
        1000.0 * secs / f64::from(replications),
        visitors as f64 / f64::from(replications),
        events as f64 / f64::from(replications),
        events as f64 / secs / 1e6,
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let replications = if quick { 100 } else { 1000 };
    let bank = Simulator::new(&sample::bank(20)).expect("the sample bank runs");
    measure("bank, 20 counters, one day", &bank, replications);
    let mmc = Simulator::new(&sample::mmc(20, 216.0, 300.0, 10, 60)).expect("M/M/c runs");
    measure("M/M/20 at 90% load, 10 hours", &mmc, replications);
}
