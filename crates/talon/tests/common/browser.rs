//! A real, headless Chromium for end-to-end tests, driven over WebDriver: starts `chromedriver`
//! on a free port, opens one session with the system's `/usr/bin/chromium` (never a downloaded
//! browser) in a fresh profile, and offers a few helpers on top of [`fantoccini::Client`].
//!
//! Nothing here sleeps to synchronise: startup polls chromedriver's `/status` until it answers,
//! and [`Browser::wait_text`] waits on fantoccini's wait API and on DOM mutations, each bounded
//! by [`BROWSER_WAIT`] so a broken page fails the test instead of hanging it.

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::process::{Child, Command};

/// The longest a single browser wait (startup, a text to appear) may take.
pub const BROWSER_WAIT: Duration = Duration::from_secs(20);

/// How often startup asks chromedriver whether it is up yet.
const POLL: Duration = Duration::from_millis(50);

const CHROMEDRIVER: &str = "chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Where [`Browser::screenshot`] saves its PNGs: the repository's own `target/screenshots`,
/// whatever `CARGO_TARGET_DIR` says.
pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/screenshots"
    ))
}

/// A chromedriver child with one open Chromium session. The chromedriver process group
/// (chromedriver and the Chromium it started) is killed when dropped; [`Browser::close`] ends
/// the session cleanly first.
pub struct Browser {
    client: Client,
    driver: Child,
    /// The Chromium profile and chromedriver's log; removed after the processes are gone.
    profile: TempDir,
}

impl Browser {
    /// Starts a browser whose preferred language is English.
    pub async fn start() -> Browser {
        Browser::start_in("en").await
    }

    /// Starts a browser whose UI language and `Accept-Language` are `lang` (e.g. `de`, `ru`).
    pub async fn start_in(lang: &str) -> Browser {
        let profile = tempfile::tempdir().expect("a temporary browser profile");
        let log = profile.path().join("chromedriver.log");
        let port = free_port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so Drop can take the Chromium it starts down with it.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("starting {CHROMEDRIVER} (apt-get install chromium chromium-driver): {e}")
            });
        let webdriver = format!("http://127.0.0.1:{port}");
        wait_until_ready(&mut driver, &webdriver, &log).await;

        let user_data = profile.path().join("chromium");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--no-first-run".to_string(),
            "--disable-sync".to_string(),
            format!("--user-data-dir={}", user_data.display()),
            "--window-size=1920,1080".to_string(),
            "--autoplay-policy=no-user-gesture-required".to_string(),
            format!("--lang={lang}"),
        ];
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": args,
                "prefs": { "intl.accept_languages": lang },
            }),
        );
        let connecting = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await;
        let client = match connecting {
            Ok(client) => client,
            Err(e) => panic!(
                "opening a Chromium session: {e}\n--- chromedriver log ---\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
        };
        Browser {
            client,
            driver,
            profile,
        }
    }

    /// The WebDriver client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and returns once the page has loaded.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// Waits until an element matching `css` exists and one such element's text contains
    /// `expected`. Fails the test after [`BROWSER_WAIT`], naming what the elements said.
    pub async fn wait_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + BROWSER_WAIT;
        self.client
            .wait()
            .at_most(BROWSER_WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for an element {css:?}: {e}"));
        // The element is there; its text may still be on its way (a script, a live update).
        // Watch the DOM's mutations instead of polling it, within what is left of the wait.
        let left = deadline.saturating_duration_since(Instant::now());
        let script = r#"
            const [css, expected, ms, done] = arguments;
            const texts = () => Array.from(document.querySelectorAll(css), e => e.innerText ?? e.textContent);
            const found = () => texts().some(t => (t ?? '').includes(expected));
            if (found()) { done({ found: true }); return; }
            const observer = new MutationObserver(() => {
                if (found()) { observer.disconnect(); clearTimeout(timer); done({ found: true }); }
            });
            const timer = setTimeout(() => {
                observer.disconnect();
                done({ found: false, texts: texts() });
            }, ms);
            observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
        "#;
        let mut left = left;
        let result = loop {
            let watched = self
                .client
                .execute_async(
                    script,
                    vec![json!(css), json!(expected), json!(left.as_millis() as u64)],
                )
                .await;
            match watched {
                Ok(result) => break result,
                // The page was replaced while it was watched (a language switch, a form's
                // answer, a redirect): watch the new one with what is left of the wait.
                Err(e) => {
                    left = deadline.saturating_duration_since(Instant::now());
                    assert!(!left.is_zero(), "waiting for {expected:?} in {css:?}: {e}");
                    self.client
                        .wait()
                        .at_most(left)
                        .for_element(Locator::Css(css))
                        .await
                        .unwrap_or_else(|e| panic!("waiting for an element {css:?}: {e}"));
                }
            }
        };
        assert_eq!(
            result["found"],
            json!(true),
            "no {css:?} contained {expected:?} within {BROWSER_WAIT:?}; they said {}",
            result["texts"]
        );
    }

    /// Clicks the element once it is there and enabled: a page enables a button only when its
    /// action is possible, after the state it depends on has arrived.
    pub async fn click(&self, css: &str) {
        let enabled = format!("{css}:not(:disabled)");
        let element = self
            .client
            .wait()
            .at_most(BROWSER_WAIT)
            .for_element(Locator::Css(&enabled))
            .await
            .unwrap_or_else(|e| panic!("no enabled {css} to click: {e}"));
        self.wait_visible(&enabled).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}; the browser's log: {}", self.log()));
    }

    /// Waits until the first element matching `css` is rendered and visible (a dialog that is
    /// opening, a section being shown), checking once per animation frame.
    async fn wait_visible(&self, css: &str) {
        let script = r#"
            const [css, ms, done] = arguments;
            const until = performance.now() + ms;
            const look = () => {
                const found = document.querySelector(css);
                // An option has no box of its own: its list is what must show.
                const element = found && found.tagName === "OPTION" ? found.closest("select") : found;
                if (element && element.checkVisibility({ visibilityProperty: true, opacityProperty: true })) {
                    done(true);
                } else if (performance.now() > until) {
                    done(false);
                } else {
                    requestAnimationFrame(look);
                }
            };
            look();
        "#;
        let visible = self
            .client
            .execute_async(
                script,
                vec![json!(css), json!(BROWSER_WAIT.as_millis() as u64)],
            )
            .await
            .unwrap_or_else(|e| panic!("waiting for {css} to show: {e}"));
        assert_eq!(visible, json!(true), "{css} never became visible");
    }

    /// Types `text` into the input matching `css`, replacing what it held. Waits until the
    /// input shows, as a click does: a form in the page from the start may still be hidden
    /// (the sign-in form while signing out ends the session), and a hidden input takes no keys.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self
            .client
            .wait()
            .at_most(BROWSER_WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} to fill: {e}"));
        self.wait_visible(css).await;
        input.clear().await.expect("clearing the input");
        input.send_keys(text).await.expect("typing");
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn choose(&self, css: &str, value: u64) {
        self.click(&format!("{css} option[value='{value}']")).await;
    }

    /// Runs `js` as the body of a function in the page and returns what it `return`s, as JSON
    /// (`Null` when it returns nothing).
    pub async fn eval(&self, js: &str) -> Value {
        self.client
            .execute(js, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("running {js:?}: {e}"))
    }

    /// Saves what the window shows as `target/screenshots/<name>.png` in the repository and
    /// returns the file's path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("taking screenshot {name}: {e}"));
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }

    /// Ends the session (Chromium quits) and stops chromedriver.
    pub async fn close(mut self) {
        self.client
            .clone()
            .close()
            .await
            .expect("closing the browser session");
        self.driver.kill().await.expect("stopping chromedriver");
    }

    /// chromedriver's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.profile.path().join("chromedriver.log")).unwrap_or_default()
    }
}

impl Drop for Browser {
    /// Takes the whole process group down, so a failed test leaves no Chromium behind.
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id() {
            // SAFETY: a plain signal to the process group this Browser started and owns.
            unsafe {
                libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
            }
        }
    }
}

/// A port nobody listens on right now: bound by the OS, then released for chromedriver.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("a local address").port()
}

/// Polls chromedriver's `/status` until it says it is ready, failing if it exits or takes
/// longer than [`BROWSER_WAIT`].
async fn wait_until_ready(driver: &mut Child, webdriver: &str, log: &std::path::Path) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client");
    let deadline = Instant::now() + BROWSER_WAIT;
    let status = format!("{webdriver}/status");
    loop {
        if let Some(exit) = driver.try_wait().expect("checking on chromedriver") {
            panic!(
                "chromedriver exited with {exit} before it was ready\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if let Ok(answer) = http.get(&status).send().await
            && let Ok(body) = answer.json::<Value>().await
            && body["value"]["ready"] == json!(true)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer {status} within {BROWSER_WAIT:?}\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(POLL).await;
    }
}
