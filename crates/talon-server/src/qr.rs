//! QR codes as SVG, for the kiosk's screen and the browser-printed ticket: the link to the
//! visitor's ticket page. (Receipt printers draw their own from ESC/POS, see `escpos.rs`.)

use qrcodegen::{QrCode, QrCodeEcc};

/// Light modules around the symbol, as the standard asks, so scanners find its edges.
const QUIET_ZONE: i32 = 4;

/// The SVG of a QR code for `text`: one path of unit squares, scaled by the viewer. `None` if
/// the text is too long for any QR code.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size();
    let side = size + 2 * QUIET_ZONE;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dark modules of an SVG made by [`svg`], as (x, y) inside the quiet zone.
    fn modules(svg: &str) -> Vec<(i32, i32)> {
        let path = svg
            .split(r#"d=""#)
            .nth(1)
            .and_then(|p| p.split('"').next())
            .unwrap_or("");
        path.split('M')
            .filter(|m| !m.is_empty())
            .map(|m| {
                let (x, rest) = m.split_once(',').expect("x,y");
                let y = rest.split('h').next().expect("y");
                (
                    x.parse::<i32>().expect("x") - QUIET_ZONE,
                    y.parse::<i32>().expect("y") - QUIET_ZONE,
                )
            })
            .collect()
    }

    #[test]
    fn a_ticket_link_makes_a_symbol_with_its_finder_patterns() {
        let url = "https://queue.example.org/t/0123456789abcdef0123456789abcdef";
        let svg = svg(url).expect("fits");
        let code = QrCode::encode_text(url, QrCodeEcc::Medium).expect("fits");
        let size = code.size();
        assert!(svg.contains(&format!("viewBox=\"0 0 {0} {0}\"", size + 8)));
        let dark = modules(&svg);
        let expected = (0..size)
            .flat_map(|y| (0..size).map(move |x| (x, y)))
            .filter(|&(x, y)| code.get_module(x, y))
            .count();
        assert_eq!(dark.len(), expected, "one square per dark module");
        // The three finder patterns: a dark 7×7 ring with a 3×3 core, in three corners.
        for (cx, cy) in [(0, 0), (size - 7, 0), (0, size - 7)] {
            for (dx, dy) in [(0, 0), (6, 0), (0, 6), (6, 6), (3, 3), (2, 2), (4, 4)] {
                assert!(
                    dark.contains(&(cx + dx, cy + dy)),
                    "finder at {cx},{cy} +{dx},{dy}"
                );
            }
            assert!(!dark.contains(&(cx + 1, cy + 1)), "the finder's light ring");
        }
    }

    #[test]
    fn text_too_long_for_any_symbol_is_refused() {
        assert!(svg(&"x".repeat(8000)).is_none());
    }
}
