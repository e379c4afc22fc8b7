//! Printing tickets at kiosks: a kiosk's receipt printer is configured with its device (a
//! network printer's address, code page and paper width), and a ticket the kiosk issues is sent
//! there as ESC/POS right after it is committed. A printer that is off or unreachable costs at
//! most a couple of seconds and never the ticket: the kiosk is told it was not printed and shows
//! the ticket on screen.

use crate::escpos::{CodePage, PrintedTicket, ticket_bytes};
use crate::i18n::{text, wait_minutes};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use talon_core::{BranchState, Language, TicketId};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The longest a print may take, connecting included.
const PRINT_TIMEOUT: Duration = Duration::from_secs(2);

/// The code page of a printer's Cyrillic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrinterCodePage {
    #[default]
    Pc866,
    Wpc1251,
}

/// A kiosk's receipt printer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    /// `host:port` of a network printer, usually port 9100.
    pub address: String,
    #[serde(default)]
    pub code_page: PrinterCodePage,
    /// 58 or 80 mm paper.
    #[serde(default = "narrow")]
    pub paper_mm: u32,
}

fn narrow() -> u32 {
    58
}

impl PrinterConfig {
    pub fn validate(&self) -> Result<(), String> {
        let port_ok = self.address.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !port_ok || self.address.len() > 255 {
            return Err("a printer's address is host:port".into());
        }
        if !matches!(self.paper_mm, 58 | 80) {
            return Err("paper is 58 or 80 mm".into());
        }
        Ok(())
    }

    fn chars_per_line(&self) -> usize {
        if self.paper_mm == 80 { 48 } else { 32 }
    }
}

/// What goes on a ticket, in the visitor's language.
pub struct TicketFacts {
    pub language: Language,
    pub branch: String,
    pub service: String,
    pub number: String,
    pub issued: String,
    pub ahead: usize,
    pub eta_minutes: u64,
    pub url: String,
    /// The branch's own lines above and below the ticket in its language, if it has them.
    pub header: Option<String>,
    pub footer: Option<String>,
}

impl TicketFacts {
    /// The facts of ticket `id` as the branch has it now; `url` is its ticket page.
    pub fn of(state: &BranchState, id: TicketId, url: String, now: Timestamp) -> Option<Self> {
        let t = state.ticket(id)?;
        let settings = state.settings()?;
        let issued = t.created_at.to_zoned(settings.time_zone.zone().clone());
        let (header, footer) = settings.ticket_texts(t.language);
        Some(TicketFacts {
            language: t.language,
            branch: settings.name.clone(),
            service: state.service(t.service)?.name(t.language).to_string(),
            number: t.number.clone(),
            issued: issued
                .strftime(text(t.language, "datetime_format"))
                .to_string(),
            ahead: state.position(t).unwrap_or(0),
            eta_minutes: state.eta_seconds(t, now).unwrap_or(0).div_ceil(60),
            url,
            header: header.map(str::to_string),
            footer: footer.map(str::to_string),
        })
    }
}

/// The ticket as ESC/POS for this printer.
pub fn render(config: &PrinterConfig, facts: &TicketFacts) -> Vec<u8> {
    let t = |key| text(facts.language, key);
    let eta = wait_minutes(facts.language, facts.eta_minutes);
    let page = match config.code_page {
        PrinterCodePage::Pc866 => CodePage::Pc866,
        PrinterCodePage::Wpc1251 => CodePage::Wpc1251,
    };
    ticket_bytes(
        &PrintedTicket {
            branch: &facts.branch,
            service: &facts.service,
            number: &facts.number,
            issued: &facts.issued,
            ahead_label: t("ticket_ahead"),
            ahead: facts.ahead,
            eta_label: t("ticket_eta"),
            eta: &eta,
            qr_url: &facts.url,
            footer: t("ticket_footer"),
            branch_header: facts.header.as_deref(),
            branch_footer: facts.footer.as_deref(),
        },
        page,
        config.chars_per_line(),
    )
}

/// Sends the bytes to the printer; false if it cannot be reached in time.
pub async fn send(config: &PrinterConfig, bytes: &[u8]) -> bool {
    let attempt = async {
        let mut printer = TcpStream::connect(&config.address).await?;
        printer.write_all(bytes).await?;
        printer.shutdown().await
    };
    match tokio::time::timeout(PRINT_TIMEOUT, attempt).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(printer = %config.address, error = %e, "the ticket was not printed");
            false
        }
        Err(_) => {
            tracing::warn!(printer = %config.address, "the printer did not answer in time");
            false
        }
    }
}
