//! How the store writes instants: RFC 3339 in UTC with exactly six fractional digits
//! (`2026-12-04T15:37:25.123456Z`), in every table but the audit log's signed text. A fixed
//! width orders as time when compared as text, and microseconds are what PostgreSQL's
//! `timestamptz` holds, so both backends keep the same value.

use crate::error::StoreError;
use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;

const PRINTER: DateTimePrinter = DateTimePrinter::new().precision(Some(6));

/// The stored text of an instant, to the microsecond.
pub fn stored(at: Timestamp) -> String {
    PRINTER.timestamp_to_string(&at)
}

/// An instant read back from its stored text.
pub fn parse(text: &str, what: &str) -> Result<Timestamp, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// An instant cut to the microsecond: what the store keeps of it.
pub fn to_microsecond(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_have_one_width_and_order_as_text() {
        let earlier: Timestamp = "2026-12-04T15:37:25Z".parse().unwrap();
        let later: Timestamp = "2026-12-04T15:37:25.5Z".parse().unwrap();
        let (a, b) = (stored(earlier), stored(later));
        assert_eq!(a, "2026-12-04T15:37:25.000000Z");
        assert_eq!(b, "2026-12-04T15:37:25.500000Z");
        assert!(a < b, "plain RFC 3339 would order 25Z after 25.5Z");
        let precise: Timestamp = "2026-12-04T15:37:25.123456789Z".parse().unwrap();
        assert_eq!(
            parse(&stored(precise), "t").unwrap(),
            to_microsecond(precise)
        );
    }
}
