//! Translations of the texts Talon shows people, from `locales/{ru,en,de}.json`, embedded in
//! the binary. A missing key falls back to English, then to the key itself.

use std::collections::HashMap;
use std::sync::OnceLock;
use talon_core::Language;

type Texts = HashMap<String, String>;

fn catalogue() -> &'static HashMap<Language, Texts> {
    static CATALOGUE: OnceLock<HashMap<Language, Texts>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        [
            (Language::Ru, include_str!("../locales/ru.json")),
            (Language::En, include_str!("../locales/en.json")),
            (Language::De, include_str!("../locales/de.json")),
        ]
        .into_iter()
        .map(|(language, json)| (language, serde_json::from_str(json).unwrap_or_default()))
        .collect()
    })
}

/// The text for `key` in `language`.
pub fn text(language: Language, key: &str) -> &str {
    let catalogue = catalogue();
    catalogue
        .get(&language)
        .and_then(|t| t.get(key))
        .or_else(|| catalogue.get(&Language::En).and_then(|t| t.get(key)))
        .map_or(key, String::as_str)
}

/// Every key that starts with `prefix`, sorted: the texts a page's script may need.
pub fn keys_with_prefix(prefix: &str) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = catalogue()
        .get(&Language::En)
        .into_iter()
        .flat_map(|texts| texts.keys())
        .filter(|k| k.starts_with(prefix))
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// An estimated wait in whole minutes, as a visitor reads it: "~ 5 min", or "any moment" for
/// less than a minute.
pub fn wait_minutes(language: Language, minutes: u64) -> String {
    if minutes == 0 {
        text(language, "ticket_soon").to_string()
    } else {
        text(language, "ticket_minutes").replace("{n}", &minutes.to_string())
    }
}

/// The first of Talon's languages named in an `Accept-Language` header, English otherwise.
pub fn negotiate(accept_language: Option<&str>) -> Language {
    accept_language
        .into_iter()
        .flat_map(|h| h.split(','))
        .filter_map(|part| part.split(';').next())
        .filter_map(|tag| Language::parse(tag.trim().get(..2)?.to_ascii_lowercase().as_str()))
        .next()
        .unwrap_or(Language::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_english_key() {
        let catalogue = catalogue();
        let english = &catalogue[&Language::En];
        assert!(!english.is_empty());
        for language in Language::ALL {
            for key in english.keys() {
                assert!(
                    catalogue[&language].contains_key(key),
                    "{key} is missing in {}",
                    language.code()
                );
            }
        }
    }

    #[test]
    fn the_preferred_known_language_wins() {
        assert_eq!(negotiate(Some("fr-FR,de-DE;q=0.8,en;q=0.5")), Language::De);
        assert_eq!(negotiate(Some("ru")), Language::Ru);
        assert_eq!(negotiate(Some("fr")), Language::En);
        assert_eq!(negotiate(None), Language::En);
        assert_eq!(text(Language::Ru, "running"), "Сервер работает.");
        assert_eq!(text(Language::De, "no-such-key"), "no-such-key");
        assert_eq!(wait_minutes(Language::En, 0), "any moment");
        assert_eq!(wait_minutes(Language::Ru, 7), "~ 7 мин");
    }
}
