//! A visit with nothing but browsers, each page in its own real Chromium: a visitor takes a
//! ticket at the touch kiosk (its QR code shown, its printable page printed by the browser)
//! and follows it on the phone; an operator calls it from the workstation; the hall display and
//! the counter display show the call and the phone's page changes to "called" without a reload;
//! the operator finishes, and the workstation's queue counts follow. Then a second visitor gives
//! up their ticket from the phone. Screenshots of every page in ru, en and de are saved.

mod common;

use common::Demo;
use common::browser::Browser;
use serde_json::{Value, json};

/// A browser the size of a phone's screen.
async fn phone_browser(lang: &str) -> Browser {
    let browser = Browser::start_in(lang).await;
    browser
        .client()
        .set_window_size(412, 915)
        .await
        .expect("a phone-sized window");
    browser
}

/// The text of the one QR code in a picture, read by zbar (Debian's `zbar-tools`).
fn scan(picture: &std::path::Path) -> String {
    let output = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(picture)
        .output()
        .unwrap_or_else(|e| panic!("running zbarimg (apt-get install zbar-tools): {e}"));
    assert!(
        output.status.success(),
        "no QR code found in {}",
        picture.display()
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The tickets the kiosk page has issued so far.
async fn issued(browser: &Browser) -> Vec<Value> {
    let list = browser.eval("return window.talon.issued").await;
    list.as_array().cloned().unwrap_or_default()
}

fn kiosk_url(demo: &Demo, lang: Option<&str>) -> String {
    let lang = lang.map(|l| format!("&lang={l}")).unwrap_or_default();
    format!(
        "{}/kiosk/{}?token={}{lang}",
        demo.url,
        demo.branch(),
        demo.kiosk()
    )
}

#[tokio::test]
async fn a_visit_through_kiosk_display_counter_and_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    // A service that has hours but none today: the kiosk shows it closed.
    demo.post(
        &format!("/branches/{}/services", demo.branch()),
        Some(&admin),
        json!({"names": {"ru": "Ипотека", "en": "Mortgages", "de": "Hypotheken"},
               "prefix": "M", "hours": {}}),
    )
    .await
    .expect(201);

    // And one open today, but not now: the kiosk shows it closed with today's hours.
    let local = jiff::Timestamp::now()
        .in_tz("Europe/Moscow")
        .expect("the demo's zone");
    let weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [local.weekday().to_monday_zero_offset() as usize];
    let hour = (local.hour() + 2) % 24;
    demo.post(
        &format!("/branches/{}/services", demo.branch()),
        Some(&admin),
        json!({"names": {"ru": "Сейфы", "en": "Safe deposit", "de": "Schließfächer"},
               "prefix": "S", "hours": {weekday: [format!("{hour:02}:00-{:02}:00", hour + 1)]}}),
    )
    .await
    .expect(201);
    let later_today = format!("Закрыто · Сегодня {hour:02}:00–{:02}:00", hour + 1);

    // The kiosk, in the branch's language (Russian): the first screen and the group's screen.
    let kiosk = Browser::start_in("ru").await;
    kiosk.goto(&kiosk_url(&demo, None)).await;
    kiosk.wait_text("#screen h1", "Выберите услугу").await;
    kiosk.wait_text("#branch", "Talon Demo").await;
    kiosk
        .wait_text("button.service.closed", "Сегодня не работает")
        .await;
    kiosk.wait_text("button.service.closed", &later_today).await;
    kiosk.screenshot("kiosk-ru").await;
    kiosk.click("button.group").await;
    kiosk.wait_text("#screen h1", "Кредиты и карты").await;
    kiosk.wait_text("#screen .grid", "Карты").await;
    kiosk.click("button.back").await;

    // The visitor switches to English and takes a ticket for payments.
    kiosk.click("#languages button[data-lang=en]").await;
    kiosk.wait_text("#screen h1", "Choose a service").await;
    kiosk
        .wait_text("button.service.closed", "Closed today")
        .await;
    kiosk.screenshot("kiosk-en").await;
    // Larger text, for this visitor only.
    kiosk.click("#larger").await;
    assert_eq!(
        kiosk
            .eval("return document.body.classList.contains('larger')")
            .await,
        json!(true)
    );
    let payments = demo.service("A");
    kiosk
        .click(&format!("button.service[data-service='{payments}']"))
        .await;
    kiosk.wait_text(".ticket .service-name", "Payments").await;
    let tickets = issued(&kiosk).await;
    assert_eq!(tickets.len(), 1, "one ticket issued");
    let number = tickets[0]["number"].as_str().expect("number").to_string();
    let token = tickets[0]["token"].as_str().expect("token").to_string();
    kiosk.wait_text(".ticket .number", &number).await;
    kiosk.wait_text(".ticket dl", "Ahead of you").await;
    kiosk.wait_text(".ticket figcaption", "Scan").await;
    // The QR code loaded, and the kiosk (which has no network printer) printed through the
    // browser.
    let qr = kiosk
        .eval("const i = document.querySelector('.qr img'); return i.complete && i.naturalWidth")
        .await;
    assert!(
        qr.as_u64().is_some_and(|w| w > 0),
        "the QR code shows: {qr}"
    );
    assert_eq!(
        kiosk.eval("return window.talon.printed").await,
        json!([token])
    );
    // What a phone's camera reads from the screen: the ticket's page.
    let shot = kiosk.screenshot("kiosk-ticket-en").await;
    assert_eq!(scan(&shot), format!("{}/t/{token}", demo.url));
    // Done: back to the first screen in the kiosk's own language.
    kiosk.click("button.done").await;
    kiosk.wait_text("#screen h1", "Выберите услугу").await;
    assert_eq!(
        kiosk.eval("return document.documentElement.lang").await,
        json!("ru")
    );
    assert_eq!(
        kiosk
            .eval("return document.body.classList.contains('larger')")
            .await,
        json!(false),
        "the next visitor starts with the usual text"
    );

    // The German kiosk screen.
    kiosk.goto(&kiosk_url(&demo, Some("de"))).await;
    kiosk
        .wait_text("#screen h1", "Wählen Sie eine Leistung")
        .await;
    kiosk.screenshot("kiosk-de").await;
    kiosk.click("button.group").await;
    kiosk.wait_text("#screen h1", "Kredite und Karten").await;
    kiosk.screenshot("kiosk-group-de").await;

    // The printable ticket, 80 and 58 mm wide.
    let print = Browser::start_in("en").await;
    print
        .goto(&demo.at(&format!("/t/{token}/print?paper=80")))
        .await;
    print.wait_text(".receipt .number", &number).await;
    print.wait_text(".receipt", "Payments").await;
    let shot = print.screenshot("print-80-en").await;
    assert_eq!(scan(&shot), format!("{}/t/{token}", demo.url));
    print
        .goto(&demo.at(&format!("/t/{token}/print?paper=58")))
        .await;
    print.wait_text(".receipt .number", &number).await;
    print.screenshot("print-58-en").await;

    // Printed tickets in the visitor's language.
    for (lang, paper, says) in [("ru", 80, "Перед вами"), ("de", 58, "Vor Ihnen")] {
        let other = demo
            .post(
                &format!("/branches/{}/tickets", demo.branch()),
                Some(demo.kiosk()),
                json!({"service": demo.service("D"), "language": lang}),
            )
            .await;
        let other_token = other.expect(201)["token"]
            .as_str()
            .expect("token")
            .to_string();
        print
            .goto(&demo.at(&format!("/t/{other_token}/print?paper={paper}")))
            .await;
        print.wait_text(".receipt", says).await;
        print.screenshot(&format!("print-{paper}-{lang}")).await;
    }

    // The visitor's phone follows the ticket.
    let phone = phone_browser("en").await;
    phone.goto(&demo.at(&format!("/t/{token}"))).await;
    phone.wait_text("#status", "Please wait").await;
    phone.wait_text("#ahead", "0").await;
    phone.wait_text("#eta", "any moment").await;
    // A mark that a reload would wipe: the page must change in place.
    phone.eval("window.stayed = true; return true").await;
    phone.screenshot("ticket-en").await;

    // The hall display and the display above counter 1.
    let hall = Browser::start_in("ru").await;
    hall.goto(&format!(
        "{}/display/{}?token={}",
        demo.url,
        demo.branch(),
        demo.display()
    ))
    .await;
    hall.wait_text(".headings", "Талон").await;
    let workplace = demo.workplace(0);
    let counter = Browser::start_in("en").await;
    counter
        .goto(&format!(
            "{}/display/{}/workplace/{workplace}?token={}&lang=en",
            demo.url,
            demo.branch(),
            demo.display()
        ))
        .await;
    counter.wait_text("#workplace", "1").await;
    counter.wait_text("#state", "Closed").await;

    // The operator signs in at the workstation, opens counter 1 and calls the visitor.
    let desk = Browser::start_in("en").await;
    desk.goto(&demo.at("/operator")).await;
    let operator = demo.facts.operators[0].clone();
    desk.fill("#username", &operator.username).await;
    desk.fill("#password", &operator.password).await;
    desk.click("#login-form button[type=submit]").await;
    desk.wait_text("#workplace-view:not([hidden]) h1", "Choose")
        .await;
    desk.choose("#workplace", workplace).await;
    desk.choose("#profile", demo.all_services()).await;
    desk.click("#open").await;
    desk.wait_text("#workplace-status", "Open").await;
    counter
        .wait_text("#state", "Please wait to be called")
        .await;
    // The payments queue holds the kiosk's ticket; consultation the two printed ones.
    let queue_a = format!("#queues li[data-service='{payments}'] .waiting");
    let queue_b = format!("#queues li[data-service='{}'] .waiting", demo.service("B"));
    desk.wait_text(&queue_a, "1").await;
    desk.eval("window.stayed = true; return true").await;
    desk.click("#call-next").await;
    desk.wait_text("#current-number", &number).await;
    let reason = desk
        .eval("return document.getElementById('reason').textContent")
        .await;
    assert!(
        reason.as_str().is_some_and(|r| r.len() > 10),
        "the workstation says why: {reason}"
    );
    desk.wait_text(&queue_a, "0").await;

    hall.wait_text("#calls li.current", &number).await;
    counter.wait_text("#number", &number).await;
    counter.wait_text("#state", "Please come in").await;
    phone.wait_text("#status", "please go to counter 1").await;
    assert_eq!(
        phone.eval("return window.stayed === true").await,
        json!(true),
        "no reload"
    );
    assert!(
        phone
            .eval("return document.title")
            .await
            .as_str()
            .is_some_and(|t| t.contains(&number)),
        "the tab's title says it"
    );
    phone.screenshot("ticket-called-en").await;
    counter.screenshot("counter-en").await;
    hall.screenshot("display-call-ru").await;
    let counter_url = format!(
        "{}/display/{}/workplace/{workplace}?token={}",
        demo.url,
        demo.branch(),
        demo.display()
    );
    for (lang, says) in [
        ("de", "Bitte kommen Sie"),
        ("ru", "Пожалуйста, подойдите"),
        ("en", "Please come in"),
    ] {
        counter.goto(&format!("{counter_url}&lang={lang}")).await;
        counter.wait_text("#state", says).await;
        counter.wait_text("#number", &number).await;
        if lang != "en" {
            counter.screenshot(&format!("counter-{lang}")).await;
        }
    }

    // Service, then done.
    desk.click("#start").await;
    counter.wait_text("#state", "Now serving").await;
    phone.wait_text("#status", "being served").await;
    desk.screenshot("operator-serving-en").await;
    desk.click("#finish").await;
    desk.wait_text("#today [data-count=served]", "1").await;
    phone.wait_text("#status", "Service completed").await;
    counter
        .wait_text("#state", "Please wait to be called")
        .await;
    assert_eq!(
        counter
            .eval("return document.getElementById('number').textContent")
            .await,
        json!("")
    );

    // A second visitor takes a loan ticket at the kiosk, in German; the workstation's queue
    // counts follow without a reload. Then the visitor gives the ticket up from the phone, in
    // Russian, and the count goes back.
    kiosk.goto(&kiosk_url(&demo, Some("de"))).await;
    kiosk.click("button.group").await;
    kiosk
        .click(&format!(
            "button.service[data-service='{}']",
            demo.service("B")
        ))
        .await;
    kiosk.wait_text(".ticket .service-name", "Kredite").await;
    let second = issued(&kiosk).await.pop().expect("a second ticket");
    let second_token = second["token"].as_str().expect("token");
    desk.wait_text(&queue_b, "1").await;
    let phone_ru = phone_browser("ru").await;
    phone_ru
        .goto(&demo.at(&format!("/t/{second_token}?lang=ru")))
        .await;
    phone_ru.wait_text("#status", "Ожидайте").await;
    phone_ru.screenshot("ticket-ru").await;
    phone_ru.click("#cancel summary").await;
    phone_ru.click("#cancel button").await;
    phone_ru.wait_text("#status", "Талон отменён").await;
    let view = demo.public(second_token).await;
    assert_eq!(view.expect(200)["status"], json!("cancelled"));
    phone_ru
        .goto(&demo.at(&format!("/t/{second_token}?lang=de")))
        .await;
    phone_ru.wait_text("#status", "storniert").await;
    phone_ru.screenshot("ticket-cancelled-de").await;
    desk.wait_text(&queue_b, "0").await;
    assert_eq!(
        desk.eval("return window.stayed === true").await,
        json!(true),
        "the workstation followed without a reload"
    );

    for browser in [kiosk, print, phone, hall, counter, desk, phone_ru] {
        browser.close().await;
    }
}
