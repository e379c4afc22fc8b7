//! The hall display in a real browser: it shows a call the moment an operator makes it, with
//! the counter, in the branch's language; two calls made within 100 ms are both announced, one
//! after the other and in order; and the same page keeps working through a server restart,
//! showing and announcing a call made right after it. Screenshots in ru, en and de are saved.

mod common;

use common::Demo;
use common::browser::Browser;
use serde_json::{Value, json};
use std::time::Duration;

/// Opens workplace `n` for operator `n` with the "All services" profile; returns their token.
async fn open(demo: &Demo, n: usize) -> String {
    let token = demo.operator(n).await;
    demo.open_workplace(&token, demo.workplace(n), demo.all_services())
        .await;
    token
}

/// Waits until the page has announced `expected` numbers and returns them, in order.
async fn announced(browser: &Browser, expected: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let list = browser
            .eval("return window.talon ? window.talon.announced : []")
            .await;
        let list: Vec<String> = serde_json::from_value(list).unwrap_or_default();
        if list.len() >= expected {
            return list;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {list:?} announced; the page's log: {}",
            browser.log()
        );
        // The announcements take their time (a chime, then speech): look again shortly.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_display_shows_and_announces_every_call_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::spawn(dir.path()).await;
    let (first, second) = (open(&demo, 0).await, open(&demo, 1).await);
    let a = demo.issue(demo.service("A")).await;
    let b = demo.issue(demo.service("B")).await;

    let browser = Browser::start().await;
    let url = format!(
        "{}/display/{}?token={}",
        demo.url,
        demo.branch(),
        demo.display()
    );
    browser.goto(&url).await;
    browser.wait_text("#branch", "Talon Demo").await;
    browser.wait_text(".headings", "Талон").await;

    // Two calls within 100 ms: both are shown and both are announced, in order.
    let (called_a, called_b) = tokio::join!(demo.call_next(&first, demo.workplace(0)), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        demo.call_next(&second, demo.workplace(1)).await
    });
    let (called_a, called_b) = (called_a.expect("a call"), called_b.expect("a call"));
    let order: Vec<String> = [&called_a, &called_b]
        .iter()
        .map(|c| c["number"].as_str().expect("number").to_string())
        .collect();
    for number in &order {
        browser.wait_text("#calls", number).await;
    }
    browser.wait_text("#calls li.current", &order[1]).await;
    assert_eq!(
        announced(&browser, 2).await,
        order,
        "announced one after the other, in order"
    );
    assert!(
        [a["number"].clone(), b["number"].clone()]
            .iter()
            .all(|n| order.contains(&n.as_str().unwrap_or_default().to_string()))
    );
    browser.screenshot("display-ru").await;

    // The server restarts where it was; a call made right after it reaches the same page,
    // which reconnects by itself and catches up from where it was.
    for t in [&called_a, &called_b] {
        let id = t["id"].as_u64().expect("id");
        let op = if t == &called_a { &first } else { &second };
        demo.act(op, id, "start", None).await.expect(200);
        demo.act(op, id, "finish", None).await.expect(200);
    }
    let c = demo.issue(demo.service("C")).await;
    demo.restart_in_place().await;
    let op = demo.operator(0).await;
    let called_c = demo
        .call_next(&op, demo.workplace(0))
        .await
        .expect("a call");
    assert_eq!(called_c["id"], c["id"]);
    let number_c = called_c["number"].as_str().expect("number").to_string();
    browser.wait_text("#calls li.current", &number_c).await;
    let after_restart = announced(&browser, 3).await;
    assert_eq!(
        after_restart[2], number_c,
        "the call is announced after the restart too"
    );
    browser.close().await;

    // The display in German and English.
    let browser = Browser::start_in("de").await;
    browser
        .goto(&format!(
            "{}/display/{}?token={}&lang=de",
            demo.url,
            demo.branch(),
            demo.display()
        ))
        .await;
    browser.wait_text(".headings", "Schalter").await;
    browser.wait_text("#calls li.current", &number_c).await;
    browser.screenshot("display-de").await;
    browser.close().await;

    let browser = Browser::start_in("en").await;
    browser
        .goto(&format!(
            "{}/display/{}?token={}&lang=en",
            demo.url,
            demo.branch(),
            demo.display()
        ))
        .await;
    browser.wait_text(".headings", "Counter").await;
    browser.wait_text("#calls", &number_c).await;
    browser.screenshot("display-en").await;
    let state: Value = demo.state().await;
    assert_eq!(state["last_calls"][0]["number"], json!(number_c));
    browser.close().await;
}

/// The lowest contrast between the text of `selector` and the background behind it over the
/// frames of the running flash: each animation is paused and stepped through its six seconds.
const LOWEST_CONTRAST: &str = r#"
const selector = arguments[0];
const target = document.querySelector(selector);
const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
};
const background = (element) => {
  for (let e = element; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
const animations = document.getAnimations();
if (animations.length === 0) return null;
animations.forEach((a) => a.pause());
let lowest = Infinity;
for (let t = 0; t < 6000; t += 125) {
  animations.forEach((a) => { a.currentTime = t; });
  const [x, y] = [luminance(rgb(getComputedStyle(target).color).slice(0, 3)), luminance(background(target))];
  lowest = Math.min(lowest, (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05));
}
return lowest;
"#;

/// For the six seconds after a call the screen flashes; the number must stay readable in every
/// frame, on the counter display and on the hall display alike (at least 7:1).
#[tokio::test]
async fn the_called_number_stays_readable_through_the_flash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let operator = open(&demo, 0).await;
    demo.issue(demo.service("A")).await;
    let (branch, workplace, token) = (demo.branch(), demo.workplace(0), demo.display());
    let counter = Browser::start_in("en").await;
    counter
        .goto(&format!(
            "{}/display/{branch}/workplace/{workplace}?token={token}&lang=en",
            demo.url
        ))
        .await;
    counter.wait_text("#workplace", "1").await;
    let hall = Browser::start_in("en").await;
    hall.goto(&format!(
        "{}/display/{branch}?token={token}&lang=en",
        demo.url
    ))
    .await;
    hall.wait_text(".headings", "Counter").await;

    let called = demo.call_next(&operator, workplace).await.expect("a call");
    let number = called["number"].as_str().expect("number");
    for (browser, selector) in [(&counter, "#number"), (&hall, "#calls li.fresh")] {
        browser.wait_text(selector, number).await;
        let lowest = browser
            .client()
            .execute(LOWEST_CONTRAST, vec![json!(selector)])
            .await
            .expect("the frames are measured");
        let lowest = lowest
            .as_f64()
            .unwrap_or_else(|| panic!("{selector}: no flash is running"));
        assert!(
            lowest >= 7.0,
            "{selector}: contrast {lowest:.2} in some frame"
        );
    }
    counter.close().await;
    hall.close().await;
}
