//! The admin panel in a real browser. The demo's administrator signs in, creates a service
//! (after the server refused a prefix that is taken, shown next to the prefix with everything
//! typed still there) and a work profile for it, whose preview shows the call order of a sample
//! queue as the profile is edited. Then a kiosk is paired: the panel creates a code, a second
//! browser types it on `/pair`, becomes the branch's kiosk and takes a ticket for the new
//! service; the panel sees the kiosk, revokes it after a confirmation, and the kiosk stops and
//! says it is no longer paired. No page breaks the content security policy.
//!
//! A branch manager signing in sees their own branch only: no choice of branch, its services,
//! its staff and none of another branch's. Screenshots in ru, en and de.

mod common;

use common::Demo;
use common::browser::Browser;
use serde_json::{Value, json};

/// The value of the input or select matching `css`.
async fn value(browser: &Browser, css: &str) -> String {
    browser
        .eval(&format!(
            "return document.querySelector({}).value",
            json!(css)
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The content security policy violations reported in the page so far (see `browser_csp.rs`).
async fn violations(browser: &Browser) -> Value {
    browser
        .eval(
            r#"
            const observer = new ReportingObserver(() => {}, { types: ["csp-violation"], buffered: true });
            observer.observe();
            const reports = observer.takeRecords();
            observer.disconnect();
            return reports.map((r) => r.body.toJSON());
            "#,
        )
        .await
}

/// The branch's configuration as the API gives it.
async fn configuration(demo: &Demo, admin: &str) -> Value {
    demo.get(&format!("/branches/{}", demo.branch()), Some(admin))
        .await
        .expect(200)
        .clone()
}

fn id_where(list: &Value, key: &str, wanted: &str) -> u64 {
    list.as_array()
        .and_then(|items| items.iter().find(|i| i[key] == wanted))
        .and_then(|i| i["id"].as_u64())
        .unwrap_or_else(|| panic!("no {key} = {wanted} in {list}"))
}

async fn sign_in(browser: &Browser, username: &str, password: &str) {
    browser.fill("#username", username).await;
    browser.fill("#password", password).await;
    browser.click("#login-form button[type=submit]").await;
}

#[tokio::test]
async fn an_admin_creates_a_service_and_a_profile_and_pairs_a_kiosk_then_revokes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();

    let browser = Browser::start_in("en").await;
    browser.goto(&demo.at("/admin")).await;
    browser
        .wait_text("#login-view:not([hidden]) h1", "Administration")
        .await;
    browser.screenshot("admin-login-en").await;
    // Staff who are not administrators or managers are turned away.
    let operator = demo.facts.operators[0].clone();
    sign_in(&browser, &operator.username, &operator.password).await;
    browser
        .wait_text(
            "#login-form .form-error:not([hidden])",
            "for network administrators and branch managers",
        )
        .await;
    sign_in(
        &browser,
        &demo.facts.admin.username,
        &demo.facts.admin.password,
    )
    .await;
    browser
        .wait_text(
            "#section-branch:not([hidden]) #branch-form-title",
            "Branch settings",
        )
        .await;
    assert_eq!(value(&browser, "#branch-name-input").await, "Talon Demo");
    assert_eq!(value(&browser, "#branch-zone").await, "Europe/Moscow");
    // A network administrator chooses among the branches.
    browser
        .wait_text("#branch-picker:not([hidden]) #branch", "Talon Demo")
        .await;
    browser.screenshot("admin-branch-en").await;

    // A new service. The prefix A is taken: the server says so next to the prefix, and what
    // was typed stays.
    browser
        .click("#sections button[data-section=services]")
        .await;
    browser.wait_text("#service-list", "Payments").await;
    browser.click("#service-new").await;
    browser
        .wait_text("#service-form:not([hidden]) h2", "New service")
        .await;
    browser.fill("#service-name-en", "Passports").await;
    browser.fill("#service-name-ru", "Паспорта").await;
    browser.fill("#service-name-de", "Pässe").await;
    browser.fill("#service-prefix", "A1").await;
    browser.fill("#service-wait", "20").await;
    browser.click("#service-save").await;
    // Checked in the browser first: not letters.
    let prefix_error = "#service-form .field[data-field=prefix] > .error:not([hidden])";
    browser
        .wait_text(
            prefix_error,
            "One to three letters, not used by another service",
        )
        .await;
    browser.fill("#service-prefix", "A").await;
    browser.click("#service-save").await;
    browser
        .wait_text(prefix_error, "not used by another service")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#service-prefix').getAttribute('aria-invalid')")
            .await,
        json!("true"),
        "the refused field is marked"
    );
    for (css, typed) in [
        ("#service-name-en", "Passports"),
        ("#service-name-ru", "Паспорта"),
        ("#service-name-de", "Pässe"),
        ("#service-prefix", "A"),
        ("#service-wait", "20"),
    ] {
        assert_eq!(
            value(&browser, css).await,
            typed,
            "{css} kept what was typed"
        );
    }
    let before = configuration(&demo, &admin).await;
    assert!(
        !before.to_string().contains("Passports"),
        "nothing was saved"
    );
    browser.screenshot("admin-field-error-en").await;
    browser.fill("#service-prefix", "P").await;
    browser.click("#service-save").await;
    browser.wait_text("#service-list", "Passports").await;
    browser
        .wait_text("#service-form-title", "Service P · Passports")
        .await;
    let config = configuration(&demo, &admin).await;
    let passports = id_where(&config["services"], "prefix", "P");
    let saved = config["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == passports)
        .unwrap();
    assert_eq!(
        saved["names"],
        json!({"en": "Passports", "ru": "Паспорта", "de": "Pässe"})
    );
    assert_eq!(saved["waiting_norm_secs"], 1200, "minutes in the form");
    browser.screenshot("admin-en").await;

    // The demo's categories, with their weights.
    browser
        .click("#sections button[data-section=categories]")
        .await;
    browser
        .click(&format!(
            "#category-list tr[data-id='{}']",
            demo.category("VIP")
        ))
        .await;
    browser
        .wait_text("#category-form:not([hidden]) h2", "Category VIP")
        .await;
    assert_eq!(value(&browser, "#category-weight").await, "3");
    browser.screenshot("admin-categories-en").await;

    // A work profile for it, strictly in order: passports first, then payments.
    browser
        .click("#sections button[data-section=profiles]")
        .await;
    browser.wait_text("#profile-list", "All services").await;
    browser.click("#profile-new").await;
    browser
        .wait_text("#profile-form:not([hidden]) h2", "New work profile")
        .await;
    browser.fill("#profile-name", "Passports first").await;
    browser
        .click("#profile-policy option[value=strict_order]")
        .await;
    browser
        .choose("#profile-entries tr[data-entry='0'] select", passports)
        .await;
    browser.click("#entry-add").await;
    browser
        .choose(
            "#profile-entries tr[data-entry='1'] select",
            demo.service("A"),
        )
        .await;
    // A sample of the profile's services: passports are called first, then payments; others
    // never.
    browser.click("#sample-reset").await;
    browser
        .wait_text("#preview-order li:first-child .number", "P00")
        .await;
    browser
        .wait_text("#preview-order li:first-child .why", "Line 1 is the first")
        .await;
    browser
        .wait_text("#preview-order li:nth-child(5) .number", "A00")
        .await;
    browser
        .wait_text(
            "#preview-not-called:not([hidden])",
            "Never called by this profile",
        )
        .await;
    // The preview follows the rules as they are edited.
    browser
        .click("#profile-policy option[value=longest_waiting]")
        .await;
    browser
        .wait_text("#preview-order li:first-child .why", "Waited longest")
        .await;
    browser
        .click("#profile-policy option[value=strict_order]")
        .await;
    browser
        .wait_text("#preview-order li:first-child .why", "Line 1 is the first")
        .await;
    browser
        .client()
        .set_window_size(1366, 768)
        .await
        .expect("a 1366×768 window");
    browser.screenshot("admin-profile-en-1366").await;
    browser
        .client()
        .set_window_size(1920, 1080)
        .await
        .expect("a 1920×1080 window");
    browser.click("#profile-save").await;
    browser.wait_text("#profile-list", "Passports first").await;
    let config = configuration(&demo, &admin).await;
    let profile = config["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Passports first")
        .expect("the profile is saved")
        .clone();
    assert_eq!(profile["policy"], "strict_order");
    let services: Vec<&Value> = profile["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["service"])
        .collect();
    assert_eq!(services, [&json!(passports), &json!(demo.service("A"))]);

    // Pair a kiosk: the panel shows a code of 8 digits and where to type it.
    browser
        .click("#sections button[data-section=devices]")
        .await;
    browser.wait_text("#device-list", "kiosk").await;
    browser.fill("#pairing-name", "Entrance kiosk").await;
    browser.click("#pairing-create").await;
    browser
        .wait_text("#pairing:not([hidden]) #pairing-where", "/pair")
        .await;
    let shown = browser
        .eval("return document.querySelector('#pairing-code').textContent")
        .await;
    let shown = shown.as_str().expect("the code").to_string();
    assert!(
        shown.len() == 9 && shown.as_bytes()[4] == b' ',
        "grouped 4 + 4: {shown:?}"
    );
    let code = shown.replace(' ', "");
    assert!(code.bytes().all(|c| c.is_ascii_digit()), "{code}");
    browser.screenshot("admin-pairing-en").await;

    let kiosk = Browser::start_in("en").await;
    kiosk.goto(&demo.at("/pair")).await;
    kiosk.fill("#code", &code).await;
    kiosk.click("#pair").await;
    kiosk.wait_text("#screen h1", "Выберите услугу").await;
    assert_eq!(
        kiosk.eval("return location.pathname").await,
        json!(format!("/kiosk/{b}"))
    );
    kiosk
        .click(&format!("button.service[data-service='{passports}']"))
        .await;
    kiosk.wait_text(".ticket .number", "P001").await;

    // The panel sees the device paired, and revokes it after asking.
    browser
        .wait_text("#pairing-done:not([hidden])", "“Entrance kiosk” is paired")
        .await;
    browser.wait_text("#device-list", "Entrance kiosk").await;
    let devices = demo
        .get(&format!("/branches/{b}/devices"), Some(&admin))
        .await
        .expect(200)
        .clone();
    let device = id_where(&devices, "name", "Entrance kiosk");
    browser
        .click(&format!("button.revoke[data-device='{device}']"))
        .await;
    browser
        .wait_text("#confirm[open] #confirm-title", "Revoke “Entrance kiosk”?")
        .await;
    browser.click("#confirm-ok").await;
    browser
        .wait_text(
            "#message:not([hidden])",
            "“Entrance kiosk” has been revoked",
        )
        .await;
    let devices = demo
        .get(&format!("/branches/{b}/devices"), Some(&admin))
        .await
        .expect(200)
        .clone();
    assert!(
        !devices.to_string().contains("Entrance kiosk"),
        "revoked: {devices}"
    );
    kiosk
        .wait_text("#unpaired:not([hidden])", "не подключено")
        .await;

    // A workplace, then a new branch of the network, which the panel then works on.
    browser
        .click("#sections button[data-section=workplaces]")
        .await;
    browser.click("#workplace-new").await;
    browser.fill("#workplace-name", "12A").await;
    browser.click("#workplace-save").await;
    browser.wait_text("#workplace-list", "12A").await;
    browser.click("#new-branch").await;
    browser
        .wait_text("#section-branch:not([hidden]) h2", "New branch")
        .await;
    browser.fill("#branch-name-input", "North").await;
    browser.fill("#branch-zone", "Mars/Olympus").await;
    browser.click("#branch-save").await;
    browser
        .wait_text(
            "#branch-form .field[data-field=time_zone] > .error:not([hidden])",
            "Choose a time zone from the list",
        )
        .await;
    browser.fill("#branch-zone", "Europe/Berlin").await;
    browser.click("#branch-save").await;
    browser
        .wait_text("#message:not([hidden])", "The branch has been created")
        .await;
    browser.wait_text("#branch option:checked", "North").await;
    browser
        .click("#sections button[data-section=services]")
        .await;
    browser.wait_text("#service-list", "Nothing here yet").await;
    let branches = demo
        .get("/branches", Some(&admin))
        .await
        .expect(200)
        .clone();
    let north = id_where(&branches, "name", "North");
    assert_eq!(
        demo.get(&format!("/branches/{north}"), Some(&admin))
            .await
            .expect(200)["settings"]["time_zone"],
        "Europe/Berlin"
    );

    assert_eq!(
        violations(&browser).await,
        json!([]),
        "the panel keeps the CSP"
    );
    kiosk.close().await;
    browser.close().await;
}

/// What the panel relies on from the API: a refused value names its field, whether the engine
/// or the JSON refused it, and the preview answers the call order of a sample.
#[tokio::test]
async fn errors_name_their_field_and_the_preview_answers_an_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let services = format!("/branches/{}/services", demo.branch());
    for (body, field) in [
        (json!({"names": {"en": "X"}, "prefix": "A"}), "prefix"),
        (
            json!({"names": {"en": "X"}, "prefix": "X", "waiting_norm_secs": 0}),
            "waiting_norm_secs",
        ),
        (
            json!({"names": {"en": "X"}, "prefix": "X", "numbering": {"first": 1}}),
            "numbering.last",
        ),
        (
            json!({"names": {"en": "X"}, "prefix": "X", "hours": {"mon": ["25:00-26:00"]}}),
            "hours",
        ),
        (
            json!({"names": {"en": "X"}, "prefix": "X", "colour": "red"}),
            "colour",
        ),
        (json!({"names": {"en": "X"}}), "prefix"),
    ] {
        let reply = demo.post(&services, Some(&admin), body.clone()).await;
        reply.expect_error(422, "validation_failed");
        assert_eq!(
            reply.body["error"]["field"], field,
            "{body}: {}",
            reply.text
        );
    }
    let reply = demo
        .post(
            "/auth/login",
            None,
            json!({"username": "x", "password": "y"}),
        )
        .await;
    assert!(reply.body["error"].get("field").is_none(), "{}", reply.text);

    let (a, b) = (demo.service("A"), demo.service("B"));
    let preview = format!("/branches/{}/profiles/preview", demo.branch());
    let reply = demo
        .post(
            &preview,
            Some(&admin),
            json!({"profile": {"name": "B first", "policy": "strict_order", "services": [b, a]},
                   "sample": [{"service": a, "waited_secs": 600}, {"service": b, "waited_secs": 60},
                              {"service": demo.service("C"), "waited_secs": 900}]}),
        )
        .await;
    let order = reply.expect(200);
    let called: Vec<&Value> = order["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["sample"])
        .collect();
    assert_eq!(called, [&json!(1), &json!(0)], "{order}");
    assert_eq!(order["calls"][0]["reason"]["rule"], "strict_order");
    assert_eq!(order["not_called"], json!([2]));
    let reply = demo
        .post(
            &preview,
            Some(&admin),
            json!({"profile": {"name": "A", "services": [a]},
                   "sample": [{"service": 999_999, "waited_secs": 60}]}),
        )
        .await;
    reply.expect_error(422, "validation_failed");
    assert_eq!(reply.body["error"]["field"], "sample");
    // Nothing was saved by a preview.
    let config = configuration(&demo, &admin).await;
    assert!(!config.to_string().contains("B first"));
}

#[tokio::test]
async fn a_manager_sees_their_branch_only_in_every_language() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let other = demo.second_branch(&admin).await;
    demo.post(
        "/users",
        Some(&admin),
        json!({"username": "manager-a", "password": "manager password", "role": "manager",
               "branch": demo.branch()}),
    )
    .await
    .expect(201);

    let browser = Browser::start_in("ru").await;
    browser.goto(&demo.at("/admin")).await;
    browser
        .wait_text("#login-view:not([hidden]) h1", "Администрирование")
        .await;
    sign_in(&browser, "manager-a", "manager password").await;
    browser
        .wait_text("#section-branch:not([hidden]) h2", "Настройки отделения")
        .await;
    browser.wait_text("#branch-name", "Talon Demo").await;
    assert_eq!(
        browser
            .eval("return document.getElementById('branch-picker').hidden")
            .await,
        json!(true),
        "a manager has no choice of branch"
    );
    browser.wait_text("#who", "Руководитель отделения").await;

    browser
        .click("#sections button[data-section=services]")
        .await;
    browser.wait_text("#service-list", "Платежи").await;
    browser
        .click(&format!(
            "#service-list tr[data-id='{}']",
            demo.service("B")
        ))
        .await;
    browser
        .wait_text("#service-form:not([hidden]) h2", "Услуга B · Кредиты")
        .await;
    browser.screenshot("admin-ru").await;
    // Opening hours of its own, one of them impossible: said next to the hours, nothing saved.
    browser.click("#service-always").await;
    browser
        .wait_text("#service-hours:not([hidden]) .day[data-day=mon]", "Пн")
        .await;
    browser
        .fill("#service-hours .day[data-day=mon] .span input", "25:00")
        .await;
    browser.click("#service-save").await;
    browser
        .wait_text(
            "#service-form .field[data-field=hours] > .error:not([hidden])",
            "Время в виде 09:00",
        )
        .await;
    browser.screenshot("admin-hours-ru").await;
    assert_eq!(
        value(&browser, "#service-hours .day[data-day=mon] .span input").await,
        "25:00"
    );

    // Staff: the branch's own; the other branch's operator is not there. A manager adds
    // operators and receptionists only.
    browser.click("#sections button[data-section=users]").await;
    browser.wait_text("#user-list", "operator1").await;
    let listed = browser
        .eval("return document.getElementById('user-list').textContent")
        .await;
    assert!(
        !listed.as_str().unwrap_or_default().contains("b-operator"),
        "{listed}"
    );
    browser.click("#user-new").await;
    let roles = browser
        .eval("return [...document.querySelectorAll('#user-role option')].map((o) => o.value)")
        .await;
    assert_eq!(roles, json!(["operator", "receptionist"]));
    browser.fill("#user-name", "new.operator").await;
    browser.fill("#user-password", "short").await;
    browser.click("#user-save").await;
    browser
        .wait_text(
            "#user-form .field[data-field=password] > .error:not([hidden])",
            "От 8 до 200 символов",
        )
        .await;
    browser.fill("#user-password", "long enough").await;
    browser.click("#user-save").await;
    browser.wait_text("#user-list", "new.operator").await;
    browser.screenshot("admin-users-ru").await;
    demo.login("new.operator", "long enough").await;
    // The manager's session cannot reach the other branch either, from the page itself.
    let status = browser
        .client()
        .execute_async(
            "const [path, done] = arguments; fetch(path).then((r) => done(r.status));",
            vec![json!(format!("/api/v1/branches/{}", other.id))],
        )
        .await
        .expect("a fetch from the page");
    assert_eq!(status, json!(403));
    assert_eq!(
        browser
            .eval("return JSON.parse(sessionStorage.getItem('talon.admin')).token ?? null")
            .await,
        Value::Null,
        "the page never holds the session's token"
    );

    // The profile editor in German, with its preview.
    browser.click(".languages a[lang=de]").await;
    browser
        .wait_text("#sections button[data-section=profiles]", "Arbeitsprofile")
        .await;
    browser
        .click("#sections button[data-section=profiles]")
        .await;
    browser
        .click(&format!(
            "#profile-list tr[data-id='{}']",
            demo.profile("All services")
        ))
        .await;
    browser
        .wait_text("#preview-order li:first-child .why", "gewartet")
        .await;
    browser.screenshot("admin-profile-de").await;
    // A ratio starts as one step over every entry.
    browser.click("#profile-use-ratio").await;
    browser
        .wait_text("#profile-ratio li[data-step='0']", "Schritt 1")
        .await;
    browser.screenshot("admin-profile-ratio-de").await;
    browser
        .click("#sections button[data-section=devices]")
        .await;
    browser.wait_text("#device-list", "Kiosk").await;
    browser.screenshot("admin-de").await;
    browser.close().await;
}
