//! Printing at the kiosk: a kiosk with a receipt printer gets every ticket it issues printed as
//! ESC/POS on that printer (here a local TCP listener that records the bytes, decoded below),
//! with the number, the service in the visitor's language, a QR code of the ticket's page and a
//! cut. A printer that is off never costs the ticket. The QR code leads to a readable page.

mod common;

use common::Demo;
use serde_json::{Value, json};
use talon_server::escpos::decode;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// A kiosk of the demo branch with a printer at `address`; returns its token.
async fn kiosk_with_printer(demo: &Demo, address: &str, code_page: &str) -> String {
    let admin = demo.admin().await;
    let device = demo
        .post(
            &format!("/branches/{}/devices", demo.branch()),
            Some(&admin),
            json!({"role": "kiosk", "name": "Kiosk with printer",
                   "printer": {"address": address, "code_page": code_page, "paper_mm": 58}}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(device["printer"]["address"], address);
    device["token"].as_str().expect("token").to_string()
}

async fn issue(demo: &Demo, kiosk: &str, service: u64, language: &str) -> Value {
    demo.post(
        &format!("/branches/{}/tickets", demo.branch()),
        Some(kiosk),
        json!({"service": service, "language": language}),
    )
    .await
    .expect(201)
    .clone()
}

#[tokio::test]
async fn a_kiosk_prints_the_ticket_on_its_printer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let printer = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = printer.local_addr().expect("addr").to_string();
    let kiosk = kiosk_with_printer(&demo, &address, "pc866").await;

    let received = tokio::spawn(async move {
        let (mut socket, _) = printer.accept().await.expect("the kiosk's print job");
        let mut bytes = Vec::new();
        socket
            .read_to_end(&mut bytes)
            .await
            .expect("the job's bytes");
        bytes
    });
    let ticket = issue(&demo, &kiosk, demo.service("A"), "ru").await;
    assert_eq!(ticket["printed"], true);
    let bytes = received.await.expect("printer task");
    let printed = decode(&bytes).expect("the job is ESC/POS Talon can read back");

    let number = ticket["number"].as_str().expect("number");
    let number_line = printed
        .lines
        .iter()
        .find(|l| l.text.contains(number))
        .expect("the number is printed");
    assert!(
        number_line.double && number_line.bold,
        "the number is large"
    );
    let all: String = printed
        .lines
        .iter()
        .map(|l| format!("{}\n", l.text))
        .collect();
    assert!(all.contains("Платежи"), "the service in Russian: {all}");
    assert!(all.contains("Перед вами"), "{all}");
    let token = ticket["token"].as_str().expect("token");
    let qr = printed.qr.expect("a QR code");
    assert!(qr.ends_with(&format!("/t/{token}")), "{qr}");
    assert!(printed.cut);
    // Cyrillic went to the printer in its code page, not as UTF-8.
    assert!(
        !bytes.windows(2).any(|w| w == "П".as_bytes()),
        "no UTF-8 on the wire"
    );

    // The QR code's page shows the ticket in Russian, without internal data.
    let page = demo
        .client
        .get(format!("{}/t/{token}", demo.url))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains(number) && html.contains("Ожидайте вызова"),
        "{html}"
    );
    let missing = demo
        .client
        .get(format!("{}/t/{}", demo.url, "0".repeat(32)))
        .send()
        .await
        .expect("page");
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn a_printer_that_is_off_never_costs_the_ticket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr").to_string()
    };
    let kiosk = kiosk_with_printer(&demo, &closed, "wpc1251").await;
    let ticket = issue(&demo, &kiosk, demo.service("B"), "de").await;
    assert_eq!(ticket["printed"], false);
    assert_eq!(ticket["status"], "waiting");
    let token = ticket["token"].as_str().expect("token");
    demo.public(token).await.expect(200);

    // A printer belongs to a kiosk, and its address must be usable.
    let admin = demo.admin().await;
    for (role, printer) in [
        ("display", json!({"address": "127.0.0.1:9100"})),
        ("kiosk", json!({"address": "no-port"})),
        (
            "kiosk",
            json!({"address": "127.0.0.1:9100", "paper_mm": 60}),
        ),
    ] {
        demo.post(
            &format!("/branches/{}/devices", demo.branch()),
            Some(&admin),
            json!({"role": role, "name": "X", "printer": printer}),
        )
        .await
        .expect_error(422, "validation_failed");
    }
}

#[tokio::test]
async fn the_branchs_own_lines_open_and_close_a_ticket_in_its_language() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let branch = format!("/branches/{}", demo.branch());
    let mut settings = demo.get(&branch, Some(&admin)).await.expect(200)["settings"].clone();
    settings["ticket_texts"] = json!({
        "ru": {"header": "Банк «Талон»", "footer": "Спасибо, что дождались!"},
        "en": {"footer": "Thank you for waiting <3"},
    });
    demo.put(&branch, Some(&admin), settings.clone())
        .await
        .expect(200);
    // A line must be printable: no control characters, which could drive the printer.
    settings["ticket_texts"]["de"] = json!({"header": "Bank\u{1b}@"});
    let refused = demo.put(&branch, Some(&admin), settings).await;
    refused.expect_error(422, "validation_failed");
    assert_eq!(refused.body["error"]["field"], "ticket_texts.de.header");

    let printer = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = printer.local_addr().expect("addr").to_string();
    let kiosk = kiosk_with_printer(&demo, &address, "wpc1251").await;
    let mut texts = Vec::new();
    for language in ["ru", "de"] {
        // The server answers once the printer has the job: take it while the ticket is issued.
        let (bytes, ticket) = tokio::join!(
            async {
                let (mut socket, _) = printer.accept().await.expect("the kiosk's print job");
                let mut bytes = Vec::new();
                socket
                    .read_to_end(&mut bytes)
                    .await
                    .expect("the job's bytes");
                bytes
            },
            issue(&demo, &kiosk, demo.service("A"), language),
        );
        assert_eq!(ticket["printed"], true);
        let printed = decode(&bytes).expect("ESC/POS");
        let lines: Vec<String> = printed.texts().into_iter().map(str::to_string).collect();
        texts.push((ticket, lines));
    }
    let (ru_ticket, ru) = &texts[0];
    assert_eq!(
        ru.first().map(String::as_str),
        Some("Банк \"Талон\""),
        "{ru:?}"
    );
    assert_eq!(ru[1], "Talon Demo", "the branch's name follows: {ru:?}");
    assert_eq!(
        ru.last().map(String::as_str),
        Some("Спасибо, что дождались!"),
        "{ru:?}"
    );
    assert!(
        ru.iter().any(|l| l == "Следите за очередью на телефоне"),
        "Talon's own line stays: {ru:?}"
    );
    let (_, de) = &texts[1];
    assert_eq!(de[0], "Talon Demo", "no German header: {de:?}");
    assert!(
        !de.iter()
            .any(|l| l.contains("Talon\"") || l.contains("Спасибо")),
        "another language's lines are not printed: {de:?}"
    );

    // The browser's printable layout has the same lines, escaped.
    let token = ru_ticket["token"].as_str().expect("token");
    let html = demo
        .client
        .get(demo.at(&format!("/t/{token}/print?paper=58")))
        .send()
        .await
        .expect("print page")
        .text()
        .await
        .expect("html");
    let header = html
        .find("Банк «Талон»")
        .expect("the header is on the page");
    let branch_name = html.find("Talon Demo").expect("the branch");
    let footer = html.find("Спасибо, что дождались!").expect("the footer");
    assert!(header < branch_name && branch_name < footer, "{html}");
    let en = issue(&demo, demo.kiosk(), demo.service("A"), "en").await;
    let html = demo
        .client
        .get(demo.at(&format!("/t/{}/print", en["token"].as_str().unwrap())))
        .send()
        .await
        .expect("print page")
        .text()
        .await
        .expect("html");
    // The branch's own text is shown as text: its `<` escaped, never markup.
    assert!(
        html.contains("Thank you for waiting &#60;3") && !html.contains("waiting <3"),
        "{html}"
    );
}
