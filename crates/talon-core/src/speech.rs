//! Spoken announcements: the text a hall's speech synthesiser reads when a ticket is called,
//! e.g. "Талон А семнадцать, окно три".
//!
//! A synthesiser reads "A017" as "a zero one seven" or not at all, and it cannot know that a
//! Russian "1" before "тысяча" is feminine. So ticket numbers and workplace numbers are written
//! out here in words, per language, before they reach it. Everything is a pure function of its
//! arguments.

use crate::config::Language;

/// The grammatical gender a number agrees with. Only Russian distinguishes it (один / одна /
/// одно, два / две); English and German ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Masculine,
    Feminine,
    Neuter,
}

/// `n` written out in words as it is said aloud, e.g. 2345 is "two thousand three hundred
/// forty-five", "zweitausenddreihundertfünfundvierzig" or "две тысячи триста сорок пять".
/// Covers every `u32`.
pub fn number_in_words(n: u32, language: Language, gender: Gender) -> String {
    match language {
        Language::Ru => russian::number(n, gender),
        Language::En => english::number(n),
        Language::De => german::number(n),
    }
}

/// A printed ticket number as it is said aloud: each prefix letter by its name, then the
/// counter in words without its leading zeros. `A017` is "А семнадцать" in Russian, "A
/// seventeen" in English and "A siebzehn" in German.
///
/// Any run of digits is read as one number (digit by digit should it not fit a `u32`);
/// characters that are neither letters nor digits, such as a dash, only separate words.
pub fn spoken_ticket(number: &str, language: Language) -> String {
    let mut words = Vec::new();
    let mut digits = String::new();
    for c in number.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        speak_digits(&mut words, &mut digits, language);
        if c.is_alphabetic() {
            words.push(letter_name(c, language));
        }
    }
    speak_digits(&mut words, &mut digits, language);
    words.join(" ")
}

/// `template` with `{ticket}` replaced by the spoken ticket number and `{workplace}` by the
/// workplace's name. A name that is only a number, like "3", is said in words ("три", "three",
/// "drei"); any other name is kept as it is. Unknown `{…}` stay untouched.
pub fn announcement(
    template: &str,
    language: Language,
    ticket_number: &str,
    workplace_name: &str,
) -> String {
    let ticket = spoken_ticket(ticket_number, language);
    let workplace = spoken_workplace(workplace_name, language);
    // One pass over the template, so that a workplace named e.g. "{ticket}" is not expanded
    // a second time.
    let mut out = String::with_capacity(template.len() + ticket.len() + workplace.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix("{ticket}") {
            out.push_str(&ticket);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{workplace}") {
            out.push_str(&workplace);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The announcement a branch uses unless it sets its own.
pub fn default_template(language: Language) -> &'static str {
    match language {
        Language::Ru => "Талон {ticket}, окно {workplace}",
        Language::En => "Ticket {ticket}, counter {workplace}",
        Language::De => "Nummer {ticket}, Schalter {workplace}",
    }
}

/// Empties `digits` into `words` as one number. Ticket counters are masculine in Russian
/// ("номер один"), which is how announcers say them.
fn speak_digits(words: &mut Vec<String>, digits: &mut String, language: Language) {
    if digits.is_empty() {
        return;
    }
    match digits.parse::<u32>() {
        Ok(value) => words.push(number_in_words(value, language, Gender::Masculine)),
        Err(_) => words.extend(digits.chars().map(|d| {
            let value = d.to_digit(10).unwrap_or_default();
            number_in_words(value, language, Gender::Masculine)
        })),
    }
    digits.clear();
}

fn spoken_workplace(name: &str, language: Language) -> String {
    let trimmed = name.trim();
    let numeric = !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit());
    match trimmed.parse::<u32>() {
        Ok(value) if numeric => number_in_words(value, language, Gender::Masculine),
        _ => name.to_string(),
    }
}

/// A prefix letter as it is said. English and German synthesisers name a capital letter
/// correctly on their own. A Russian one would read a Latin letter with an English voice or
/// skip it, so Latin letters get the names Russian speakers give them; Cyrillic letters stay.
fn letter_name(letter: char, language: Language) -> String {
    let upper: String = letter.to_uppercase().collect();
    if language == Language::Ru
        && let [latin] = upper.as_bytes()
        && latin.is_ascii_uppercase()
    {
        return RUSSIAN_LATIN_LETTERS[usize::from(latin - b'A')].to_string();
    }
    upper
}

/// The Latin alphabet as read aloud in Russian, A to Z, in its traditional (school and
/// formula) reading; the vowels A, E, I, O, U are their Cyrillic counterparts.
const RUSSIAN_LATIN_LETTERS: [&str; 26] = [
    "А",
    "Бэ",
    "Цэ",
    "Дэ",
    "Е",
    "Эф",
    "Гэ",
    "Аш",
    "И",
    "Йот",
    "Ка",
    "Эль",
    "Эм",
    "Эн",
    "О",
    "Пэ",
    "Ку",
    "Эр",
    "Эс",
    "Тэ",
    "У",
    "Вэ",
    "Дубль-вэ",
    "Икс",
    "Игрек",
    "Зэт",
];

/// `n` split into its groups of three digits, billions first.
fn groups(n: u32) -> [u32; 4] {
    [
        n / 1_000_000_000,
        n / 1_000_000 % 1000,
        n / 1000 % 1000,
        n % 1000,
    ]
}

mod russian {
    use super::{Gender, groups};

    const UNITS: [&str; 10] = [
        "",
        "один",
        "два",
        "три",
        "четыре",
        "пять",
        "шесть",
        "семь",
        "восемь",
        "девять",
    ];
    const TEENS: [&str; 10] = [
        "десять",
        "одиннадцать",
        "двенадцать",
        "тринадцать",
        "четырнадцать",
        "пятнадцать",
        "шестнадцать",
        "семнадцать",
        "восемнадцать",
        "девятнадцать",
    ];
    const TENS: [&str; 10] = [
        "",
        "",
        "двадцать",
        "тридцать",
        "сорок",
        "пятьдесят",
        "шестьдесят",
        "семьдесят",
        "восемьдесят",
        "девяносто",
    ];
    const HUNDREDS: [&str; 10] = [
        "",
        "сто",
        "двести",
        "триста",
        "четыреста",
        "пятьсот",
        "шестьсот",
        "семьсот",
        "восемьсот",
        "девятьсот",
    ];

    /// The scale words with the gender their count agrees with and their forms for one, for
    /// two to four and for five or more.
    const SCALES: [(Gender, [&str; 3]); 3] = [
        (Gender::Masculine, ["миллиард", "миллиарда", "миллиардов"]),
        (Gender::Masculine, ["миллион", "миллиона", "миллионов"]),
        (Gender::Feminine, ["тысяча", "тысячи", "тысяч"]),
    ];

    pub(super) fn number(n: u32, gender: Gender) -> String {
        if n == 0 {
            return "ноль".to_string();
        }
        let [billions, millions, thousands, units] = groups(n);
        let mut words = Vec::new();
        for ((group_gender, forms), count) in
            SCALES.into_iter().zip([billions, millions, thousands])
        {
            if count == 0 {
                continue;
            }
            // A number that starts with exactly one thousand (million, …) says "тысяча", not
            // "одна тысяча"; further in, as in "двадцать одна тысяча", the count is said.
            if count != 1 || !words.is_empty() {
                group(&mut words, count, group_gender);
            }
            words.push(forms[plural_form(count)]);
        }
        if units != 0 {
            group(&mut words, units, gender);
        }
        words.join(" ")
    }

    /// Which form a noun takes after `count`: the last two digits 11–14 take the genitive
    /// plural (тысяч), else a last digit 1 the singular (тысяча), 2–4 the genitive singular
    /// (тысячи) and the rest the genitive plural.
    fn plural_form(count: u32) -> usize {
        if (11..=14).contains(&(count % 100)) {
            return 2;
        }
        match count % 10 {
            1 => 0,
            2..=4 => 1,
            _ => 2,
        }
    }

    /// The words of 1..=999, the last of them agreeing with `gender`.
    fn group(words: &mut Vec<&'static str>, n: u32, gender: Gender) {
        let (hundreds, tens, units) = ((n / 100) as usize, (n / 10 % 10) as usize, n % 10);
        if hundreds != 0 {
            words.push(HUNDREDS[hundreds]);
        }
        if tens == 1 {
            words.push(TEENS[units as usize]);
            return;
        }
        if tens != 0 {
            words.push(TENS[tens]);
        }
        if units != 0 {
            words.push(unit(units, gender));
        }
    }

    fn unit(n: u32, gender: Gender) -> &'static str {
        match (n, gender) {
            (1, Gender::Feminine) => "одна",
            (1, Gender::Neuter) => "одно",
            (2, Gender::Feminine) => "две",
            _ => UNITS[n as usize],
        }
    }
}

mod english {
    use super::groups;

    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    const SCALES: [&str; 3] = ["billion", "million", "thousand"];

    /// American style: no "and" after the hundreds, a hyphen within 21–99.
    pub(super) fn number(n: u32) -> String {
        if n == 0 {
            return ONES[0].to_string();
        }
        let [billions, millions, thousands, units] = groups(n);
        let mut words = Vec::new();
        for (scale, count) in SCALES.into_iter().zip([billions, millions, thousands]) {
            if count != 0 {
                group(&mut words, count);
                words.push(scale.to_string());
            }
        }
        if units != 0 {
            group(&mut words, units);
        }
        words.join(" ")
    }

    /// The words of 1..=999.
    fn group(words: &mut Vec<String>, n: u32) {
        let (hundreds, rest) = ((n / 100) as usize, (n % 100) as usize);
        if hundreds != 0 {
            words.push(ONES[hundreds].to_string());
            words.push("hundred".to_string());
        }
        match rest {
            0 => {}
            1..=19 => words.push(ONES[rest].to_string()),
            _ if rest % 10 == 0 => words.push(TENS[rest / 10].to_string()),
            _ => words.push(format!("{}-{}", TENS[rest / 10], ONES[rest % 10])),
        }
    }
}

mod german {
    use super::groups;

    /// 2..=19; one is left out, its form depends on what follows it.
    const SMALL: [&str; 20] = [
        "",
        "",
        "zwei",
        "drei",
        "vier",
        "fünf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "zehn",
        "elf",
        "zwölf",
        "dreizehn",
        "vierzehn",
        "fünfzehn",
        "sechzehn",
        "siebzehn",
        "achtzehn",
        "neunzehn",
    ];
    const TENS: [&str; 10] = [
        "", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig",
        "neunzig",
    ];

    /// German writes a number below a million as one word; "Million" and "Milliarde" are
    /// nouns and stand apart, with their count agreeing in the feminine ("eine Million").
    pub(super) fn number(n: u32) -> String {
        if n == 0 {
            return "null".to_string();
        }
        let [billions, millions, thousands, units] = groups(n);
        let mut words = Vec::new();
        for (count, singular, plural) in [
            (billions, "Milliarde", "Milliarden"),
            (millions, "Million", "Millionen"),
        ] {
            match count {
                0 => {}
                1 => words.push(format!("eine {singular}")),
                _ => words.push(format!("{} {plural}", group(count, "eine"))),
            }
        }
        let mut below_million = String::new();
        if thousands != 0 {
            below_million.push_str(&group(thousands, "ein"));
            below_million.push_str("tausend");
        }
        if units != 0 {
            // A one that ends the number is "eins": "eins", "einhunderteins", "eintausendeins".
            below_million.push_str(&group(units, "eins"));
        }
        if !below_million.is_empty() {
            words.push(below_million);
        }
        words.join(" ")
    }

    /// The word for 1..=999, with `one` for a final one. Within the word a one is always
    /// "ein": "einhundert", "einundzwanzig".
    fn group(n: u32, one: &str) -> String {
        let (hundreds, rest) = ((n / 100) as usize, (n % 100) as usize);
        let mut word = String::new();
        if hundreds != 0 {
            word.push_str(if hundreds == 1 {
                "ein"
            } else {
                SMALL[hundreds]
            });
            word.push_str("hundert");
        }
        match rest {
            0 => {}
            1 => word.push_str(one),
            2..=19 => word.push_str(SMALL[rest]),
            _ => {
                let units = rest % 10;
                if units != 0 {
                    word.push_str(if units == 1 { "ein" } else { SMALL[units] });
                    word.push_str("und");
                }
                word.push_str(TENS[rest / 10]);
            }
        }
        word
    }
}
