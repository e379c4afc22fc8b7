//! The wait Talon shows, measured against the simulated waits: in M/M/c it reaches the best
//! forecast from the queue (Whitt: RASE `1/(k + 1)` with `k` ahead) and its band holds four
//! waits in five; in a bank branch with several services, categories and policies it is
//! closer than the norm by position it replaces.

use talon_sim::{EtaReport, NORM_BY_POSITION, SHOWN, eta_accuracy, sample};

fn rase(report: &EtaReport, k: usize, predictor: &str) -> f64 {
    let row = &report.rows[k];
    row.predictors
        .iter()
        .find(|p| p.predictor == predictor)
        .map(|p| p.rase)
        .expect("the predictor was measured")
}

#[test]
fn in_m_m_c_the_shown_wait_is_whitts_forecast() {
    // Four counters at 90% load.
    let report = eta_accuracy(&sample::mmc(4, 43.2, 300.0, 12, 60), 200, 11, 10).unwrap();
    for k in 0..10 {
        let theory = 1.0 / (k as f64 + 1.0);
        let shown = rase(&report, k, SHOWN.name);
        assert!(
            (shown - theory).abs() <= 0.1 * theory,
            "{k} ahead: RASE {shown}, Whitt {theory}"
        );
        let before = rase(&report, k, NORM_BY_POSITION.name);
        assert!(before > shown, "{k} ahead: the norm by position erred more");
        let coverage = report.rows[k].predictors[1].coverage.expect("a band");
        assert!((0.76..=0.84).contains(&coverage), "{k} ahead: {coverage}");
    }
    assert_eq!(report.immediate_told[1], ("shown".to_string(), 1.0));
}

#[test]
fn in_a_bank_branch_the_shown_wait_errs_less_than_the_norm_by_position() {
    let report = eta_accuracy(&sample::bank(20), 30, 3, 10).unwrap();
    for k in 0..6 {
        let (before, now) = (
            rase(&report, k, NORM_BY_POSITION.name),
            rase(&report, k, SHOWN.name),
        );
        assert!(now < 0.8 * before, "{k} ahead: {now} against {before}");
    }
    let overall = &report.overall.predictors;
    assert!(overall[1].rase < 0.7 * overall[0].rase, "{overall:?}");
    assert!(overall[1].coverage.is_some_and(|c| c > 0.7), "{overall:?}");
}
