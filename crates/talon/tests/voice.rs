//! Announcements: the text of a call in each of the branch's languages from its templates, and
//! the same text as WAV audio from the local text-to-speech program; without that program the
//! server says so clearly and the text still works, for the browser's own speech synthesis.

mod common;

use common::Demo;
use serde_json::json;

/// Whether espeak-ng is installed here. CI installs it, so there it must be.
fn espeak_installed() -> bool {
    let found = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI installs espeak-ng (.ci/run); it is missing"
    );
    found
}

#[tokio::test]
async fn a_call_is_announced_in_each_language_as_text_and_audio() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let b = demo.branch();
    let display = Some(demo.display());
    let text = |language: &str| {
        format!("/branches/{b}/announcement?ticket=A017&workplace=3&language={language}")
    };
    for (language, expected) in [
        ("ru", "Талон А семнадцать, окно три"),
        ("en", "Ticket A seventeen, counter three"),
        ("de", "Nummer A siebzehn, Schalter drei"),
    ] {
        let spoken = demo.get(&text(language), display).await.expect(200).clone();
        assert_eq!(spoken, json!({"language": language, "text": expected}));
    }
    // Without a language, the branch's first (Russian in the demo).
    let default = demo
        .get(
            &format!("/branches/{b}/announcement?ticket=B002&workplace=5"),
            display,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(default["text"], "Талон Бэ два, окно пять");

    // The branch's own template for English.
    let admin = demo.admin().await;
    let mut settings = demo
        .get(&format!("/branches/{b}"), Some(&admin))
        .await
        .expect(200)["settings"]
        .clone();
    settings["announcements"] = json!({"en": "Now serving {ticket} at desk {workplace}"});
    demo.put(&format!("/branches/{b}"), Some(&admin), settings.clone())
        .await
        .expect(200);
    let custom = demo.get(&text("en"), display).await.expect(200).clone();
    assert_eq!(custom["text"], "Now serving A seventeen at desk three");
    settings["announcements"] = json!({"en": "Counter {workplace} please"});
    demo.put(&format!("/branches/{b}"), Some(&admin), settings)
        .await
        .expect_error(422, "validation_failed");

    for bad in [
        format!("/branches/{b}/announcement?ticket=A%3B1&workplace=3"),
        format!("/branches/{b}/announcement?ticket=A1&workplace=3&language=fr"),
        format!("/branches/{b}/announcement?workplace=3"),
    ] {
        let reply = demo.get(&bad, display).await;
        assert!(
            matches!(reply.status.as_u16(), 400 | 422),
            "{bad}: {}",
            reply.text
        );
    }

    if !espeak_installed() {
        return;
    }
    let token = demo.display().to_string();
    let mut sizes = Vec::new();
    for language in ["ru", "en", "de"] {
        // An <audio> element cannot send headers: the token comes in the query.
        let url = demo.api(&format!(
            "/branches/{b}/announcement.wav?ticket=A017&workplace=3&language={language}&access_token={token}"
        ));
        let response = demo.client.get(&url).send().await.expect("request");
        assert_eq!(response.status().as_u16(), 200, "{language}");
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "audio/wav"
        );
        let wav = response.bytes().await.expect("body");
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
        let declared = u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]) as usize;
        assert!(
            declared + 8 == wav.len() || declared == 0x7fff_ffff,
            "RIFF size {declared}"
        );
        assert!(
            wav.len() > 10_000,
            "about a second of speech, not {} bytes",
            wav.len()
        );
        sizes.push(wav.len());
    }
    assert!(
        sizes[0] != sizes[1] || sizes[1] != sizes[2],
        "three languages, three recordings"
    );
    // The query token is for audio and streams only.
    let text_by_query = demo
        .client
        .get(demo.api(&format!("{}&access_token={token}", text("ru"))))
        .send()
        .await
        .expect("request");
    assert_eq!(text_by_query.status().as_u16(), 401);
}

#[tokio::test]
async fn without_a_voice_the_server_says_so_and_the_text_still_works() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn_with(
        dir.path(),
        &[("TALON_TTS_COMMAND", "/nonexistent/talon-tts")],
    )
    .await;
    let b = demo.branch();
    let display = Some(demo.display());
    demo.get(
        &format!("/branches/{b}/announcement.wav?ticket=A1&workplace=1"),
        display,
    )
    .await
    .expect_error(503, "tts_unavailable");
    let spoken = demo
        .get(
            &format!("/branches/{b}/announcement?ticket=A1&workplace=1&language=de"),
            display,
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(spoken["text"], "Nummer A eins, Schalter eins");
}

/// A text-to-speech program that takes its time, as a slow or stuck one would.
fn slow_voice(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("slow-voice");
    std::fs::write(&path, "#!/bin/sh\nsleep 4\nexit 1\n").expect("the program");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("executable");
    path
}

/// At most two renderings run at once; a third that cannot start within two seconds is told
/// the voice is busy, so a burst of new texts cannot pile up processes.
#[tokio::test]
async fn renderings_beyond_two_at_once_are_refused_as_busy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let voice = slow_voice(dir.path());
    let demo = Demo::spawn_with(
        dir.path(),
        &[("TALON_TTS_COMMAND", voice.to_str().unwrap())],
    )
    .await;
    let b = demo.branch();
    let display = demo.display().to_string();
    let mut requests = tokio::task::JoinSet::new();
    for n in 1..=3 {
        let request = demo.request(
            reqwest::Method::GET,
            &format!("/branches/{b}/announcement.wav?ticket=A00{n}&workplace=1"),
            Some(&display),
        );
        requests.spawn(common::reply(request));
    }
    let mut codes = Vec::new();
    while let Some(answer) = requests.join_next().await {
        let answer = answer.unwrap();
        assert_eq!(answer.status, 503, "{}", answer.text);
        codes.push(answer.error_code().unwrap().to_string());
    }
    codes.sort();
    assert_eq!(codes, ["tts_busy", "tts_failed", "tts_failed"], "{codes:?}");
}
