//! Spoken announcements: numbers in words per language (with Russian gender and the plural
//! forms of тысяча), ticket numbers read letter by letter and then as a number, and the
//! default announcement templates filled in.

use talon_core::{
    Gender, Language, announcement, default_template, number_in_words, spoken_ticket,
};

fn ru(n: u32) -> String {
    number_in_words(n, Language::Ru, Gender::Masculine)
}

fn ru_as(n: u32, gender: Gender) -> String {
    number_in_words(n, Language::Ru, gender)
}

fn en(n: u32) -> String {
    number_in_words(n, Language::En, Gender::Masculine)
}

fn de(n: u32) -> String {
    number_in_words(n, Language::De, Gender::Masculine)
}

/// The numbers every language is checked on, beside the teens.
const SAMPLES: [u32; 17] = [
    0, 1, 2, 20, 21, 99, 100, 101, 111, 1000, 1001, 2000, 2345, 10_000, 21_000, 100_000, 999_999,
];

#[test]
fn english_numbers() {
    let expected = [
        "zero",
        "one",
        "two",
        "twenty",
        "twenty-one",
        "ninety-nine",
        "one hundred",
        "one hundred one",
        "one hundred eleven",
        "one thousand",
        "one thousand one",
        "two thousand",
        "two thousand three hundred forty-five",
        "ten thousand",
        "twenty-one thousand",
        "one hundred thousand",
        "nine hundred ninety-nine thousand nine hundred ninety-nine",
    ];
    for (n, words) in SAMPLES.into_iter().zip(expected) {
        assert_eq!(en(n), words, "{n}");
    }
}

#[test]
fn english_teens() {
    let expected = [
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
    for (n, words) in (11..=19).zip(expected) {
        assert_eq!(en(n), words, "{n}");
    }
}

#[test]
fn english_beyond_a_million_and_gender_ignored() {
    assert_eq!(en(12_345), "twelve thousand three hundred forty-five");
    assert_eq!(en(1_000_000), "one million");
    assert_eq!(en(2_000_001), "two million one");
    assert_eq!(
        en(u32::MAX),
        "four billion two hundred ninety-four million nine hundred sixty-seven thousand \
         two hundred ninety-five"
    );
    for gender in [Gender::Feminine, Gender::Neuter] {
        assert_eq!(number_in_words(21, Language::En, gender), "twenty-one");
    }
}

#[test]
fn german_numbers() {
    let expected = [
        "null",
        "eins",
        "zwei",
        "zwanzig",
        "einundzwanzig",
        "neunundneunzig",
        "einhundert",
        "einhunderteins",
        "einhundertelf",
        "eintausend",
        "eintausendeins",
        "zweitausend",
        "zweitausenddreihundertfünfundvierzig",
        "zehntausend",
        "einundzwanzigtausend",
        "einhunderttausend",
        "neunhundertneunundneunzigtausendneunhundertneunundneunzig",
    ];
    for (n, words) in SAMPLES.into_iter().zip(expected) {
        assert_eq!(de(n), words, "{n}");
    }
}

#[test]
fn german_teens() {
    let expected = [
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
    for (n, words) in (11..=19).zip(expected) {
        assert_eq!(de(n), words, "{n}");
    }
}

#[test]
fn german_beyond_a_million_and_gender_ignored() {
    assert_eq!(de(30), "dreißig");
    assert_eq!(de(67), "siebenundsechzig");
    assert_eq!(de(1_000_000), "eine Million");
    assert_eq!(de(2_000_001), "zwei Millionen eins");
    assert_eq!(
        de(u32::MAX),
        "vier Milliarden zweihundertvierundneunzig Millionen \
         neunhundertsiebenundsechzigtausendzweihundertfünfundneunzig"
    );
    for gender in [Gender::Feminine, Gender::Neuter] {
        assert_eq!(number_in_words(1, Language::De, gender), "eins");
    }
}

#[test]
fn russian_numbers() {
    let expected = [
        "ноль",
        "один",
        "два",
        "двадцать",
        "двадцать один",
        "девяносто девять",
        "сто",
        "сто один",
        "сто одиннадцать",
        "тысяча",
        "тысяча один",
        "две тысячи",
        "две тысячи триста сорок пять",
        "десять тысяч",
        "двадцать одна тысяча",
        "сто тысяч",
        "девятьсот девяносто девять тысяч девятьсот девяносто девять",
    ];
    for (n, words) in SAMPLES.into_iter().zip(expected) {
        assert_eq!(ru(n), words, "{n}");
    }
}

#[test]
fn russian_teens() {
    let expected = [
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
    for (n, words) in (11..=19).zip(expected) {
        assert_eq!(ru(n), words, "{n}");
    }
}

#[test]
fn russian_gender_of_one_and_two() {
    let cases = [
        (1, ["один", "одна", "одно"]),
        (2, ["два", "две", "два"]),
        (21, ["двадцать один", "двадцать одна", "двадцать одно"]),
        (22, ["двадцать два", "двадцать две", "двадцать два"]),
        (1001, ["тысяча один", "тысяча одна", "тысяча одно"]),
    ];
    for (n, forms) in cases {
        let genders = [Gender::Masculine, Gender::Feminine, Gender::Neuter];
        for (gender, words) in genders.into_iter().zip(forms) {
            assert_eq!(ru_as(n, gender), words, "{n} {gender:?}");
        }
    }
}

#[test]
fn russian_thousands_agree_in_number_and_are_feminine_whatever_the_gender_asked() {
    let cases = [
        (1, "тысяча"),
        (2, "две тысячи"),
        (4, "четыре тысячи"),
        (5, "пять тысяч"),
        (11, "одиннадцать тысяч"),
        (12, "двенадцать тысяч"),
        (14, "четырнадцать тысяч"),
        (20, "двадцать тысяч"),
        (21, "двадцать одна тысяча"),
        (22, "двадцать две тысячи"),
        (25, "двадцать пять тысяч"),
        (111, "сто одиннадцать тысяч"),
        (101, "сто одна тысяча"),
    ];
    for (thousands, words) in cases {
        let n = thousands * 1000;
        for gender in [Gender::Masculine, Gender::Feminine, Gender::Neuter] {
            assert_eq!(ru_as(n, gender), words, "{n} {gender:?}");
        }
    }
}

#[test]
fn russian_millions() {
    assert_eq!(ru(1_000_000), "миллион");
    assert_eq!(ru(1_001_000), "миллион одна тысяча");
    assert_eq!(ru(2_000_000), "два миллиона");
    assert_eq!(ru(5_000_000), "пять миллионов");
    assert_eq!(ru(21_000_000), "двадцать один миллион");
    assert_eq!(
        ru(u32::MAX),
        "четыре миллиарда двести девяносто четыре миллиона девятьсот шестьдесят семь тысяч \
         двести девяносто пять"
    );
}

#[test]
fn spoken_tickets_drop_leading_zeros() {
    assert_eq!(spoken_ticket("A017", Language::Ru), "А семнадцать");
    assert_eq!(spoken_ticket("A017", Language::En), "A seventeen");
    assert_eq!(spoken_ticket("A017", Language::De), "A siebzehn");
    assert_eq!(spoken_ticket("A001", Language::Ru), "А один");
    assert_eq!(spoken_ticket("A001", Language::De), "A eins");
    assert_eq!(spoken_ticket("B002", Language::Ru), "Бэ два");
    assert_eq!(spoken_ticket("C100", Language::En), "C one hundred");
    assert_eq!(spoken_ticket("A000", Language::En), "A zero");
}

#[test]
fn russian_reads_a_latin_prefix_with_cyrillic_letters() {
    // The А of "А семнадцать" is the Cyrillic letter, or a Russian voice reads it as English.
    assert!(spoken_ticket("A017", Language::Ru).starts_with('\u{410}'));
    let alphabet: Vec<String> = ('A'..='Z')
        .map(|letter| spoken_ticket(&letter.to_string(), Language::Ru))
        .collect();
    assert_eq!(
        alphabet,
        [
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
        ]
    );
    assert!(
        alphabet
            .iter()
            .flat_map(|name| name.chars())
            .all(|c| !c.is_ascii_alphabetic())
    );
}

#[test]
fn spoken_tickets_with_several_letters_and_cyrillic_prefixes() {
    assert_eq!(spoken_ticket("Б005", Language::Ru), "Б пять");
    assert_eq!(spoken_ticket("ВИП012", Language::Ru), "В И П двенадцать");
    assert_eq!(spoken_ticket("AB021", Language::Ru), "А Бэ двадцать один");
    assert_eq!(spoken_ticket("AB021", Language::En), "A B twenty-one");
    assert_eq!(spoken_ticket("Б005", Language::En), "Б five");
    assert_eq!(spoken_ticket("a7", Language::Ru), "А семь");
}

#[test]
fn the_default_announcements() {
    assert_eq!(
        announcement(default_template(Language::Ru), Language::Ru, "A017", "3"),
        "Талон А семнадцать, окно три"
    );
    assert_eq!(
        announcement(default_template(Language::En), Language::En, "A017", "3"),
        "Ticket A seventeen, counter three"
    );
    assert_eq!(
        announcement(default_template(Language::De), Language::De, "A017", "3"),
        "Nummer A siebzehn, Schalter drei"
    );
    assert_eq!(
        announcement(default_template(Language::Ru), Language::Ru, "Б005", "1"),
        "Талон Б пять, окно один"
    );
    assert_eq!(
        announcement(default_template(Language::De), Language::De, "C101", "1"),
        "Nummer C einhunderteins, Schalter eins"
    );
}

#[test]
fn a_template_with_only_the_ticket() {
    assert_eq!(
        announcement("{ticket}", Language::En, "A017", "3"),
        "A seventeen"
    );
    assert_eq!(
        announcement("Приглашается {ticket}", Language::Ru, "A017", "3"),
        "Приглашается А семнадцать"
    );
}

#[test]
fn a_workplace_name_that_is_not_a_number_is_kept() {
    assert_eq!(
        announcement(
            default_template(Language::De),
            Language::De,
            "A017",
            "VIP-Lounge"
        ),
        "Nummer A siebzehn, Schalter VIP-Lounge"
    );
    assert_eq!(
        announcement(default_template(Language::En), Language::En, "A017", "3A"),
        "Ticket A seventeen, counter 3A"
    );
}

#[test]
fn placeholders_are_filled_once_and_unknown_ones_kept() {
    assert_eq!(
        announcement(
            "{workplace}: {ticket} {other}",
            Language::En,
            "A1",
            "{ticket}"
        ),
        "{ticket}: A one {other}"
    );
    assert_eq!(
        announcement("{ticket}{ticket}", Language::En, "A1", "2"),
        "A oneA one"
    );
}

#[test]
fn a_digit_run_too_long_for_a_number_is_read_digit_by_digit() {
    assert_eq!(
        spoken_ticket("A12345678901", Language::En),
        "A one two three four five six seven eight nine zero one"
    );
    assert_eq!(spoken_ticket("A-17", Language::En), "A seventeen");
}
