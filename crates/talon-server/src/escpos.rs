//! ESC/POS encoding of a printed queue ticket for thermal receipt printers (Epson and the
//! Xprinter-style clones kiosks usually carry), and a strict decoder of the same byte stream so
//! tests can check what a printer would put on paper.
//!
//! Such printers know neither UTF-8 nor fonts: text goes out as single bytes of a code page the
//! printer is told to use, one byte per printed column. Everything here is std only, so the
//! texts come in already translated and formatted by the caller.

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const LF: u8 = 0x0A;

/// `GS !` size for the ticket number: double width and height, readable across a waiting room.
/// Triple size leaves only 10 columns on 58 mm paper, too few for a long prefixed number.
const DOUBLE_SIZE: u8 = 0x11;
const NORMAL_SIZE: u8 = 0x00;

/// `GS ( k 3 0 49 67 n`: the QR module width in dots.
const QR_MODULE_DOTS: u8 = 6;
/// `GS ( k 3 0 49 69 n`: error correction level M (48 = L, 49 = M, 50 = Q, 51 = H), which
/// survives a smudged or creased ticket without making the symbol much denser.
const QR_ERROR_CORRECTION_M: u8 = 49;
/// Bytes a version 11 symbol holds at level M. It is 61 modules, 366 dots at 6 dots a module,
/// the widest that fits the 384 printable dots of 58 mm paper; a longer URL is printed as text
/// instead, since the printer would silently drop or clip a symbol wider than the paper.
const QR_MAX_BYTES: usize = 251;

/// Blank lines between the footer and the cut: `GS V 66 0` feeds only what the print head to
/// cutter distance needs, which would cut right under the last line of text.
const FEED_BEFORE_CUT: u8 = 3;

/// The texts of one ticket, already in the visitor's language.
#[derive(Debug, Clone, Copy)]
pub struct PrintedTicket<'a> {
    pub branch: &'a str,
    pub service: &'a str,
    /// The ticket number as called out, e.g. "А017".
    pub number: &'a str,
    /// Issue date and time, already formatted in the branch's time zone.
    pub issued: &'a str,
    /// E.g. "Перед вами"; printed as "Перед вами: 3".
    pub ahead_label: &'a str,
    pub ahead: usize,
    /// E.g. "Ожидание"; printed as "Ожидание: ~ 5 мин".
    pub eta_label: &'a str,
    pub eta: &'a str,
    /// Where the visitor follows the ticket online; printed as a QR code.
    pub qr_url: &'a str,
    /// Talon's line under the QR code, e.g. "Follow your turn on your phone".
    pub footer: &'a str,
    /// The branch's own line above everything, e.g. the bank's name.
    pub branch_header: Option<&'a str>,
    /// The branch's own line at the very end, e.g. "Thank you for waiting".
    pub branch_footer: Option<&'a str>,
}

/// The printer's character code table for Cyrillic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePage {
    /// DOS Cyrillic, the usual factory choice of Russian-market printers.
    Pc866,
    /// Windows Cyrillic.
    Wpc1251,
}

impl CodePage {
    /// The `ESC t n` table number. These are Epson's numbers (17 = PC866, 46 = WPC1251), which
    /// Xprinter and most clones follow; a clone with its own numbering prints garbage instead of
    /// Cyrillic, and this is the one place to look.
    pub const fn table(self) -> u8 {
        match self {
            CodePage::Pc866 => 17,
            CodePage::Wpc1251 => 46,
        }
    }

    const fn from_table(n: u8) -> Option<CodePage> {
        match n {
            17 => Some(CodePage::Pc866),
            46 => Some(CodePage::Wpc1251),
            _ => None,
        }
    }
}

/// Encodes text for the printer, one byte per printed column. Cyrillic goes to the code page;
/// characters the page lacks are spelled in ASCII where there is a customary spelling (German
/// umlauts and ß, typographic quotes, dashes and no-break spaces that formatters and translators
/// produce) and printed as '?' otherwise. Control characters never reach the printer, so no
/// text can smuggle in a command: tabs and line breaks become spaces, the rest '?'.
pub fn encode_text(text: &str, page: CodePage) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(b) = encode_cyrillic(c, page) {
            out.push(b);
            continue;
        }
        match c {
            ' '..='~' => out.push(c as u8),
            '\t' | '\n' | '\r' | '\u{A0}' | '\u{202F}' => out.push(b' '),
            _ => out.extend_from_slice(transliterate(c).unwrap_or("?").as_bytes()),
        }
    }
    out
}

fn encode_cyrillic(c: char, page: CodePage) -> Option<u8> {
    let code = u32::from(c);
    let byte = match (page, c) {
        (CodePage::Pc866, 'Ё') => 0xF0,
        (CodePage::Pc866, 'ё') => 0xF1,
        (CodePage::Pc866, 'А'..='Я') => 0x80 + (code - 0x410),
        (CodePage::Pc866, 'а'..='п') => 0xA0 + (code - 0x430),
        (CodePage::Pc866, 'р'..='я') => 0xE0 + (code - 0x440),
        (CodePage::Wpc1251, 'Ё') => 0xA8,
        (CodePage::Wpc1251, 'ё') => 0xB8,
        (CodePage::Wpc1251, 'А'..='я') => 0xC0 + (code - 0x410),
        _ => return None,
    };
    u8::try_from(byte).ok()
}

fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'Ä' => "Ae",
        'Ö' => "Oe",
        'Ü' => "Ue",
        'ä' => "ae",
        'ö' => "oe",
        'ü' => "ue",
        'ß' => "ss",
        '«' | '»' | '“' | '”' | '„' => "\"",
        '‘' | '’' => "'",
        '–' | '—' | '−' => "-",
        _ => return None,
    })
}

/// The reverse of [`encode_text`] for what it can produce; `None` is the printer's default
/// table, of which only ASCII is known here.
fn decode_text(bytes: &[u8], page: Option<CodePage>) -> Result<String, String> {
    bytes
        .iter()
        .map(|&b| {
            let code = match (page, b) {
                (_, 0x20..=0x7E) => u32::from(b),
                (Some(CodePage::Pc866), 0xF0) => 0x401,
                (Some(CodePage::Pc866), 0xF1) => 0x451,
                (Some(CodePage::Pc866), 0x80..=0xAF) => 0x410 + u32::from(b - 0x80),
                (Some(CodePage::Pc866), 0xE0..=0xEF) => 0x440 + u32::from(b - 0xE0),
                (Some(CodePage::Wpc1251), 0xA8) => 0x401,
                (Some(CodePage::Wpc1251), 0xB8) => 0x451,
                (Some(CodePage::Wpc1251), 0xC0..=0xFF) => 0x410 + u32::from(b - 0xC0),
                _ => return Err(format!("byte 0x{b:02X} is not text in code page {page:?}")),
            };
            char::from_u32(code).ok_or_else(|| format!("byte 0x{b:02X} is not a character"))
        })
        .collect()
}

/// Splits encoded text into lines of at most `width` columns, at spaces where possible; a word
/// longer than a line is broken wherever the line ends.
fn wrap(text: &[u8], width: usize) -> Vec<&[u8]> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut rest = text.trim_ascii();
    while rest.len() > width {
        let (line, next) = match rest[..=width].iter().rposition(|&b| b == b' ') {
            Some(space) if space > 0 => (&rest[..space], &rest[space + 1..]),
            _ => rest.split_at(width),
        };
        lines.push(line.trim_ascii_end());
        rest = next.trim_ascii_start();
    }
    if !rest.is_empty() {
        lines.push(rest);
    }
    lines
}

/// Appends the text as wrapped lines; the caller's own line breaks are kept.
fn push_text(out: &mut Vec<u8>, text: &str, page: CodePage, width: usize) {
    for paragraph in text.split('\n') {
        for line in wrap(&encode_text(paragraph, page), width) {
            out.extend_from_slice(line);
            out.push(LF);
        }
    }
}

/// `GS ( k` with `cn` = 49 (QR code): the two length bytes count everything after them.
fn push_qr_function(out: &mut Vec<u8>, function: u8, params: &[u8]) {
    let len = u16::try_from(params.len() + 2).expect("QR data is bounded by QR_MAX_BYTES");
    let [low, high] = len.to_le_bytes();
    out.extend_from_slice(&[GS, b'(', b'k', low, high, 49, function]);
    out.extend_from_slice(params);
}

/// The whole ticket, from printer initialisation to the cut. `width_chars` is the line width in
/// normal-size characters: 32 for 58 mm paper, 48 for 80 mm.
pub fn ticket_bytes(ticket: &PrintedTicket, page: CodePage, width_chars: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&[ESC, b'@', ESC, b't', page.table(), ESC, b'a', 1]);

    if let Some(header) = ticket.branch_header {
        push_text(&mut out, header, page, width_chars);
        out.extend_from_slice(&[ESC, b'd', 1]);
    }
    out.extend_from_slice(&[ESC, b'E', 1]);
    push_text(&mut out, ticket.branch, page, width_chars);
    out.extend_from_slice(&[ESC, b'E', 0]);
    push_text(&mut out, ticket.service, page, width_chars);
    out.extend_from_slice(&[ESC, b'd', 1]);

    out.extend_from_slice(&[GS, b'!', DOUBLE_SIZE, ESC, b'E', 1]);
    push_text(&mut out, ticket.number, page, width_chars / 2);
    out.extend_from_slice(&[GS, b'!', NORMAL_SIZE, ESC, b'E', 0]);
    out.extend_from_slice(&[ESC, b'd', 1]);

    push_text(&mut out, ticket.issued, page, width_chars);
    let ahead = format!("{}: {}", ticket.ahead_label, ticket.ahead);
    push_text(&mut out, &ahead, page, width_chars);
    let eta = format!("{}: {}", ticket.eta_label, ticket.eta);
    push_text(&mut out, &eta, page, width_chars);
    out.extend_from_slice(&[ESC, b'd', 1]);

    let url = ticket.qr_url.trim();
    if url.len() > QR_MAX_BYTES {
        push_text(&mut out, url, page, width_chars);
        out.extend_from_slice(&[ESC, b'd', 1]);
    } else if !url.is_empty() {
        push_qr_function(&mut out, 65, &[50, 0]);
        push_qr_function(&mut out, 67, &[QR_MODULE_DOTS]);
        push_qr_function(&mut out, 69, &[QR_ERROR_CORRECTION_M]);
        let mut store = Vec::with_capacity(url.len() + 1);
        store.push(48);
        store.extend_from_slice(url.as_bytes());
        push_qr_function(&mut out, 80, &store);
        push_qr_function(&mut out, 81, &[48]);
        out.extend_from_slice(&[ESC, b'd', 1]);
    }

    push_text(&mut out, ticket.footer, page, width_chars);
    if let Some(footer) = ticket.branch_footer {
        out.extend_from_slice(&[ESC, b'd', 1]);
        push_text(&mut out, footer, page, width_chars);
    }
    out.extend_from_slice(&[ESC, b'd', FEED_BEFORE_CUT, GS, b'V', 66, 0]);
    out
}

/// What a ticket's bytes would print, as read back by [`decode`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The table selected by `ESC t` and in force at the end.
    pub code_page: Option<CodePage>,
    /// Printed text lines in order; paper feeds between sections are not lines.
    pub lines: Vec<DecodedLine>,
    /// The QR code's payload.
    pub qr: Option<String>,
    pub cut: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedLine {
    pub text: String,
    pub bold: bool,
    /// Double width and height.
    pub double: bool,
    pub centered: bool,
}

impl Decoded {
    /// The lines' texts alone.
    pub fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|line| line.text.as_str()).collect()
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self.at.saturating_add(n);
        let taken = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| format!("{what} cut short at byte {}", self.at))?;
        self.at = end;
        Ok(taken)
    }

    fn byte(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }
}

/// Reads back exactly the commands [`ticket_bytes`] emits, failing on anything else — an
/// unknown command, a parameter it never sends, a command in the middle of a text line, or
/// text not ended by a line feed — so a test cannot pass on bytes a printer would misread.
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let mut decoded = Decoded::default();
    let mut cursor = Cursor { bytes, at: 0 };
    let (mut bold, mut double, mut centered) = (false, false, false);
    let mut line: Vec<u8> = Vec::new();
    let mut qr_data: Option<&[u8]> = None;

    while let Some(&b) = bytes.get(cursor.at) {
        cursor.at += 1;
        if !matches!(b, ESC | GS) {
            match b {
                LF => {
                    decoded.lines.push(DecodedLine {
                        text: decode_text(&line, decoded.code_page)?,
                        bold,
                        double,
                        centered,
                    });
                    line.clear();
                }
                0x20..=0x7E | 0x80..=0xFF => line.push(b),
                _ => return Err(format!("control byte 0x{b:02X} at byte {}", cursor.at - 1)),
            }
            continue;
        }
        if !line.is_empty() {
            return Err(format!(
                "command in the middle of a line at byte {}",
                cursor.at - 1
            ));
        }
        let command = cursor.byte("command")?;
        match (b, command) {
            (ESC, b'@') => {
                (bold, double, centered) = (false, false, false);
                decoded.code_page = None;
            }
            (ESC, b't') => {
                let n = cursor.byte("ESC t")?;
                decoded.code_page =
                    Some(CodePage::from_table(n).ok_or_else(|| format!("unknown code page {n}"))?);
            }
            (ESC, b'a') => {
                centered = match cursor.byte("ESC a")? {
                    0 => false,
                    1 => true,
                    n => return Err(format!("unexpected alignment {n}")),
                }
            }
            (ESC, b'E') => {
                bold = match cursor.byte("ESC E")? {
                    0 => false,
                    1 => true,
                    n => return Err(format!("unexpected emphasis {n}")),
                }
            }
            (ESC, b'd') => {
                cursor.byte("ESC d")?;
            }
            (GS, b'!') => {
                double = match cursor.byte("GS !")? {
                    NORMAL_SIZE => false,
                    DOUBLE_SIZE => true,
                    n => return Err(format!("unexpected character size 0x{n:02X}")),
                }
            }
            (GS, b'V') => {
                let mode = cursor.take(2, "GS V")?;
                if mode != [66, 0] {
                    return Err(format!("unexpected cut {mode:?}"));
                }
                decoded.cut = true;
            }
            (GS, b'(') => {
                let header = cursor.take(3, "GS (")?;
                if header[0] != b'k' {
                    return Err(format!("unknown command GS ( {}", header[0]));
                }
                let len = usize::from(u16::from_le_bytes([header[1], header[2]]));
                let body = cursor.take(len, "GS ( k")?;
                match body {
                    [49, 65, 50, 0] => {}
                    [49, 67, 1..=16] => {}
                    [49, 69, 48..=51] => {}
                    [49, 80, 48, data @ ..] if !data.is_empty() => qr_data = Some(data),
                    [49, 81, 48] => {
                        if decoded.qr.is_some() {
                            return Err("a second QR code".into());
                        }
                        let data = qr_data.ok_or("QR code printed before its data was stored")?;
                        let text = String::from_utf8(data.to_vec())
                            .map_err(|_| "QR payload is not UTF-8".to_string())?;
                        decoded.qr = Some(text);
                    }
                    _ => return Err(format!("unexpected QR function {body:?}")),
                }
            }
            _ => return Err(format!("unknown command 0x{b:02X} 0x{command:02X}")),
        }
    }
    if !line.is_empty() {
        return Err("text not ended by a line feed".into());
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://talon.example/t/7f3a9c2e";

    fn russian() -> PrintedTicket<'static> {
        PrintedTicket {
            branch: "Отделение на Тверской",
            service: "Платежи",
            number: "А017",
            issued: "12.03.2025 14:05",
            ahead_label: "Перед вами",
            ahead: 3,
            eta_label: "Ожидание",
            eta: "~ 15 мин",
            qr_url: URL,
            footer: "Ёлки, спасибо!",
            branch_header: None,
            branch_footer: None,
        }
    }

    fn printed(ticket: &PrintedTicket, page: CodePage, width: usize) -> Decoded {
        decode(&ticket_bytes(ticket, page, width)).expect("the encoder's output decodes")
    }

    #[test]
    fn russian_ticket_round_trips_in_both_code_pages() {
        for page in [CodePage::Pc866, CodePage::Wpc1251] {
            let decoded = printed(&russian(), page, 32);
            assert_eq!(decoded.code_page, Some(page));
            assert_eq!(
                decoded.texts(),
                [
                    "Отделение на Тверской",
                    "Платежи",
                    "А017",
                    "12.03.2025 14:05",
                    "Перед вами: 3",
                    "Ожидание: ~ 15 мин",
                    "Ёлки, спасибо!",
                ]
            );
            assert_eq!(decoded.qr.as_deref(), Some(URL));
            assert!(decoded.cut);
        }
    }

    #[test]
    fn the_branchs_own_lines_open_and_close_the_ticket() {
        let ticket = PrintedTicket {
            branch_header: Some("Банк «Талон»"),
            branch_footer: Some("Спасибо, что ждёте! Хорошего дня и до новых встреч"),
            ..russian()
        };
        let decoded = printed(&ticket, CodePage::Pc866, 32);
        assert_eq!(
            decoded.texts(),
            [
                "Банк \"Талон\"",
                "Отделение на Тверской",
                "Платежи",
                "А017",
                "12.03.2025 14:05",
                "Перед вами: 3",
                "Ожидание: ~ 15 мин",
                "Ёлки, спасибо!",
                "Спасибо, что ждёте! Хорошего дня",
                "и до новых встреч",
            ]
        );
        let header = &decoded.lines[0];
        assert!(header.centered && !header.bold && !header.double);
        assert!(decoded.lines[1].bold, "the branch's name stays bold");
        assert!(decoded.cut);
    }

    #[test]
    fn code_page_is_selected_right_after_init() {
        let pc866 = ticket_bytes(&russian(), CodePage::Pc866, 32);
        assert_eq!(pc866[..5], [ESC, b'@', ESC, b't', 17]);
        let cp1251 = ticket_bytes(&russian(), CodePage::Wpc1251, 32);
        assert_eq!(cp1251[..5], [ESC, b'@', ESC, b't', 46]);
    }

    #[test]
    fn english_ticket_round_trips() {
        let ticket = PrintedTicket {
            branch: "Downtown Branch",
            service: "Payments",
            number: "P042",
            issued: "2025-03-12 2:05 PM",
            ahead_label: "Ahead of you",
            ahead: 0,
            eta_label: "Estimated wait",
            eta: "~ 1 min",
            qr_url: URL,
            footer: "Thank you!",
            branch_header: None,
            branch_footer: None,
        };
        let decoded = printed(&ticket, CodePage::Pc866, 48);
        assert_eq!(
            decoded.texts(),
            [
                "Downtown Branch",
                "Payments",
                "P042",
                "2025-03-12 2:05 PM",
                "Ahead of you: 0",
                "Estimated wait: ~ 1 min",
                "Thank you!",
            ]
        );
    }

    #[test]
    fn german_ticket_spells_umlauts_out() {
        let ticket = PrintedTicket {
            branch: "Filiale Köln Süd",
            service: "Führerschein",
            number: "F003",
            issued: "12.03.2025 14:05",
            ahead_label: "Vor Ihnen",
            ahead: 2,
            eta_label: "Wartezeit",
            eta: "~ 10 Min.",
            qr_url: URL,
            footer: "Grüße aus der Straße – ÄÖÜ",
            branch_header: None,
            branch_footer: None,
        };
        for page in [CodePage::Pc866, CodePage::Wpc1251] {
            let decoded = printed(&ticket, page, 32);
            assert_eq!(
                decoded.texts(),
                [
                    "Filiale Koeln Sued",
                    "Fuehrerschein",
                    "F003",
                    "12.03.2025 14:05",
                    "Vor Ihnen: 2",
                    "Wartezeit: ~ 10 Min.",
                    "Gruesse aus der Strasse - AeOeUe",
                ]
            );
        }
    }

    #[test]
    fn number_is_double_bold_and_centered_and_nothing_else_is_double() {
        let decoded = printed(&russian(), CodePage::Pc866, 32);
        let number = &decoded.lines[2];
        assert_eq!(number.text, "А017");
        assert!(number.double && number.bold && number.centered);
        assert!(decoded.lines[0].bold, "the branch is bold");
        for line in decoded.lines.iter().filter(|line| line.text != "А017") {
            assert!(!line.double, "{line:?}");
            assert!(line.centered, "{line:?}");
        }
        assert!(
            decoded.lines[1..]
                .iter()
                .filter(|line| line.bold)
                .eq([number])
        );
    }

    #[test]
    fn qr_code_is_model_2_level_m_with_the_url_as_payload() {
        let bytes = ticket_bytes(&russian(), CodePage::Pc866, 32);
        let mut expected = vec![GS, b'(', b'k', 4, 0, 49, 65, 50, 0];
        expected.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, 6]);
        expected.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 49]);
        let store_len = u8::try_from(URL.len() + 3).unwrap();
        expected.extend_from_slice(&[GS, b'(', b'k', store_len, 0, 49, 80, 48]);
        expected.extend_from_slice(URL.as_bytes());
        expected.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
        assert!(
            bytes
                .windows(expected.len())
                .any(|window| window == expected)
        );
        assert_eq!(decode(&bytes).unwrap().qr.as_deref(), Some(URL));
    }

    #[test]
    fn longest_url_that_fits_the_paper_is_still_a_qr_code() {
        let url = format!("https://talon.example/{}", "x".repeat(QR_MAX_BYTES - 22));
        assert_eq!(url.len(), QR_MAX_BYTES);
        let ticket = PrintedTicket {
            qr_url: &url,
            ..russian()
        };
        let bytes = ticket_bytes(&ticket, CodePage::Pc866, 32);
        let store = [GS, b'(', b'k', 254, 0, 49, 80, 48];
        assert!(bytes.windows(store.len()).any(|window| window == store));
        assert_eq!(decode(&bytes).unwrap().qr, Some(url));
    }

    #[test]
    fn url_too_long_for_a_symbol_on_the_paper_is_printed_as_text() {
        let url = format!("https://talon.example/{}", "x".repeat(QR_MAX_BYTES));
        let ticket = PrintedTicket {
            qr_url: &url,
            ..russian()
        };
        let decoded = printed(&ticket, CodePage::Pc866, 32);
        assert_eq!(decoded.qr, None);
        let printed_url: String = decoded.texts().concat();
        assert!(printed_url.contains(&url));
    }

    #[test]
    fn empty_url_prints_no_qr_code() {
        let ticket = PrintedTicket {
            qr_url: "",
            ..russian()
        };
        assert_eq!(printed(&ticket, CodePage::Pc866, 32).qr, None);
    }

    #[test]
    fn ticket_ends_with_a_partial_cut() {
        let bytes = ticket_bytes(&russian(), CodePage::Wpc1251, 32);
        assert!(bytes.ends_with(&[GS, b'V', 66, 0]));
        assert!(decode(&bytes).unwrap().cut);
    }

    #[test]
    fn long_texts_wrap_at_the_line_width() {
        let footer = "Сохраните талон до конца обслуживания и следите за номером на табло в зале";
        let ticket = PrintedTicket {
            footer,
            number: "ОЧЕНЬДЛИННЫЙНОМЕРТАЛОНА",
            ..russian()
        };
        let decoded = printed(&ticket, CodePage::Pc866, 32);
        for line in &decoded.lines {
            let limit = if line.double { 16 } else { 32 };
            assert!(line.text.chars().count() <= limit, "{line:?}");
        }
        let footer_lines: Vec<&str> = decoded
            .texts()
            .into_iter()
            .skip_while(|text| !text.starts_with("Сохраните"))
            .collect();
        assert!(footer_lines.len() > 2);
        assert_eq!(footer_lines.join(" "), footer);
        let number: Vec<&str> = decoded
            .lines
            .iter()
            .filter(|l| l.double)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(number, ["ОЧЕНЬДЛИННЫЙНОМЕ", "РТАЛОНА"]);
    }

    #[test]
    fn wrap_breaks_at_spaces_and_splits_overlong_words() {
        assert_eq!(wrap(b"  aaa bbb  ccc ", 7), [&b"aaa bbb"[..], b"ccc"]);
        assert_eq!(
            wrap(b"aaaaaaaaaa bb", 4),
            [&b"aaaa"[..], b"aaaa", b"aa", b"bb"]
        );
        assert_eq!(wrap(b"abc def", 3), [&b"abc"[..], b"def"]);
        assert!(wrap(b"   ", 5).is_empty());
    }

    #[test]
    fn caller_line_breaks_are_kept() {
        let ticket = PrintedTicket {
            footer: "Спасибо!\nДо свидания",
            ..russian()
        };
        let decoded = printed(&ticket, CodePage::Pc866, 32);
        assert!(decoded.texts().ends_with(&["Спасибо!", "До свидания"]));
    }

    #[test]
    fn cyrillic_lands_in_the_code_page_ranges() {
        assert_eq!(
            encode_text("АПРЯапряЁё", CodePage::Pc866),
            [0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xAF, 0xE0, 0xEF, 0xF0, 0xF1]
        );
        assert_eq!(
            encode_text("АПРЯапряЁё", CodePage::Wpc1251),
            [0xC0, 0xCF, 0xD0, 0xDF, 0xE0, 0xEF, 0xF0, 0xFF, 0xA8, 0xB8]
        );
        let alphabet: String = ('А'..='я').chain(['Ё', 'ё']).collect();
        let pc866 = encode_text(&alphabet, CodePage::Pc866);
        assert_eq!(pc866.len(), 66);
        assert!(
            pc866
                .iter()
                .all(|b| matches!(b, 0x80..=0xAF | 0xE0..=0xEF | 0xF0 | 0xF1))
        );
        let cp1251 = encode_text(&alphabet, CodePage::Wpc1251);
        assert_eq!(cp1251.len(), 66);
        assert!(
            cp1251
                .iter()
                .all(|b| matches!(b, 0xC0..=0xFF | 0xA8 | 0xB8))
        );
        assert_eq!(
            decode_text(&pc866, Some(CodePage::Pc866)).unwrap(),
            alphabet
        );
        assert_eq!(
            decode_text(&cp1251, Some(CodePage::Wpc1251)).unwrap(),
            alphabet
        );
    }

    #[test]
    fn ascii_passes_through_unchanged() {
        let ascii: String = (' '..='~').collect();
        for page in [CodePage::Pc866, CodePage::Wpc1251] {
            assert_eq!(encode_text(&ascii, page), ascii.as_bytes());
        }
    }

    #[test]
    fn unrepresentable_characters_become_question_marks() {
        for page in [CodePage::Pc866, CodePage::Wpc1251] {
            assert_eq!(encode_text("中€😀Ωé", page), b"?????");
        }
        assert_eq!(
            encode_text("«Да» — №1", CodePage::Pc866),
            b"\"\x84\xA0\" - ?1"
        );
    }

    #[test]
    fn control_characters_cannot_inject_commands() {
        assert_eq!(
            encode_text("a\x1b@b\x1dV\x00\tc\nd", CodePage::Pc866),
            b"a?@b?V? c d"
        );
        let ticket = PrintedTicket {
            service: "Пла\x1bтежи\x1dV",
            ..russian()
        };
        let decoded = printed(&ticket, CodePage::Pc866, 32);
        assert_eq!(decoded.lines[1].text, "Пла?тежи?V");
    }

    #[test]
    fn decoder_rejects_what_the_encoder_never_sends() {
        assert!(decode(&[ESC, b'@', ESC, b'x']).is_err(), "unknown command");
        assert!(decode(&[ESC, b't', 0]).is_err(), "unknown code page");
        assert!(decode(&[GS, b'!', 0x22]).is_err(), "unused size");
        assert!(decode(&[GS, b'V', 1]).is_err(), "unused cut");
        assert!(decode(b"abc").is_err(), "unterminated line");
        assert!(
            decode(&[b'a', ESC, b'E', 1, LF]).is_err(),
            "command inside a line"
        );
        assert!(decode(&[0x07]).is_err(), "bell");
        assert!(
            decode(&[GS, b'(', b'k', 10, 0, 49, 80, 48]).is_err(),
            "truncated QR data"
        );
        assert!(
            decode(&[GS, b'(', b'k', 3, 0, 49, 81, 48]).is_err(),
            "QR without data"
        );
        assert!(decode(&[0xC0, LF]).is_err(), "non-ASCII before a code page");
        assert!(
            decode(&[ESC, b't', 17, 0xB0, LF]).is_err(),
            "PC866 box drawing"
        );
    }
}
