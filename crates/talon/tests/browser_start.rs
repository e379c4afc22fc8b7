//! The browser harness itself: a real headless Chromium opens the demo's start page, which
//! negotiates its language from the browser's `Accept-Language` — German for one browser,
//! Russian for another — and a screenshot of each lands in `target/screenshots`. A language
//! chosen on the page (`?lang=`) wins over the browser's.

mod common;

use common::Demo;
use common::browser::Browser;
use serde_json::json;

#[tokio::test]
async fn the_start_page_speaks_the_browsers_language() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let start = format!("{}/", demo.url);

    let german = Browser::start_in("de").await;
    german.goto(&start).await;
    german
        .wait_text("body", "Elektronische Warteschlange")
        .await;
    assert_eq!(
        german.eval("return document.documentElement.lang").await,
        json!("de")
    );
    let shot = german.screenshot("start-de").await;
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 0),
        "a screenshot at {}",
        shot.display()
    );
    german.close().await;

    let russian = Browser::start_in("ru").await;
    russian.goto(&start).await;
    russian.wait_text("body", "Электронная очередь").await;
    assert_eq!(
        russian.eval("return document.documentElement.lang").await,
        json!("ru")
    );
    russian.screenshot("start-ru").await;

    // The visitor picks English on the page: the choice wins over the browser's Russian.
    russian.click("nav.languages a[lang=en]").await;
    russian.wait_text("body", "Electronic queue").await;
    assert_eq!(
        russian.eval("return document.documentElement.lang").await,
        json!("en")
    );
    assert_eq!(
        russian
            .eval("return document.querySelector('nav.languages [aria-current]').lang")
            .await,
        json!("en")
    );
    russian.close().await;
}
