//! Identification of visitors: phone numbers (normalised to E.164), document numbers, bank or
//! loyalty cards and booking codes. An identifier is reduced to a keyed hash (HMAC-SHA-256 with
//! the installation's secret key) before anything stores or logs it; of a card only the last
//! four digits are kept besides.

use crate::error::ApiError;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What kind of identifier a visitor gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Phone,
    Document,
    Card,
    BookingCode,
}

impl IdentifierKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone",
            IdentifierKind::Document => "document",
            IdentifierKind::Card => "card",
            IdentifierKind::BookingCode => "booking_code",
        }
    }
}

/// An identifier as a client sends it: a phone number (normalised to E.164), a document's
/// number, a card's number (Luhn-checked) or a booking code.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = Identifier)]
#[serde(deny_unknown_fields)]
pub struct IdentifierInput {
    pub kind: IdentifierKind,
    pub value: String,
}

/// A checked, normalised identifier. Its value is personal data: it leaves this process only
/// towards a configured CRM, and its `Debug` never shows it.
#[derive(Clone)]
pub struct Identifier {
    kind: IdentifierKind,
    normalised: String,
}

impl std::fmt::Debug for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identifier({}, …)", self.kind.as_str())
    }
}

impl Identifier {
    pub fn parse(input: &IdentifierInput) -> Result<Identifier, ApiError> {
        // Handling a visitor's identifier is an access to personal data: the request's audit
        // record says so, by the identifier's kind alone.
        crate::audit::note_identification(input.kind);
        let normalised = match input.kind {
            IdentifierKind::Phone => normalise_phone(&input.value)?,
            IdentifierKind::Document => normalise_code(&input.value, 4, 30, "document number")?,
            IdentifierKind::Card => normalise_card(&input.value)?,
            IdentifierKind::BookingCode => normalise_code(&input.value, 4, 20, "booking code")?,
        };
        Ok(Identifier {
            kind: input.kind,
            normalised,
        })
    }

    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    /// The normalised value, for the CRM lookup only.
    pub fn value(&self) -> &str {
        &self.normalised
    }

    /// The last four digits of a card, the only part of it ever kept.
    pub fn last4(&self) -> Option<String> {
        (self.kind == IdentifierKind::Card)
            .then(|| self.normalised[self.normalised.len() - 4..].to_string())
    }
}

/// The installation's secret key for identifier hashes.
#[derive(Clone)]
pub struct IdentityKey(Vec<u8>);

impl IdentityKey {
    pub fn new(bytes: Vec<u8>) -> Result<IdentityKey, String> {
        if bytes.len() < 32 {
            return Err("the identity key has at least 32 bytes".to_string());
        }
        Ok(IdentityKey(bytes))
    }

    /// A signature of `data` for one `purpose` (a device cookie, say), hex: the purpose is part
    /// of the input, so a signature made for one purpose is worth nothing for another.
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            unreachable!("HMAC takes a key of any length")
        };
        mac.update(b"talon-sign:");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(data.as_bytes());
        crate::auth::hex(&mac.finalize().into_bytes())
    }

    /// The keyed hash of an identifier, hex. The kind is part of the input, so a phone number
    /// and a document number with the same characters never collide.
    pub fn hash(&self, identifier: &Identifier) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            unreachable!("HMAC takes a key of any length")
        };
        mac.update(identifier.kind.as_str().as_bytes());
        mac.update(b":");
        mac.update(identifier.normalised.as_bytes());
        crate::auth::hex(&mac.finalize().into_bytes())
    }
}

/// E.164: `+` and 8 to 15 digits. Spaces, dashes, dots and brackets are dropped; a leading `00`
/// is an international prefix; a Russian trunk prefix (`8` and ten digits) becomes `+7`.
fn normalise_phone(text: &str) -> Result<String, ApiError> {
    let kept: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
        .collect();
    let digits = if let Some(rest) = kept.strip_prefix('+') {
        rest.to_string()
    } else if let Some(rest) = kept.strip_prefix("00") {
        rest.to_string()
    } else if kept.len() == 11 && kept.starts_with('8') {
        format!("7{}", &kept[1..])
    } else {
        kept
    };
    let valid = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if valid {
        Ok(format!("+{digits}"))
    } else {
        Err(ApiError::invalid(
            "a phone number has a country code and 8 to 15 digits",
        ))
    }
}

/// Letters and digits, upper case, without spaces and dashes.
fn normalise_code(text: &str, min: usize, max: usize, what: &str) -> Result<String, ApiError> {
    let kept: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
        .flat_map(char::to_uppercase)
        .collect();
    let valid =
        (min..=max).contains(&kept.chars().count()) && kept.chars().all(char::is_alphanumeric);
    if valid {
        Ok(kept)
    } else {
        Err(ApiError::invalid(format!(
            "a {what} has {min} to {max} letters and digits"
        )))
    }
}

/// 12 to 19 digits that pass the Luhn check.
fn normalise_card(text: &str) -> Result<String, ApiError> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let valid = (12..=19).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn(&digits);
    if valid {
        Ok(digits)
    } else {
        Err(ApiError::invalid("not a valid card number"))
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: IdentifierKind, value: &str) -> Result<String, &'static str> {
        Identifier::parse(&IdentifierInput {
            kind,
            value: value.to_string(),
        })
        .map(|i| i.normalised)
        .map_err(|e| e.code)
    }

    #[test]
    fn phone_numbers_become_e164() {
        use IdentifierKind::Phone;
        assert_eq!(
            parse(Phone, "+7 (916) 123-45-67"),
            Ok("+79161234567".into())
        );
        assert_eq!(parse(Phone, "8 916 123 45 67"), Ok("+79161234567".into()));
        assert_eq!(parse(Phone, "0049 30 1234567"), Ok("+49301234567".into()));
        assert_eq!(parse(Phone, "+1.202.555.0143"), Ok("+12025550143".into()));
        for bad in [
            "",
            "12345",
            "+0123456789",
            "+7916abc4567",
            "+1234567890123456",
        ] {
            assert_eq!(parse(Phone, bad), Err("validation_failed"), "{bad:?}");
        }
    }

    #[test]
    fn cards_must_pass_luhn_and_keep_only_their_last_four_digits() {
        use IdentifierKind::Card;
        assert_eq!(
            parse(Card, "4111 1111 1111 1111"),
            Ok("4111111111111111".into())
        );
        assert_eq!(parse(Card, "4111 1111 1111 1112"), Err("validation_failed"));
        assert_eq!(parse(Card, "4111"), Err("validation_failed"));
        let card = Identifier::parse(&IdentifierInput {
            kind: Card,
            value: "5500-0000-0000-0004".into(),
        })
        .expect("a valid card");
        assert_eq!(card.last4().as_deref(), Some("0004"));
        assert!(
            !format!("{card:?}").contains("5500"),
            "Debug never shows the number"
        );
    }

    #[test]
    fn documents_and_codes_are_upper_case_without_separators() {
        assert_eq!(
            parse(IdentifierKind::Document, "45 06-123456"),
            Ok("4506123456".into())
        );
        assert_eq!(
            parse(IdentifierKind::BookingCode, "ab-12 cd"),
            Ok("AB12CD".into())
        );
        assert_eq!(
            parse(IdentifierKind::BookingCode, "a;b"),
            Err("validation_failed")
        );
    }

    #[test]
    fn the_hash_is_keyed_and_separates_kinds() {
        let key = IdentityKey::new(vec![7; 32]).expect("key");
        let other = IdentityKey::new(vec![8; 32]).expect("key");
        let phone = Identifier::parse(&IdentifierInput {
            kind: IdentifierKind::Phone,
            value: "+49301234567".into(),
        })
        .expect("phone");
        let document = Identifier::parse(&IdentifierInput {
            kind: IdentifierKind::Document,
            value: "49301234567".into(),
        })
        .expect("document");
        assert_eq!(key.hash(&phone), key.hash(&phone));
        assert_ne!(key.hash(&phone), other.hash(&phone));
        assert_ne!(key.hash(&phone), key.hash(&document));
        assert!(!key.hash(&phone).contains("4930"));
        assert!(IdentityKey::new(vec![1; 16]).is_err());
    }
}
