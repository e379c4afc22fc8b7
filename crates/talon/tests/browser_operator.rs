//! The operator's workstation in a real browser: an operator signs in (after a wrong password,
//! refused in their language), opens a counter with a work profile and works a small day with
//! the buttons and the one-key shortcuts: the queues grow live as the kiosk issues tickets, a
//! call shows the number and why it was chosen, a visitor is served, one does not come, one is
//! chosen from the list and transferred, one is recalled and postponed, a break with a reason is
//! taken and ended, and "nobody is waiting" is said when nobody is. The day's counts follow,
//! and the API agrees with the screen. Screenshots in ru, en and de show a visitor being served.

mod common;

use common::Demo;
use common::browser::Browser;
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::Value;

/// Presses one key on the keyboard, once the button it stands for can be pressed.
async fn press(browser: &Browser, key: char, button: &str) {
    browser
        .client()
        .wait()
        .for_element(Locator::Css(&format!("{button}:not(:disabled)")))
        .await
        .unwrap_or_else(|e| panic!("{button} is not enabled for the key {key}: {e}"));
    let keys = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    browser
        .client()
        .perform_actions(keys)
        .await
        .unwrap_or_else(|e| panic!("pressing {key}: {e}"));
}

async fn text_of(browser: &Browser, id: &str) -> String {
    browser
        .eval(&format!(
            "return document.getElementById('{id}').textContent"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn number(ticket: &Value) -> &str {
    ticket["number"].as_str().expect("a ticket number")
}

fn id(ticket: &Value) -> u64 {
    ticket["id"].as_u64().expect("a ticket id")
}

#[tokio::test]
async fn an_operator_works_a_day_at_the_workstation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let (a, b, c, d) = (
        demo.service("A"),
        demo.service("B"),
        demo.service("C"),
        demo.service("D"),
    );
    let operator = demo.facts.operators[0].clone();

    // The page speaks the browser's language; a wrong password is refused in it.
    let browser = Browser::start_in("ru").await;
    browser.goto(&format!("{}/operator", demo.url)).await;
    browser
        .wait_text("#login-view:not([hidden]) h1", "Рабочее место оператора")
        .await;
    browser.fill("#username", &operator.username).await;
    browser.fill("#password", "not-the-password").await;
    browser.click("#login-form button[type=submit]").await;
    browser
        .wait_text("#message", "Неверное имя пользователя или пароль")
        .await;
    browser.screenshot("operator-login-ru").await;

    browser.fill("#password", &operator.password).await;
    browser.click("#login-form button[type=submit]").await;
    browser
        .wait_text("#workplace-view:not([hidden]) h1", "Выберите рабочее место")
        .await;
    browser.screenshot("operator-workplace-ru").await;
    browser.choose("#workplace", demo.workplace(0)).await;
    browser.choose("#profile", demo.all_services()).await;
    browser.click("#open").await;
    browser.wait_text("#workplace-status", "Открыто").await;
    browser
        .wait_text(
            "#current[data-status=none] #current-empty:not([hidden])",
            "У окна никого нет",
        )
        .await;
    assert_eq!(text_of(&browser, "current-number").await, "");

    // The kiosk issues tickets: the queues and the list follow without a reload.
    let a1 = demo.issue(a).await;
    let queue_a = format!("#queues li[data-service='{a}'] .waiting");
    browser.wait_text(&queue_a, "1").await;
    let a2 = demo.issue(a).await;
    let b1 = demo.issue(b).await;
    browser.wait_text(&queue_a, "2").await;
    browser
        .wait_text(&format!("#queues li[data-service='{b}'] .waiting"), "1")
        .await;
    browser.wait_text("#tickets", number(&b1)).await;

    // Call next by its button: the longest waiting, with the reason in words.
    browser.click("#call-next").await;
    browser.wait_text("#current-number", number(&a1)).await;
    browser.wait_text("#current-status", "Вызван").await;
    browser.wait_text("#reason", "Ждал дольше всех").await;
    browser.wait_text(&queue_a, "1").await;
    browser.click("#start").await;
    browser.wait_text("#current-status", "Обслуживается").await;
    browser.screenshot("operator-ru").await;

    // The language switch keeps the session and the workplace.
    browser.click(".languages a[lang=en]").await;
    browser.wait_text("#current-status", "Being served").await;
    browser.wait_text("#current-number", number(&a1)).await;
    browser.wait_text("#reason", "Waited longest").await;
    browser.screenshot("operator-en").await;
    browser.click(".languages a[lang=de]").await;
    browser.wait_text("#current-status", "In Bedienung").await;
    browser.wait_text("#reason", "am längsten gewartet").await;
    browser.screenshot("operator-de").await;
    // The smaller of the screens it is made for.
    browser
        .client()
        .set_window_size(1366, 768)
        .await
        .expect("a 1366×768 window");
    browser.wait_text("#current-number", number(&a1)).await;
    browser.screenshot("operator-de-1366").await;
    browser.click(".languages a[lang=ru]").await;
    browser.wait_text("#current-status", "Обслуживается").await;

    browser.click("#finish").await;
    browser.wait_text("#today [data-count=served]", "1").await;
    browser
        .wait_text(
            "#current[data-status=none] #current-empty:not([hidden])",
            "У окна никого нет",
        )
        .await;

    // The keyboard: N calls the next, X marks them as not come.
    press(&browser, 'n', "#call-next").await;
    browser.wait_text("#current-number", number(&a2)).await;
    press(&browser, 'x', "#no-show").await;
    browser.wait_text("#today [data-count=no_show]", "1").await;

    // A ticket chosen from the list, then transferred to another service.
    let c1 = demo.issue(c).await;
    let row = format!("#tickets li[data-ticket='{}']", id(&c1));
    browser.wait_text(&row, number(&c1)).await;
    browser.click(&format!("{row} button.call")).await;
    browser.wait_text("#current-number", number(&c1)).await;
    browser
        .wait_text("#reason", "Вы выбрали этот талон из списка")
        .await;
    browser.click("#transfer").await;
    browser.choose("#transfer-service", d).await;
    browser.screenshot("operator-transfer-ru").await;
    browser.click("#transfer-confirm").await;
    browser.wait_text("#message", "перенаправлен").await;
    browser
        .wait_text("#today [data-count=transferred]", "1")
        .await;
    let listed = demo
        .get(
            &format!("/branches/{}/tickets", demo.branch()),
            Some(&admin),
        )
        .await;
    let moved = listed
        .expect(200)
        .as_array()
        .expect("tickets")
        .iter()
        .find(|t| t["id"] == c1["id"])
        .cloned()
        .expect("the transferred ticket");
    assert_eq!(
        (moved["service"].as_u64(), moved["status"].as_str()),
        (Some(d), Some("waiting")),
        "{moved}"
    );

    // Recall (R) and postpone (P) the next visitor.
    press(&browser, 'n', "#call-next").await;
    browser.wait_text("#current-number", number(&b1)).await;
    press(&browser, 'r', "#recall").await;
    browser.wait_text("#message", "вызван повторно").await;
    press(&browser, 'p', "#postpone").await;
    browser.click("#postpone-form [data-minutes='5']").await;
    browser.click("#postpone-confirm").await;
    browser.wait_text("#message", "отложен на 5 мин").await;
    browser
        .wait_text(
            &format!("#tickets li[data-ticket='{}']", id(&b1)),
            "Отложен",
        )
        .await;

    // A break with a reason, ended with Z.
    browser.click("#pause").await;
    browser.fill("#pause-reason", "Обед").await;
    browser.click("#pause-confirm").await;
    browser
        .wait_text("#workplace-status", "Перерыв: Обед")
        .await;
    browser.screenshot("operator-paused-ru").await;
    let paused = Demo::workplace_in(&demo.state().await, demo.workplace(0)).clone();
    assert_eq!(
        (paused["status"].as_str(), paused["reason"].as_str()),
        (Some("paused"), Some("Обед"))
    );
    press(&browser, 'z', "#resume").await;
    browser.wait_text("#workplace-status", "Открыто").await;

    // The transferred ticket is called in its new service; S starts and F finishes.
    press(&browser, 'n', "#call-next").await;
    browser.wait_text("#current-number", number(&c1)).await;
    press(&browser, 's', "#start").await;
    browser.wait_text("#current-status", "Обслуживается").await;
    press(&browser, 'f', "#finish").await;
    browser.wait_text("#today [data-count=served]", "2").await;

    // Nobody is waiting now (the postponed visitor's time has not come): the page says so.
    press(&browser, 'n', "#call-next").await;
    browser
        .wait_text("#message", "По вашему рабочему профилю никто не ждёт")
        .await;

    // The API counts the same day.
    let token = demo.operator(0).await;
    let today = demo
        .get(
            &format!("/branches/{}/me/today", demo.branch()),
            Some(&token),
        )
        .await;
    let today = today.expect(200);
    assert_eq!(
        (
            &today["served"],
            &today["no_show"],
            &today["transferred"],
            today["average_service_secs"].is_u64()
        ),
        (&Value::from(2), &Value::from(1), &Value::from(1), true),
        "{today}"
    );
    demo.get(
        &format!("/branches/{}/me/today", demo.branch()),
        Some(demo.kiosk()),
    )
    .await
    .expect_error(403, "forbidden");

    // C closes the counter; signing out ends the session.
    press(&browser, 'c', "#close").await;
    browser
        .wait_text("#workplace-view:not([hidden]) h1", "Выберите рабочее место")
        .await;
    let closed = Demo::workplace_in(&demo.state().await, demo.workplace(0)).clone();
    assert_eq!(closed["status"], "closed", "{closed}");
    browser.click("#logout").await;
    browser
        .wait_text("#login-view:not([hidden]) h1", "Рабочее место оператора")
        .await;

    // An administrator of the whole network chooses the branch too.
    browser.fill("#username", &demo.facts.admin.username).await;
    browser.fill("#password", &demo.facts.admin.password).await;
    browser.click("#login-form button[type=submit]").await;
    browser
        .wait_text("#branch-field:not([hidden]) label", "Отделение")
        .await;
    let branches = browser
        .eval("return [...document.querySelectorAll('#branch option')].map(o => o.textContent)")
        .await;
    assert_eq!(branches, serde_json::json!(["Talon Demo"]));
    browser.close().await;
}
