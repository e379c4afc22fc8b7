//! Every page keeps to the content security policy in a real Chromium: the start page, the
//! operator's workstation (signed in, a workplace opened, a visitor called), the kiosk (a
//! ticket issued and printed through its hidden frame), the visitor's ticket page (followed live
//! until the visitor is called, and given up through its form), the printable ticket, the hall
//! display (showing and announcing a call), the counter display and the pairing page. None of
//! them may run or apply inline script or style, or load anything from elsewhere.
//!
//! How a violation is seen: Chromium files each one as a `csp-violation` report in the
//! document's report buffer from the moment the document starts loading, and a
//! `ReportingObserver` created later with `buffered: true` receives every report filed so far.
//! So each page is used first, until its script has done its work, and then asked. The test
//! proves its own detector on the start page by provoking a violation and seeing it reported.

mod common;

use common::Demo;
use common::browser::{BROWSER_WAIT, Browser};
use serde_json::{Value, json};

/// The CSP violations reported in the page's document, or in the document of the frame that
/// `frame` selects.
async fn violations(browser: &Browser, frame: Option<&str>) -> Vec<Value> {
    let script = r#"
        const [frame] = arguments;
        const view = frame ? document.querySelector(frame).contentWindow : window;
        const observer = new view.ReportingObserver(() => {}, {
            types: ["csp-violation"],
            buffered: true,
        });
        observer.observe();
        const reports = observer.takeRecords();
        observer.disconnect();
        return reports.map((r) => r.body.toJSON());
    "#;
    let reports = browser
        .client()
        .execute(script, vec![json!(frame)])
        .await
        .unwrap_or_else(|e| panic!("reading the CSP reports: {e}"));
    reports.as_array().cloned().unwrap_or_default()
}

/// Fails the test with the violations `page` had, if it had any.
async fn assert_compliant(browser: &Browser, page: &str) {
    let found = violations(browser, None).await;
    assert!(
        found.is_empty(),
        "{page} violates the content security policy: {found:#?}"
    );
}

/// Waits until the JavaScript expression `condition` is true in the page.
async fn wait_until(browser: &Browser, condition: &str) {
    let script = format!(
        r#"
        const [ms, done] = arguments;
        const deadline = Date.now() + ms;
        const check = () => {{
            let ok = false;
            try {{ ok = Boolean({condition}); }} catch (e) {{}}
            if (ok || Date.now() > deadline) done(ok);
            else setTimeout(check, 50);
        }};
        check();
        "#
    );
    let met = browser
        .client()
        .execute_async(&script, vec![json!(BROWSER_WAIT.as_millis() as u64)])
        .await
        .unwrap_or_else(|e| panic!("waiting for {condition}: {e}"));
    assert_eq!(
        met,
        json!(true),
        "{condition} did not come true within {BROWSER_WAIT:?}"
    );
}

/// The permissions policy names only features Chromium knows (so it is not ignored with a
/// warning), and the page may use exactly those it allows: autoplay, nothing else it names.
async fn assert_permissions_policy(demo: &Demo, browser: &Browser) {
    let answer = demo
        .client
        .get(demo.at("/"))
        .send()
        .await
        .expect("the start page");
    let header = answer
        .headers()
        .get("permissions-policy")
        .and_then(|v| v.to_str().ok())
        .expect("a Permissions-Policy header")
        .to_string();
    let policy = browser
        .eval("return { known: document.featurePolicy.features(), allowed: document.featurePolicy.allowedFeatures() }")
        .await;
    let has = |list: &str, feature: &str| {
        policy[list]
            .as_array()
            .is_some_and(|l| l.iter().any(|f| f == feature))
    };
    for rule in header.split(',') {
        let (feature, allow) = rule.trim().split_once('=').expect("feature=(allowlist)");
        assert!(has("known", feature), "Chromium does not know {feature}");
        assert_eq!(
            has("allowed", feature),
            allow == "(self)",
            "{feature} is allowed exactly when the policy says (self): {allow}"
        );
    }
    assert!(header.contains("autoplay=(self)"), "{header}");
}

fn number(ticket: &Value) -> &str {
    ticket["number"].as_str().expect("a ticket number")
}

fn token(ticket: &Value) -> &str {
    ticket["token"].as_str().expect("a ticket token")
}

#[tokio::test]
async fn every_page_keeps_to_the_content_security_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let (branch, payments) = (demo.branch(), demo.service("A"));
    let browser = Browser::start().await;

    // The start page, styled by its own style sheet.
    browser.goto(&demo.at("/")).await;
    browser.wait_text("h1", "Talon").await;
    assert_eq!(
        browser
            .eval("return getComputedStyle(document.body).backgroundColor")
            .await,
        json!("rgb(11, 57, 84)"),
        "the start page's style sheet applies"
    );
    assert_compliant(&browser, "the start page").await;
    assert_permissions_policy(&demo, &browser).await;
    // The detector sees violations: a style attribute and an event handler attribute set by
    // script are refused and reported.
    browser
        .eval(
            "document.body.setAttribute('style', 'background: red');
             document.body.setAttribute('onclick', 'document.title = 1');
             document.body.click();",
        )
        .await;
    let provoked: Vec<Value> = violations(&browser, None)
        .await
        .iter()
        .map(|v| v["effectiveDirective"].clone())
        .collect();
    assert_eq!(
        provoked,
        [json!("style-src-attr"), json!("script-src-attr")],
        "provoked violations are reported"
    );

    // The operator signs in, opens counter 1 and calls a visitor.
    let operator = demo.facts.operators[0].clone();
    browser.goto(&demo.at("/operator?lang=en")).await;
    browser.fill("#username", &operator.username).await;
    browser.fill("#password", &operator.password).await;
    browser.click("#login-form button[type=submit]").await;
    browser
        .wait_text("#workplace-view:not([hidden]) h1", "")
        .await;
    browser.choose("#workplace", demo.workplace(0)).await;
    browser.choose("#profile", demo.all_services()).await;
    browser.click("#open").await;
    browser.wait_text("#workplace-status", "Open").await;
    let first = demo.issue(payments).await;
    browser
        .wait_text(
            &format!("#queues li[data-service='{payments}'] .waiting"),
            "1",
        )
        .await;
    browser.click("#call-next").await;
    browser.wait_text("#current-number", number(&first)).await;
    browser.wait_text("#reason", "").await;
    assert_compliant(&browser, "the operator's workstation").await;

    // The kiosk issues a ticket and prints it through its hidden frame of the printable page.
    browser
        .goto(&demo.at(&format!("/kiosk/{branch}?token={}&lang=en", demo.kiosk())))
        .await;
    browser.wait_text("#screen h1", "Choose a service").await;
    browser
        .click(&format!("button.service[data-service='{payments}']"))
        .await;
    browser.wait_text(".ticket .number", "A").await;
    let issued = browser.eval("return window.talon.issued").await;
    let kiosk_ticket = issued[0].clone();
    browser
        .wait_text(".ticket .number", number(&kiosk_ticket))
        .await;
    wait_until(
        &browser,
        "document.querySelector('.qr img').complete && window.talon.printed.length === 1",
    )
    .await;
    // The frame shows the receipt: framing by Talon's own page is allowed.
    wait_until(
        &browser,
        "document.getElementById('print-frame').contentDocument.querySelector('.receipt .number')",
    )
    .await;
    assert_compliant(&browser, "the kiosk").await;
    let in_frame = violations(&browser, Some("#print-frame")).await;
    assert!(
        in_frame.is_empty(),
        "the kiosk's print frame violates the policy: {in_frame:#?}"
    );

    // The visitor follows the ticket on the phone until called to counter 2.
    let ticket_page = format!("/t/{}?lang=en", token(&kiosk_ticket));
    browser.goto(&demo.at(&ticket_page)).await;
    browser
        .wait_text("main[data-status=waiting] #status", "")
        .await;
    let second = demo.operator(1).await;
    demo.open_workplace(&second, demo.workplace(1), demo.all_services())
        .await;
    let called = demo
        .call_next(&second, demo.workplace(1))
        .await
        .expect("the kiosk's ticket is called");
    assert_eq!(number(&called), number(&kiosk_ticket));
    browser
        .wait_text("main[data-status=called] #status", "2")
        .await;
    assert_compliant(&browser, "the ticket page").await;

    browser
        .goto(&demo.at(&format!("/t/{}/print?paper=58", token(&kiosk_ticket))))
        .await;
    browser
        .wait_text(".receipt .number", number(&kiosk_ticket))
        .await;
    assert_compliant(&browser, "the printable ticket").await;

    // The hall display shows and announces a call made while it is open.
    browser
        .goto(&demo.at(&format!(
            "/display/{branch}?token={}&lang=en",
            demo.display()
        )))
        .await;
    browser.wait_text("#branch", "Talon Demo").await;
    let third = demo.operator(2).await;
    demo.open_workplace(&third, demo.workplace(2), demo.all_services())
        .await;
    let shown = demo.issue(payments).await;
    demo.call_next(&third, demo.workplace(2))
        .await
        .expect("a call");
    browser.wait_text("#calls li.current", number(&shown)).await;
    // Its announcement's recording loads (media from Talon itself).
    wait_until(
        &browser,
        "performance.getEntriesByType('resource').some((e) => e.name.includes('announcement.wav'))",
    )
    .await;
    assert_compliant(&browser, "the hall display").await;

    // The display above counter 3 shows its visitor.
    browser
        .goto(&demo.at(&format!(
            "/display/{branch}/workplace/{}?token={}&lang=en",
            demo.workplace(2),
            demo.display()
        )))
        .await;
    browser.wait_text("#number", number(&shown)).await;
    assert_compliant(&browser, "the counter display").await;

    // A visitor gives a ticket up through the page's form, which posts to Talon itself.
    let given_up = demo.issue(payments).await;
    browser
        .goto(&demo.at(&format!("/t/{}?lang=en", token(&given_up))))
        .await;
    browser.click("#cancel summary").await;
    browser.click("#cancel button[type=submit]").await;
    browser
        .wait_text("main[data-status=cancelled] #status", "")
        .await;
    assert_compliant(&browser, "the ticket page after giving up").await;

    // A link that leads nowhere.
    browser.goto(&demo.at("/t/0123456789abcdef")).await;
    browser.wait_text(".status", "").await;
    assert_compliant(&browser, "the ticket page of an unknown ticket").await;

    // Pairing a device: the page's script says a wrong code is wrong.
    browser.goto(&demo.at("/pair?lang=en")).await;
    browser.fill("#code", "000000").await;
    browser.click("#pair").await;
    browser.wait_text("#message:not([hidden])", "").await;
    assert_compliant(&browser, "the pairing page").await;

    browser.close().await;
}
