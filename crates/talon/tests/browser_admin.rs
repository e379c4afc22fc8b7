//! The admin panel in a real browser. The demo's administrator signs in, creates a service
//! (after the server refused a prefix that is taken, shown next to the prefix with everything
//! typed still there) and a work profile for it, whose preview shows the call order of a sample
//! queue as the profile is edited. Then a kiosk is paired: the panel creates a code, a second
//! browser types it on `/pair`, becomes the branch's kiosk and takes a ticket for the new
//! service; the panel sees the kiosk, revokes it after a confirmation, and the kiosk stops and
//! says it is no longer paired. No page breaks the content security policy.
//!
//! A work profile's time variants are edited in the panel: added, checked before sending and
//! refused by the server next to their own fields, previewed, saved exactly, moved, changed and
//! removed.
//!
//! A branch manager signing in sees their own branch only: no choice of branch, its services,
//! its staff and none of another branch's, and no configuration file. Screenshots in ru, en
//! and de.
//!
//! The administrator disables an operator, who can no longer sign in, and enables them again;
//! exports the configuration file, imports a changed copy (checked first, then applied) and
//! has an invalid one refused with the place in the file named and nothing changed.

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

/// Opens the panel in `browser` and signs in as the demo's administrator.
async fn open_as_admin(browser: &Browser, demo: &Demo) {
    browser.goto(&demo.at("/admin")).await;
    sign_in(
        browser,
        &demo.facts.admin.username,
        &demo.facts.admin.password,
    )
    .await;
}

/// A browser in `lang` with the panel open, signed in as the demo's administrator.
async fn admin_panel(demo: &Demo, lang: &str) -> Browser {
    let browser = Browser::start_in(lang).await;
    open_as_admin(&browser, demo).await;
    browser
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
    browser.click("#profile-entry-add").await;
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
    // A variant's errors name the variant and its field, whether the JSON or the engine refused
    // it.
    let profiles = format!("/branches/{}/profiles", demo.branch());
    let a = demo.service("A");
    let with_variant = |days: Value, hours: &str, weight: u32| {
        json!({"name": "V", "services": [a], "variants": [
            {"days": ["mon"], "hours": "12:00-14:00", "entries": [{"service": a}], "policy": "strict_order"},
            {"days": days, "hours": hours, "entries": [{"service": a, "weight": weight}],
             "policy": "strict_order"}]})
    };
    for (body, field) in [
        (
            with_variant(json!([]), "09:00-13:00", 1),
            "variants[1].days",
        ),
        (
            with_variant(json!(["sat"]), "13:00-09:00", 1),
            "variants[1].hours",
        ),
        (
            with_variant(json!(["sat"]), "09:00-13:00", 0),
            "variants[1].weight",
        ),
    ] {
        let reply = demo.post(&profiles, Some(&admin), body.clone()).await;
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
            "const [path, done] = arguments; \
             fetch(path, {headers: {'X-Talon-Page': 'admin'}}).then((r) => done(r.status));",
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

/// The error shown at `field` of the variant at `index` (`days`, `hours`, `entries`).
fn variant_error(index: usize, field: &str) -> String {
    format!("#profile-form .field[data-field='variants[{index}].{field}'] > .error:not([hidden])")
}

/// The branch's profile named `name` as the API gives it, if there is one.
async fn profile_named(demo: &Demo, admin: &str, name: &str) -> Option<Value> {
    configuration(demo, admin).await["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .cloned()
}

/// Clicks the profile's save button and waits until the panel says it is saved: the click
/// clears any earlier message before it sends, so the message is this save's.
async fn save_profile(browser: &Browser, saved: &str) {
    browser.click("#profile-save").await;
    browser.wait_text("#message:not([hidden])", saved).await;
}

/// Shows the profile editor's variants and the preview beside them at 1366×768 in `lang`,
/// after the language switch, and saves screenshots of its top and of its variants.
async fn screenshot_variants(browser: &Browser, lang: &str, profile: u64, expected: [&str; 3]) {
    let [section, variant, saturday] = expected;
    browser.click(&format!(".languages a[lang={lang}]")).await;
    browser
        .wait_text("#sections button[data-section=profiles]", section)
        .await;
    browser
        .click("#sections button[data-section=profiles]")
        .await;
    browser
        .click(&format!("#profile-list tr[data-id='{profile}']"))
        .await;
    browser
        .wait_text("#profile-variants li[data-variant='1'] h4", variant)
        .await;
    browser
        .client()
        .set_window_size(1366, 768)
        .await
        .expect("a 1366×768 window");
    // The second variant (Saturdays) in the preview.
    browser.click("#preview-rules option:nth-child(3)").await;
    browser
        .wait_text("#preview-rules option:checked", saturday)
        .await;
    browser
        .wait_text("#preview-order li:first-child .number", "B00")
        .await;
    browser
        .screenshot(&format!("admin-profile-variants-top-{lang}-1366"))
        .await;
    // Only the panel scrolls: scrolling the page itself would push the header out of the window.
    browser
        .eval(
            "const main = document.querySelector('main'); \
             const item = document.querySelector('#profile-variants li[data-variant=\"1\"]'); \
             main.scrollTop += item.getBoundingClientRect().top - main.getBoundingClientRect().top;",
        )
        .await;
    browser
        .screenshot(&format!("admin-profile-variants-{lang}-1366"))
        .await;
    // Nothing in the editor reaches past the panel's right edge, and nothing scrolls sideways.
    let overflow = browser
        .eval(
            r##"
            const main = document.querySelector("main");
            const edge = main.getBoundingClientRect().left + main.clientWidth;
            const cut = [...document.querySelectorAll("#profile-form *")]
              .filter((e) => e.getBoundingClientRect().right > edge + 1)
              .map((e) => e.outerHTML.slice(0, 80));
            return { cut, sideways: main.scrollWidth - main.clientWidth };
            "##,
        )
        .await;
    assert_eq!(
        overflow,
        json!({"cut": [], "sideways": 0}),
        "{lang}: nothing is cut off at 1366"
    );
    browser
        .client()
        .set_window_size(1920, 1080)
        .await
        .expect("a 1920×1080 window");
}

#[tokio::test]
async fn a_profile_gets_time_variants_checked_previewed_saved_moved_and_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let (a, b) = (demo.service("A"), demo.service("B"));

    let browser = admin_panel(&demo, "en").await;
    browser
        .wait_text(
            "#panel:not([hidden]) #sections button[data-section=profiles]",
            "Work profiles",
        )
        .await;
    browser
        .click("#sections button[data-section=profiles]")
        .await;
    browser.wait_text("#profile-list", "All services").await;
    browser.click("#profile-new").await;
    browser
        .wait_text("#profile-form:not([hidden]) h2", "New work profile")
        .await;
    browser.fill("#profile-name", "Weekend desk").await;
    browser
        .choose("#profile-entries tr[data-entry='0'] select", a)
        .await;
    browser.click("#profile-entry-add").await;
    browser
        .choose("#profile-entries tr[data-entry='1'] select", b)
        .await;
    browser
        .wait_text(
            ".variants-field > .hint",
            "The first variant in this list that covers the moment applies",
        )
        .await;
    assert_eq!(
        browser
            .eval("return document.getElementById('preview-choice').hidden")
            .await,
        json!(true),
        "no choice of rules to preview without variants"
    );

    // A variant starts from the profile's own rules with no day ticked. Without a day, and with
    // hours that end before they start, it is refused next to those fields, and what was typed
    // stays.
    browser.click("#variant-add").await;
    browser
        .wait_text("#profile-variants li[data-variant='0'] h4", "Variant 1")
        .await;
    browser.fill("#variant-0-from", "13:00").await;
    browser.fill("#variant-0-to", "09:00").await;
    browser.click("#profile-save").await;
    browser
        .wait_text(&variant_error(0, "days"), "Tick at least one day")
        .await;
    browser
        .wait_text(
            &variant_error(0, "hours"),
            "each span opening before it closes",
        )
        .await;
    assert_eq!(value(&browser, "#variant-0-from").await, "13:00");
    assert_eq!(value(&browser, "#variant-0-to").await, "09:00");
    assert_eq!(
        browser
            .eval("return document.querySelector('#variant-0-from').getAttribute('aria-invalid')")
            .await,
        json!("true"),
        "the refused hours are marked"
    );
    browser.screenshot("admin-variant-errors-en").await;
    assert!(profile_named(&demo, &admin, "Weekend desk").await.is_none());

    // Saturdays from 9 to 13, only loans. A second loans line the server refuses: it says so
    // at the variant's entries, not at the profile's own.
    browser
        .click("#profile-variants li[data-variant='0'] .days input[value=sat]")
        .await;
    browser.fill("#variant-0-from", "09:00").await;
    browser.fill("#variant-0-to", "13:00").await;
    browser
        .click("#variant-0-entries tr[data-entry='0'] button[aria-label=Remove]")
        .await;
    browser
        .wait_text(
            "#variant-0-entries tr[data-entry='0'] select option:checked",
            "Loans",
        )
        .await;
    browser.click("#variant-0-entry-add").await;
    browser
        .choose("#variant-0-entries tr[data-entry='1'] select", b)
        .await;
    browser.click("#profile-save").await;
    browser
        .wait_text(
            &variant_error(0, "entries"),
            "a service with the same visitors only once",
        )
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('#profile-form .error:not([hidden])').length")
            .await,
        json!(1),
        "only the variant's entries are refused"
    );
    assert_eq!(value(&browser, "#variant-0-to").await, "13:00");
    assert!(profile_named(&demo, &admin, "Weekend desk").await.is_none());
    browser
        .click("#variant-0-entries tr[data-entry='1'] button[aria-label=Remove]")
        .await;
    browser
        .click("#variant-0-policy option[value=strict_order]")
        .await;
    browser
        .wait_text(
            "#variant-0-policy-hint",
            "the next entry only when it is empty",
        )
        .await;

    // The preview shows the profile's own rules, or the variant chosen: only loans, in order.
    browser.click("#sample-reset").await;
    browser
        .wait_text("#preview-order li:first-child .why", "Waited longest")
        .await;
    browser
        .wait_text(
            "#preview-choice:not([hidden]) #preview-rules option:nth-child(2)",
            "Variant 1 · Sat · 09:00–13:00",
        )
        .await;
    browser.click("#preview-rules option:nth-child(2)").await;
    browser
        .wait_text("#preview-order li:first-child .why", "Line 1 is the first")
        .await;
    browser
        .wait_text("#preview-order li:first-child .number", "B00")
        .await;
    browser
        .wait_text("#preview-not-called:not([hidden])", "Payments")
        .await;
    browser.click("#preview-rules option:nth-child(1)").await;
    browser
        .wait_text("#preview-order li:first-child .why", "Waited longest")
        .await;

    save_profile(&browser, "Saved.").await;
    browser.wait_text("#profile-list", "Weekend desk").await;
    let profile = profile_named(&demo, &admin, "Weekend desk")
        .await
        .expect("the profile is saved");
    assert_eq!(
        profile["variants"],
        json!([{"days": ["sat"], "hours": "09:00-13:00",
                "entries": [{"service": b, "categories": "any", "weight": 1, "max_wait_secs": null}],
                "policy": "strict_order", "ratio_scope": "operator"}]),
        "{profile}"
    );
    assert_eq!(
        profile["policy"], "longest_waiting",
        "the profile's own rules stay"
    );
    let id = profile["id"].as_u64().expect("an id");

    // Saturdays until 14 now, and a Sunday variant moved before it: the first that covers the
    // moment applies, so their order is saved.
    browser.fill("#variant-0-to", "14:00").await;
    browser.click("#variant-add").await;
    browser
        .click("#profile-variants li[data-variant='1'] .days input[value=sun]")
        .await;
    browser.fill("#variant-1-from", "10:00").await;
    browser.fill("#variant-1-to", "12:00").await;
    browser
        .click("#profile-variants li[data-variant='1'] [data-id=up]")
        .await;
    assert_eq!(
        value(&browser, "#variant-0-from").await,
        "10:00",
        "moved up"
    );
    assert_eq!(value(&browser, "#variant-1-to").await, "14:00");
    save_profile(&browser, "Saved.").await;
    let variants = profile_named(&demo, &admin, "Weekend desk").await.unwrap()["variants"].clone();
    assert_eq!(variants[0]["days"], json!(["sun"]), "{variants}");
    assert_eq!(variants[0]["hours"], "10:00-12:00");
    assert_eq!(
        variants[0]["policy"], "longest_waiting",
        "a copy of the profile's rules"
    );
    assert_eq!(variants[0]["entries"].as_array().map(Vec::len), Some(2));
    assert_eq!(variants[1]["days"], json!(["sat"]));
    assert_eq!(variants[1]["hours"], "09:00-14:00");
    assert_eq!(variants[1]["policy"], "strict_order");

    // The editor with its variants in Russian and in German, at 1366×768.
    screenshot_variants(
        &browser,
        "ru",
        id,
        ["Рабочие профили", "Вариант 2", "Вариант 2 · Сб"],
    )
    .await;
    screenshot_variants(
        &browser,
        "de",
        id,
        ["Arbeitsprofile", "Variante 2", "Variante 2 · Sa"],
    )
    .await;

    // Removed one by one.
    browser.click(".languages a[lang=en]").await;
    browser
        .wait_text("#sections button[data-section=profiles]", "Work profiles")
        .await;
    browser
        .click("#sections button[data-section=profiles]")
        .await;
    browser
        .click(&format!("#profile-list tr[data-id='{id}']"))
        .await;
    browser
        .click("#profile-variants li[data-variant='0'] [data-id=remove]")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('#profile-variants > li').length")
            .await,
        json!(1)
    );
    assert_eq!(
        value(&browser, "#variant-0-to").await,
        "14:00",
        "Saturdays are first now"
    );
    save_profile(&browser, "Saved.").await;
    let variants = profile_named(&demo, &admin, "Weekend desk").await.unwrap()["variants"].clone();
    assert_eq!(variants.as_array().map(Vec::len), Some(1), "{variants}");
    assert_eq!(variants[0]["days"], json!(["sat"]));
    browser
        .click("#profile-variants li[data-variant='0'] [data-id=remove]")
        .await;
    save_profile(&browser, "Saved.").await;
    let profile = profile_named(&demo, &admin, "Weekend desk").await.unwrap();
    assert!(
        profile.get("variants").is_none(),
        "no variants left: {profile}"
    );
    assert_eq!(
        browser
            .eval("return document.getElementById('preview-choice').hidden")
            .await,
        json!(true)
    );

    assert_eq!(
        violations(&browser).await,
        json!([]),
        "the panel keeps the CSP"
    );
    browser.close().await;
}

/// The branch's calendar and its lines on tickets, set in the panel: opening hours per weekday,
/// a holiday today, a footer per language (one the server refuses is shown next to the field).
/// The API then has them, and the kiosk says the branch is closed today until the holiday is
/// taken back.
#[tokio::test]
async fn an_admin_sets_the_branchs_hours_a_holiday_and_its_ticket_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let today = jiff::Timestamp::now()
        .in_tz("Europe/Moscow")
        .expect("the demo's zone")
        .date()
        .to_string();

    let browser = Browser::start_in("en").await;
    browser
        .client()
        .set_window_size(1366, 768)
        .await
        .expect("a 1366×768 window");
    open_as_admin(&browser, &demo).await;
    browser
        .wait_text(
            "#section-branch:not([hidden]) #branch-form-title",
            "Branch settings",
        )
        .await;
    browser
        .wait_text("#branch-holidays li.empty", "No days off")
        .await;

    // Hours of its own: unticking "always open" offers office hours on weekdays.
    browser.click("#branch-always").await;
    browser
        .wait_text("#branch-hours:not([hidden]) .day[data-day=mon]", "Mon")
        .await;
    let monday = "#branch-hours .day[data-day=mon] .span input";
    browser.fill(monday, "8:00").await;
    browser.click("#branch-save").await;
    browser
        .wait_text(
            "#branch-form .field[data-field=hours] > .error:not([hidden])",
            "Times as 09:00",
        )
        .await;
    browser.fill(monday, "08:00").await;

    // A holiday today, picked in the date field.
    browser
        .eval(&format!(
            "document.querySelector('#holiday-date').value = {}",
            json!(today)
        ))
        .await;
    browser.click("#holiday-add").await;
    let chip = format!("#branch-holidays li[data-date='{today}'] time");
    browser.wait_text(&chip, &today[..4]).await;

    // Lines on the ticket. A footer longer than a ticket takes is refused by the server, said
    // next to the lines, and what was typed stays.
    browser.fill("#ticket-header-ru", "Банк «Талон»").await;
    browser
        .eval("document.querySelector('#ticket-footer-en').removeAttribute('maxlength')")
        .await;
    let long = "Thank you ".repeat(21);
    browser.fill("#ticket-footer-en", &long).await;
    browser.click("#branch-save").await;
    let lines_error = "#branch-form .field[data-field=ticket_texts] > .error:not([hidden])";
    browser
        .wait_text(lines_error, "One line of up to 200 characters")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#ticket-footer-en').getAttribute('aria-invalid')")
            .await,
        json!("true"),
        "the refused line is marked"
    );
    assert_eq!(value(&browser, "#ticket-header-ru").await, "Банк «Талон»");
    let untouched = configuration(&demo, &admin).await;
    assert!(
        untouched["settings"].get("holidays").is_none(),
        "nothing was saved: {}",
        untouched["settings"]
    );
    browser
        .eval("document.querySelector('[data-field=ticket_texts]').scrollIntoView()")
        .await;
    browser.screenshot("admin-branch-calendar-en").await;

    browser
        .fill("#ticket-footer-en", "Thank you for waiting")
        .await;
    browser.click("#branch-save").await;
    browser.wait_text("#message:not([hidden])", "Saved").await;
    let settings = configuration(&demo, &admin).await["settings"].clone();
    assert_eq!(settings["holidays"], json!([today]));
    assert_eq!(settings["hours"]["mon"], json!(["08:00-18:00"]));
    assert_eq!(settings["hours"]["fri"], json!(["09:00-18:00"]));
    assert!(settings["hours"].get("sat").is_none(), "{settings}");
    assert_eq!(
        settings["ticket_texts"],
        json!({"ru": {"header": "Банк «Талон»"}, "en": {"footer": "Thank you for waiting"}})
    );

    // The kiosk: the branch is closed today, and every service with it.
    let kiosk = Browser::start_in("ru").await;
    let kiosk_url = format!(
        "{}/kiosk/{}?token={}",
        demo.url,
        demo.branch(),
        demo.kiosk()
    );
    kiosk.goto(&format!("{kiosk_url}&lang=en")).await;
    kiosk
        .wait_text("#screen .closed-today", "The branch is closed today")
        .await;
    kiosk
        .wait_text("button.service.closed", "Closed today")
        .await;
    // A group whose services are all closed is closed too: it opens no empty screen.
    kiosk
        .wait_text("button.group.closed:disabled", "Closed")
        .await;
    kiosk.screenshot("kiosk-holiday-en").await;
    kiosk.goto(&kiosk_url).await;
    kiosk
        .wait_text("#screen .closed-today", "Сегодня отделение не работает")
        .await;
    kiosk.screenshot("kiosk-holiday-ru").await;

    // The panel in Russian, then the holiday and the hours taken back: the kiosk follows the
    // branch's change by itself and opens.
    browser.click(".languages a[lang=ru]").await;
    browser
        .wait_text("#branch-form .field[data-field=holidays]", "Праздничные")
        .await;
    browser
        .eval("document.querySelector('[data-field=hours]').scrollIntoView()")
        .await;
    browser.screenshot("admin-branch-calendar-ru").await;
    browser
        .click(&format!("#branch-holidays li[data-date='{today}'] button"))
        .await;
    browser
        .wait_text("#branch-holidays li.empty", "Нерабочих дней нет")
        .await;
    browser.click("#branch-always").await;
    browser.click("#branch-save").await;
    browser
        .wait_text("#message:not([hidden])", "Сохранено")
        .await;
    let payments = demo.service("A");
    kiosk
        .wait_text(
            &format!("button.service[data-service='{payments}']:not(:disabled)"),
            "Платежи",
        )
        .await;
    kiosk
        .wait_text("button.group:not(:disabled)", "Кредиты и карты")
        .await;
    assert_eq!(
        kiosk
            .eval("return document.querySelector('#screen .closed-today').hidden")
            .await,
        json!(true)
    );
    let settings = configuration(&demo, &admin).await["settings"].clone();
    assert!(
        settings.get("holidays").is_none() && settings.get("hours").is_none(),
        "{settings}"
    );
    assert_eq!(
        settings["ticket_texts"]["en"]["footer"], "Thank you for waiting",
        "the lines stay"
    );

    // A ticket printed by the kiosk's browser carries the Russian header.
    let ticket = demo
        .post(
            &format!("/branches/{}/tickets", demo.branch()),
            Some(demo.kiosk()),
            json!({"service": payments, "language": "ru"}),
        )
        .await
        .expect(201)
        .clone();
    let token = ticket["token"].as_str().expect("token");
    kiosk
        .goto(&demo.at(&format!("/t/{token}/print?paper=58")))
        .await;
    kiosk.wait_text(".receipt .header", "Банк «Талон»").await;
    kiosk.screenshot("print-58-lines-ru").await;

    // The same section in German.
    browser.click(".languages a[lang=de]").await;
    browser
        .wait_text("#branch-form .field[data-field=holidays]", "Feiertage")
        .await;
    browser.click("#branch-always").await;
    browser
        .eval("document.querySelector('[data-field=holidays]').scrollIntoView()")
        .await;
    browser.screenshot("admin-branch-calendar-de").await;

    assert_eq!(
        violations(&browser).await,
        json!([]),
        "the panel keeps the CSP"
    );
    kiosk.close().await;
    browser.close().await;
}

/// Gives the import's file input a file holding `text`, as choosing one does.
async fn choose_file(browser: &Browser, text: &str) {
    browser
        .eval(&format!(
            r#"
            const input = document.getElementById("config-file");
            const files = new DataTransfer();
            files.items.add(new File([{}], "talon-config.toml", {{ type: "application/toml" }}));
            input.files = files.files;
            input.dispatchEvent(new Event("change"));
            "#,
            json!(text)
        ))
        .await;
}

#[tokio::test]
async fn an_admin_disables_an_operator_and_moves_the_configuration_through_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let operator = demo.facts.operators[0].clone();
    let staff = demo.get("/users", Some(&admin)).await.expect(200).clone();
    let operator_id = id_where(&staff, "username", &operator.username);
    let admin_id = id_where(&staff, "username", &demo.facts.admin.username);
    let login = json!({"username": operator.username, "password": operator.password});

    let browser = admin_panel(&demo, "en").await;
    browser
        .wait_text("#section-branch:not([hidden]) h2", "Branch settings")
        .await;

    // Nobody disables themself: the administrator's own editor has no such button.
    browser.click("#sections button[data-section=users]").await;
    browser
        .click(&format!("#user-list tr[data-id='{admin_id}']"))
        .await;
    browser
        .wait_text("#user-form:not([hidden]) h2", &demo.facts.admin.username)
        .await;
    assert_eq!(
        browser
            .eval("return document.getElementById('user-disabled').hidden")
            .await,
        json!(true)
    );

    // Disabled after a confirmation: marked in the list and the editor, and signing in fails.
    let row = format!("#user-list tr[data-id='{operator_id}']");
    browser.click(&row).await;
    browser
        .wait_text("#user-disabled:not([hidden])", "Disable")
        .await;
    browser.click("#user-disabled").await;
    browser
        .wait_text("#confirm[open] #confirm-title", "Disable")
        .await;
    browser.click("#confirm-ok").await;
    browser
        .wait_text(&format!("{row} .badge"), "disabled")
        .await;
    browser
        .wait_text("#user-state:not([hidden])", "cannot sign in")
        .await;
    browser.wait_text("#user-disabled", "Enable").await;
    demo.post("/auth/login", None, login.clone())
        .await
        .expect_error(401, "invalid_credentials");

    // In Russian, and enabled again: the operator signs in.
    browser.click(".languages a[lang=ru]").await;
    browser.click(&row).await;
    browser
        .wait_text("#user-state:not([hidden])", "Учётная запись отключена")
        .await;
    browser.wait_text(&format!("{row} .badge"), "отключ").await;
    browser.screenshot("admin-staff-disabled-ru").await;
    browser.click("#user-disabled").await;
    browser
        .wait_text("#confirm[open] #confirm-title", "Включить")
        .await;
    browser.click("#confirm-ok").await;
    browser
        .wait_text("#user-disabled:not([hidden])", "Отключить")
        .await;
    assert_eq!(
        browser
            .eval(&format!(
                "return document.querySelector({}) === null",
                json!(format!("{row} .badge"))
            ))
            .await,
        json!(true)
    );
    demo.login(&operator.username, &operator.password).await;

    // The export is the API's file, downloaded and shown.
    browser.click(".languages a[lang=en]").await;
    browser.click("#sections button[data-section=config]").await;
    browser.click("#config-export").await;
    browser
        .wait_text("#config-exported:not([hidden]) a", "talon-config.toml")
        .await;
    let exported = browser
        .eval("return document.getElementById('config-text').textContent")
        .await
        .as_str()
        .expect("the exported text")
        .to_string();
    let file = demo.get("/config", Some(&admin)).await;
    assert_eq!(exported, file.text);
    assert_eq!(
        browser
            .eval("return document.querySelector('#config-exported a').getAttribute('download')")
            .await,
        json!("talon-config.toml")
    );

    // A copy with one more workplace: checked first, changing nothing, then applied.
    let workplaces = |config: &Value| -> Vec<String> {
        config["workplaces"]
            .as_array()
            .expect("workplaces")
            .iter()
            .map(|w| w["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let changed = format!("{exported}\n[[branches.workplaces]]\nname = \"Z9\"\n");
    choose_file(&browser, &changed).await;
    browser
        .wait_text(
            "#config-report:not([hidden]) tr[data-kind=workplaces] td:nth-of-type(1)",
            "Z9",
        )
        .await;
    browser
        .wait_text("#config-report-title", "Nothing has changed yet")
        .await;
    let created = browser
        .eval("return document.querySelector('#config-report tr[data-kind=workplaces] td:nth-of-type(1)').innerText")
        .await;
    assert!(
        created.as_str().unwrap_or_default().starts_with("1"),
        "{created}"
    );
    assert!(
        !workplaces(&configuration(&demo, &admin).await).contains(&"Z9".to_string()),
        "a dry run changes nothing"
    );
    browser.screenshot("admin-config-en").await;
    browser.click("#config-apply:not([hidden])").await;
    browser.wait_text("#config-report-title", "Applied").await;
    browser
        .wait_text("#message:not([hidden])", "has been applied")
        .await;
    assert!(
        workplaces(&configuration(&demo, &admin).await).contains(&"Z9".to_string()),
        "the import created the workplace"
    );
    let after = demo.get("/config", Some(&admin)).await.text;

    // An invalid file: the server's words name the place, and nothing changes.
    let invalid = after.replacen("prefix = \"A\"", "prefix = \"??\"", 1);
    assert_ne!(invalid, after, "the file has service A");
    choose_file(&browser, &invalid).await;
    browser
        .wait_text(
            "#config-error:not([hidden]) #config-error-text",
            "not accepted",
        )
        .await;
    browser
        .wait_text("#config-error-detail", "branches[0].services[")
        .await;
    browser.wait_text("#config-error-detail", "prefix").await;
    assert_eq!(
        browser
            .eval("return [document.getElementById('config-report').hidden, document.getElementById('config-apply').hidden]")
            .await,
        json!([true, true])
    );
    assert_eq!(demo.get("/config", Some(&admin)).await.text, after);
    browser.screenshot("admin-config-invalid-en").await;
    assert_eq!(violations(&browser).await, json!([]));

    // A manager has no configuration file.
    demo.post(
        "/users",
        Some(&admin),
        json!({"username": "manager-c", "password": "manager password", "role": "manager",
               "branch": demo.branch()}),
    )
    .await
    .expect(201);
    browser.click("#logout").await;
    sign_in(&browser, "manager-c", "manager password").await;
    browser
        .wait_text("#section-branch:not([hidden]) h2", "Branch settings")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#sections button[data-section=config]').hidden")
            .await,
        json!(true)
    );
    browser.close().await;
}
