//! The whole configuration as one TOML file, through the real binary: `GET /api/v1/config` and
//! `talon export` write the same text; importing it into an empty installation (through the
//! API, or with `talon import` on the data folder) rebuilds the network so that its export is
//! the same text again; an edited file changes exactly what was edited; a file with any error
//! is refused whole, naming the place, and changes nothing; only the network administrator may
//! export or import.

mod common;

use common::{ClearSettings, Demo, Reply, WAIT, reply};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Output, Stdio};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ROOT_PASSWORD: &str = "root-password-for-tests";

/// Runs `talon <args> --data-dir <dir>` as a separate process.
async fn talon(dir: &Path, args: &[&str]) -> Output {
    base_command(dir)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .await
        .expect("running talon")
}

/// The binary, in `dir`, with none of the caller's settings.
fn base_command(dir: &Path) -> Command {
    let mut talon = std::process::Command::new(env!("CARGO_BIN_EXE_talon"));
    talon
        .current_dir(dir)
        .env_clear_settings()
        .env("TALON_LOG", "warn")
        .env("TALON_PASSWORD", ROOT_PASSWORD);
    Command::from(talon)
}

#[track_caller]
fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "talon failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// A `talon serve` of an empty installation: one administrator, no branch.
struct Fresh {
    url: String,
    token: String,
    client: reqwest::Client,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl Fresh {
    async fn start() -> Fresh {
        let dir = tempfile::tempdir().expect("temp dir");
        let added = talon(
            dir.path(),
            &["user", "add", "--username", "root", "--role", "admin"],
        )
        .await;
        succeeded(&added);
        let mut child = base_command(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting talon serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        tokio::time::timeout(WAIT, stdout.read_line(&mut line))
            .await
            .expect("the server announces itself in time")
            .expect("reading its stdout");
        let url = line
            .trim()
            .strip_prefix("Talon listening on ")
            .unwrap_or_else(|| panic!("not an announcement: {line:?}"))
            .to_string();
        let client = reqwest::Client::builder()
            .timeout(WAIT)
            .build()
            .expect("client");
        let login = reply(
            client
                .post(format!("{url}/api/v1/auth/login"))
                .json(&json!({"username": "root", "password": ROOT_PASSWORD})),
        )
        .await;
        let token = login.expect(200)["token"].as_str().unwrap().to_string();
        Fresh {
            url,
            token,
            client,
            _child: child,
            _dir: dir,
        }
    }

    async fn export(&self) -> String {
        let reply = reply(
            self.client
                .get(format!("{}/api/v1/config", self.url))
                .bearer_auth(&self.token),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.text
    }

    async fn import(&self, text: &str, dry_run: bool) -> Reply {
        reply(
            self.client
                .post(format!("{}/api/v1/config?dry_run={dry_run}", self.url))
                .bearer_auth(&self.token)
                .header("content-type", "application/toml")
                .body(text.to_string()),
        )
        .await
    }

    async fn get(&self, path: &str) -> Value {
        reply(
            self.client
                .get(format!("{}/api/v1{path}", self.url))
                .bearer_auth(&self.token),
        )
        .await
        .expect(200)
        .clone()
    }
}

async fn export(demo: &Demo, token: Option<&str>) -> Reply {
    demo.get("/config", token).await
}

async fn import(demo: &Demo, token: Option<&str>, text: &str, dry_run: bool) -> Reply {
    let request = demo
        .request(Method::POST, &format!("/config?dry_run={dry_run}"), token)
        .header("content-type", "application/toml")
        .body(text.to_string());
    reply(request).await
}

/// The demo's configuration as the administrator exports it.
async fn exported(demo: &Demo, admin: &str) -> String {
    let reply = export(demo, Some(admin)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("application/toml"),
        "{}",
        reply.content_type
    );
    reply.text
}

/// The file with `change` made to it, written out again by the `toml` crate (a layout of its
/// own, as a person's editor or script might write it).
fn edited(text: &str, change: impl FnOnce(&mut toml::Table)) -> String {
    let mut file: toml::Table = toml::from_str(text).expect("the export parses");
    change(&mut file);
    toml::to_string(&file).expect("writes TOML")
}

/// The branch's `n`-th table of a list (`services`, `profiles`, …) in a parsed file.
fn item<'a>(file: &'a mut toml::Table, branch: usize, list: &str, n: usize) -> &'a mut toml::Table {
    file["branches"].as_array_mut().unwrap()[branch]
        .as_table_mut()
        .unwrap()[list]
        .as_array_mut()
        .unwrap()[n]
        .as_table_mut()
        .unwrap()
}

/// The id of the thing in `list` of a branch's configuration whose `field` is `value`.
fn id_in(config: &Value, list: &str, field: &str, value: &str) -> u64 {
    config[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x[field] == value)
        .unwrap_or_else(|| panic!("no {list} with {field} {value} in {config}"))["id"]
        .as_u64()
        .unwrap()
}

/// Gives the demo what its plain configuration lacks: a profile with category filters, a ratio
/// and a variant, a category only that profile may call, service hours, and a second branch.
async fn enrich(demo: &Demo, token: &str) {
    let b = demo.branch();
    let admin = Some(token);
    let priority = demo
        .post(
            &format!("/branches/{b}/profiles"),
            admin,
            json!({"name": "Priority desk", "policy": "weighted",
                   "entries": [
                       {"service": demo.service("B"), "categories": {"only": [demo.category("VIP")]},
                        "weight": 2, "max_wait_secs": 600},
                       {"service": demo.service("B"), "categories": "regular"}],
                   "ratio": [{"entries": [0], "count": 2}, {"entries": [1], "count": 1}],
                   "variants": [{"days": ["sat"], "hours": "10:00-14:00", "policy": "strict_order",
                                 "entries": [{"service": demo.service("D")}]}],
                   "auto_call": true, "no_show_after_recalls": 2}),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    demo.put(
        &format!("/branches/{b}/categories/{}", demo.category("Pensioner")),
        admin,
        json!({"names": {"en": "Pensioner", "ru": "Пенсионер", "de": "Rentner"}, "weight": 2,
               "waiting_norm_secs": 600, "profiles": [priority]}),
    )
    .await
    .expect(200);
    demo.put(
        &format!("/branches/{b}/services/{}", demo.service("D")),
        admin,
        json!({"names": {"en": "Consultation", "ru": "Консультация", "de": "Beratung"},
               "prefix": "D", "daily_limit": 40,
               "hours": {"mon": ["09:00-13:00", "14:00-18:00"], "sat": ["10:00-14:00"]}}),
    )
    .await
    .expect(200);
    demo.second_branch(token).await;
}

#[tokio::test]
async fn the_exported_file_rebuilds_the_network_in_an_empty_installation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    enrich(&demo, &admin).await;
    let text = exported(&demo, &admin).await;

    // Readable keys, no ids, and nothing that is not configuration.
    assert!(text.starts_with("# Talon configuration"), "{text}");
    for expected in [
        "name = \"Talon Demo\"",
        "prefix = \"A\"",
        "only = [\"VIP\"]",
        "profiles = [\"Priority desk\"]",
        "service = \"D\"",
        "name = \"B\"",
        "time_zone = \"Asia/Tokyo\"",
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }
    assert!(!text.contains("id ="), "an internal id in\n{text}");
    let mut secrets = vec![
        demo.facts.admin.password.clone(),
        demo.kiosk().to_string(),
        demo.display().to_string(),
        "b-password".to_string(),
    ];
    secrets.extend(demo.facts.operators.iter().map(|o| o.password.clone()));
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "a secret in the file");
    }
    assert_eq!(
        exported(&demo, &admin).await,
        text,
        "the same configuration gives the same text"
    );

    // Into an empty installation through the API: a dry run changes nothing, the import
    // rebuilds every branch, and importing again changes nothing more.
    let fresh = Fresh::start().await;
    let empty = fresh.export().await;
    assert!(!empty.contains("[[branches]]"), "{empty}");
    let dry = fresh.import(&text, true).await;
    let report = dry.expect(200).clone();
    assert_eq!(report["applied"], false, "{report}");
    let demo_report = &report["branches"][1];
    assert_eq!(demo_report["name"], "Talon Demo", "{report}");
    assert_eq!(demo_report["settings"], "created");
    assert_eq!(demo_report["id"], Value::Null);
    assert_eq!(
        demo_report["created"]["profiles"],
        json!([
            "All services",
            "Loans and cards",
            "Payments first",
            "Priority desk"
        ])
    );
    assert_eq!(fresh.export().await, empty, "a dry run changed something");

    let imported = fresh.import(&text, false).await;
    let report = imported.expect(200).clone();
    assert_eq!(report["applied"], true, "{report}");
    assert_eq!(fresh.export().await, text, "export, import, export differ");

    // The references point at the new installation's own ids.
    let new_id = report["branches"][1]["id"]
        .as_u64()
        .expect("the new branch's id");
    let config = fresh.get(&format!("/branches/{new_id}")).await;
    let priority = config["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Priority desk")
        .unwrap();
    let vip = config["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["names"]["en"] == "VIP")
        .unwrap()["id"]
        .clone();
    assert_eq!(
        priority["entries"][0]["service"],
        id_in(&config, "services", "prefix", "B")
    );
    assert_eq!(priority["entries"][0]["categories"]["only"], json!([vip]));
    assert_eq!(
        priority["variants"][0]["entries"][0]["service"],
        id_in(&config, "services", "prefix", "D")
    );
    let pensioner = config["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["names"]["en"] == "Pensioner")
        .unwrap();
    assert_eq!(pensioner["profiles"], json!([priority["id"]]));

    let again = fresh.import(&text, false).await;
    for branch in again.expect(200)["branches"].as_array().unwrap() {
        assert_eq!(branch["settings"], "unchanged", "{branch}");
        assert_eq!(
            branch["created"],
            json!({"services": [], "categories": [], "profiles": [], "workplaces": []})
        );
        assert_eq!(branch["updated"], branch["created"], "{branch}");
    }
    assert_eq!(fresh.export().await, text);

    // The command line, on the data folders, with no server running: the same text out, and
    // the same network rebuilt from it.
    demo.kill().await;
    assert_eq!(succeeded(&talon(dir.path(), &["export"]).await), text);
    let file = dir.path().join("network.toml");
    succeeded(&talon(dir.path(), &["export", "--output", file.to_str().unwrap()]).await);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    let target = tempfile::tempdir().expect("temp dir");
    let dry = succeeded(
        &talon(
            target.path(),
            &["import", file.to_str().unwrap(), "--dry-run"],
        )
        .await,
    );
    assert!(
        dry.contains("branch \"Talon Demo\" (new): created"),
        "{dry}"
    );
    assert!(dry.contains("nothing was changed"), "{dry}");
    assert!(
        !succeeded(&talon(target.path(), &["export"]).await).contains("[[branches]]"),
        "a dry run changed something"
    );
    let done = succeeded(&talon(target.path(), &["import", file.to_str().unwrap()]).await);
    assert!(done.contains("imported 2 branches"), "{done}");
    assert_eq!(succeeded(&talon(target.path(), &["export"]).await), text);
}

#[tokio::test]
async fn an_edited_file_changes_exactly_what_was_edited() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let b = demo.branch();
    let text = exported(&demo, &admin).await;
    let before = demo
        .get(&format!("/branches/{b}"), Some(&admin))
        .await
        .expect(200)
        .clone();

    // Service A renamed, profile "Payments first" (the third by name) serving C too in the
    // order of longest waiting, and a seventh workplace.
    let changed = edited(&text, |file| {
        let a = item(file, 0, "services", 0);
        assert_eq!(a["prefix"].as_str(), Some("A"));
        a["names"]["en"] = "Bill payments".into();
        let profile = item(file, 0, "profiles", 2);
        assert_eq!(profile["name"].as_str(), Some("Payments first"));
        profile["policy"] = "longest_waiting".into();
        let mut entry = toml::Table::new();
        entry.insert("service".into(), "C".into());
        profile["entries"]
            .as_array_mut()
            .unwrap()
            .push(entry.into());
        let mut workplace = toml::Table::new();
        workplace.insert("name".into(), "7".into());
        file["branches"][0]["workplaces"]
            .as_array_mut()
            .unwrap()
            .push(workplace.into());
    });
    let report = import(&demo, Some(&admin), &changed, false).await;
    let report = report.expect(200).clone();
    let branch = &report["branches"][0];
    assert_eq!(branch["id"], b, "{report}");
    assert_eq!(branch["settings"], "unchanged");
    assert_eq!(
        branch["created"],
        json!({"services": [], "categories": [], "profiles": [], "workplaces": ["7"]})
    );
    assert_eq!(
        branch["updated"],
        json!({"services": ["A"], "categories": [], "profiles": ["Payments first"],
               "workplaces": []})
    );
    // 3 services, 2 categories, 2 profiles and 6 workplaces as they were.
    assert_eq!(branch["unchanged"], 13);

    let after = demo
        .get(&format!("/branches/{b}"), Some(&admin))
        .await
        .expect(200)
        .clone();
    let mut expected = before.clone();
    let a = demo.service("A");
    let services = expected["services"].as_array_mut().unwrap();
    let service_a = services.iter_mut().find(|s| s["id"] == a).unwrap();
    service_a["names"]["en"] = json!("Bill payments");
    let payments_first = demo.profile("Payments first");
    let profile = expected["profiles"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["id"] == payments_first)
        .unwrap();
    profile["policy"] = json!("longest_waiting");
    let added_entry = after["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == payments_first)
        .unwrap()["entries"][2]
        .clone();
    assert_eq!(added_entry["service"], demo.service("C"), "{added_entry}");
    assert_eq!(added_entry["categories"], "any");
    assert_eq!(added_entry["weight"], 1);
    profile["entries"].as_array_mut().unwrap().push(added_entry);
    let seventh = id_in(&after, "workplaces", "name", "7");
    expected["workplaces"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": seventh, "name": "7"}));
    assert_eq!(after, expected, "the import changed more than the edit");

    // The new workplace works like any other.
    let operator = demo.operator(0).await;
    demo.open_workplace(&operator, seventh, demo.all_services())
        .await;
    // And the file now exports with the edits in it, in the export's own layout.
    let now = exported(&demo, &admin).await;
    assert!(now.contains("en = \"Bill payments\""), "{now}");
    assert_eq!(
        import(&demo, Some(&admin), &now, false).await.expect(200)["branches"][0]["unchanged"],
        16
    );
}

#[tokio::test]
async fn an_invalid_file_is_refused_whole_naming_the_place_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let text = exported(&demo, &admin).await;
    let branches = demo
        .get("/branches", Some(&admin))
        .await
        .expect(200)
        .clone();

    // A change that alone would be fine, made in every file below: nothing of it may apply.
    let with_fine_change = |file: &mut toml::Table| {
        item(file, 0, "services", 0)["names"]["en"] = "Bill payments".into();
    };
    let mut second_branch = toml::Table::new();
    second_branch.insert("name".into(), "Second".into());
    second_branch.insert("time_zone".into(), "UTC".into());
    second_branch.insert("languages".into(), vec!["en"].into());
    let cases: Vec<(&str, String, &str, Vec<&str>)> = vec![
        (
            "an unknown prefix in a profile",
            edited(&text, |file| {
                with_fine_change(file);
                item(file, 0, "profiles", 2)["entries"][1]["service"] = "Q".into();
            }),
            "branches[0].profiles[2].entries[1].service",
            vec!["branch \"Talon Demo\", profile \"Payments first\"", "\"Q\""],
        ),
        (
            "a bad time zone",
            edited(&text, |file| {
                with_fine_change(file);
                file["branches"][0]["time_zone"] = "Mars/Olympus".into();
            }),
            "branches[0]",
            vec!["branch \"Talon Demo\"", "Mars/Olympus"],
        ),
        (
            "a duplicate prefix",
            edited(&text, |file| {
                with_fine_change(file);
                item(file, 0, "services", 1)["prefix"] = "A".into();
            }),
            "branches[0].services[1]",
            vec!["service \"A\"", "listed twice", "branches[0].services[0]"],
        ),
        (
            "a misspelt field",
            edited(&text, |file| {
                with_fine_change(file);
                item(file, 0, "services", 2).insert("daily_limt".into(), 5.into());
            }),
            "branches[0].services[2].daily_limt",
            vec!["service \"C\"", "unknown field"],
        ),
        (
            "a rule only the engine knows: a ratio step naming a missing entry",
            edited(&text, |file| {
                with_fine_change(file);
                let mut step = toml::Table::new();
                step.insert("entries".into(), vec![5].into());
                step.insert("count".into(), 1.into());
                item(file, 0, "profiles", 0).insert("ratio".into(), vec![step].into());
            }),
            "branches[0].profiles[0].ratio",
            vec!["profile \"All services\"", "ratio"],
        ),
        (
            "a new branch whose profile names a service it does not have",
            edited(&text, |file| {
                with_fine_change(file);
                let mut branch = second_branch.clone();
                let mut profile = toml::Table::new();
                profile.insert("name".into(), "Everything".into());
                profile.insert("policy".into(), "longest_waiting".into());
                let mut entry = toml::Table::new();
                entry.insert("service".into(), "A".into());
                profile.insert("entries".into(), vec![entry].into());
                branch.insert("profiles".into(), vec![profile].into());
                file["branches"].as_array_mut().unwrap().push(branch.into());
            }),
            "branches[1].profiles[0].entries[0].service",
            vec!["branch \"Second\", profile \"Everything\"", "\"A\""],
        ),
    ];
    for (what, file, field, words) in &cases {
        for dry_run in [true, false] {
            let reply = import(&demo, Some(&admin), file, dry_run).await;
            reply.expect_error(422, "import_invalid");
            let message = reply.body["error"]["message"].as_str().unwrap();
            for word in words {
                assert!(
                    message.contains(word),
                    "{what}: {word:?} not in {message:?}"
                );
            }
            assert_eq!(reply.body["error"]["field"], *field, "{what}: {message}");
            assert_eq!(
                exported(&demo, &admin).await,
                text,
                "{what}: a refused import changed something"
            );
        }
    }
    let broken = format!("{text}\n[[branches.services]\nprefix = \"Z\"\n");
    let reply = import(&demo, Some(&admin), &broken, false).await;
    reply.expect_error(422, "import_invalid");
    let line = text.lines().count() + 2;
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("not valid TOML at line {line}, column")),
        "{message}"
    );
    let not_text = demo
        .request(Method::POST, "/config", Some(&admin))
        .body(vec![b'#', 0xff, 0xfe, b'\n']);
    common::reply(not_text)
        .await
        .expect_error(422, "import_invalid");
    assert_eq!(exported(&demo, &admin).await, text);
    assert_eq!(
        demo.get("/branches", Some(&admin)).await.expect(200),
        &branches,
        "a branch was created"
    );

    // The command line refuses the same way, with the place on its standard error.
    demo.kill().await;
    let file = dir.path().join("invalid.toml");
    std::fs::write(&file, &cases[0].1).unwrap();
    let refused = talon(dir.path(), &["import", file.to_str().unwrap()]).await;
    assert!(!refused.status.success(), "an invalid file was imported");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("branch \"Talon Demo\", profile \"Payments first\" (branches[0].profiles[2].entries[1].service)"),
        "{stderr}"
    );
    assert_eq!(succeeded(&talon(dir.path(), &["export"]).await), text);
}

#[tokio::test]
async fn only_the_network_administrator_exports_or_imports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    demo.post(
        "/users",
        Some(&admin),
        json!({"username": "head", "password": "long enough", "role": "manager",
               "branch": demo.branch()}),
    )
    .await
    .expect(201);
    let manager = demo.login("head", "long enough").await;
    let operator = demo.operator(0).await;
    let text = exported(&demo, &admin).await;
    let renamed = text.replace("en = \"Payments\"", "en = \"Bill payments\"");
    assert_ne!(renamed, text);
    for token in [&manager, &operator, demo.kiosk(), demo.display()] {
        export(&demo, Some(token))
            .await
            .expect_error(403, "forbidden");
        import(&demo, Some(token), &renamed, false)
            .await
            .expect_error(403, "forbidden");
    }
    export(&demo, None).await.expect_error(401, "unauthorized");
    import(&demo, None, &renamed, false)
        .await
        .expect_error(401, "unauthorized");
    assert_eq!(exported(&demo, &admin).await, text);

    // The file of a large network is far above the API's usual limit on bodies, and still
    // has one.
    let large = format!("{text}\n{}", "# padding\n".repeat(50_000));
    let checked = import(&demo, Some(&admin), &large, true).await;
    assert_eq!(checked.expect(200)["applied"], false);
    // Just above the limit, as the rest of the API's limit is tested.
    let huge = format!("{text}\n{}", "# padding\n".repeat(424_000));
    assert!(huge.len() > 4 * 1024 * 1024);
    import(&demo, Some(&admin), &huge, true)
        .await
        .expect_error(413, "payload_too_large");
}
