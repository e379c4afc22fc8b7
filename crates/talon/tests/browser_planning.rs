//! The planning page in a real Chromium: in each language a manager's page signs in, refuses a
//! plan without a history in its own words, computes a plan from four weeks of arrivals, runs a
//! what-if simulation within the content security policy, and holds its layout (nothing wider than the window) on a wide screen, a
//! portrait screen, a laptop and a phone.

mod common;

use common::Demo;
use common::browser::Browser;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The page's texts in `lang`, from the catalogue the server embeds.
fn texts(lang: &str) -> HashMap<String, String> {
    let path = format!(
        "{}/../talon-server/locales/{lang}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("the catalogue")).unwrap()
}

/// Four weeks of hourly arrivals, 09:00 to 17:00, with a weekday pattern.
fn history() -> String {
    let mut csv = String::from("timestamp,count\n");
    for day in 1..=28 {
        for hour in 9..17 {
            let count = 12 + (day % 7) * 4 + (hour - 9) * 3;
            csv.push_str(&format!("2024-02-{day:02}T{hour:02}:00:00Z,{count}\n"));
        }
    }
    csv
}

/// After the window has been resized and laid out: the viewport's width and the widest the
/// document is.
async fn widths(browser: &Browser) -> (i64, i64) {
    let measured = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done([
               window.innerWidth,
               Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
             ])));",
            vec![],
        )
        .await
        .expect("measuring the page");
    (measured[0].as_i64().unwrap(), measured[1].as_i64().unwrap())
}

#[tokio::test]
async fn the_planning_page_plans_simulates_and_fits_every_screen_in_every_language() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    for lang in ["ru", "en", "de"] {
        let t = texts(lang);
        let browser = Browser::start_in(lang).await;
        browser
            .goto(&demo.at(&format!("/planning?lang={lang}")))
            .await;
        assert_eq!(
            browser.eval("return document.documentElement.lang").await,
            json!(lang)
        );
        browser
            .wait_text("#login-view h1", &t["planning_title"])
            .await;
        browser.fill("#username", &demo.facts.admin.username).await;
        browser.fill("#password", &demo.facts.admin.password).await;
        browser.click("#login-form button[type=submit]").await;
        browser
            .wait_text("#plan-empty", &t["planning_plan_empty"])
            .await;

        // Without a history: the page says so in its language, before asking the server.
        browser.click("#plan-form button[type=submit]").await;
        browser
            .wait_text(
                "#plan-form .form-error",
                &t["planning_error_history_missing"],
            )
            .await;
        // A history the server cannot read: its refusal, translated.
        browser
            .fill("#history", "timestamp,count\nyesterday,3\n")
            .await;
        browser.click("#plan-form button[type=submit]").await;
        browser
            .wait_text("#plan-form .form-error", &t["planning_error_invalid_csv"])
            .await;

        browser
            .client()
            .execute(
                "document.getElementById('history').value = arguments[0];",
                vec![Value::String(history())],
            )
            .await
            .expect("the history pasted");
        browser.click("#plan-form button[type=submit]").await;
        browser.wait_text("#plan-table tbody", "16:00").await;
        let drawn = browser
            .eval(
                "return [document.querySelectorAll('#plan-table tbody tr').length,
                         document.querySelectorAll('#forecast-chart polyline.forecast').length,
                         document.querySelectorAll('#forecast-chart polyline.history').length,
                         document.querySelectorAll('#staff-chart rect').length,
                         document.querySelector('#plan-form .form-error').hidden];",
            )
            .await;
        assert_eq!(drawn, json!([8, 1, 15, 8, true]), "{lang}: {drawn}");

        browser.click("#sim-form button[type=submit]").await;
        browser
            .wait_text("#sim-table tbody", &t["planning_measure_wait_mean"])
            .await;
        let bars = browser
            .eval("return document.querySelectorAll('#sim-chart rect.b').length")
            .await;
        assert!(bars.as_u64().unwrap() > 0, "{lang}: the what-if is drawn");

        let violations = browser
            .eval(
                "const observer = new ReportingObserver(() => {}, {
                   types: ['csp-violation'], buffered: true });
                 observer.observe();
                 const reports = observer.takeRecords();
                 observer.disconnect();
                 return reports.map((r) => r.body.toJSON());",
            )
            .await;
        assert_eq!(
            violations,
            json!([]),
            "{lang}: the content security policy holds"
        );

        for (width, height) in [(1920, 1080), (1080, 1920), (1366, 768), (390, 844)] {
            browser
                .client()
                .set_window_size(width, height)
                .await
                .expect("a window of that size");
            let (viewport, widest) = widths(&browser).await;
            assert!(
                viewport <= i64::from(width),
                "{lang} {width}×{height}: the viewport is {viewport} wide"
            );
            assert!(
                widest <= viewport,
                "{lang} {width}×{height}: the page is {widest} wide in a {viewport} viewport"
            );
            browser
                .screenshot(&format!("planning-{lang}-{width}x{height}"))
                .await;
        }
        browser.close().await;
    }
}
