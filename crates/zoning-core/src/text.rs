//! Text encodings of the files Vietnamese offices send: UTF-8, Windows-1258,
//! TCVN3 (ABC), VNI-Windows and VISCII.
//!
//! [`decode`] turns the bytes of a `.dbf` field or a CSV into Unicode text in
//! NFC (composed: a name read from a Windows-1258 file compares equal to the
//! same name typed elsewhere). [`detect`] says which encoding a text is in
//! when nothing else says: valid UTF-8 is UTF-8; otherwise each legacy
//! encoding decodes it and the one whose words are Vietnamese syllables wins.
//! docs/encodings.md has the tables, their sources and what cannot be
//! recovered (the capitals of TCVN3).

mod syllable;
mod tables;

use std::sync::OnceLock;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A text encoding a `.dbf` or CSV may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 (with or without BOM).
    Utf8,
    /// Windows-1258 (Vietnamese code page; tone marks as combining marks).
    Cp1258,
    /// TCVN3 / TCVN 5712:1993 VN3 (the `.VnTime` fonts, "ABC").
    Tcvn3,
    /// VNI-Windows (the "VNI-Times" fonts).
    Vni,
    /// VISCII (RFC 1456).
    Viscii,
}

impl Encoding {
    /// The encoding a name says (`utf-8`, `cp1258`, `tcvn3`, `vni`, `viscii`,
    /// and their usual spellings), any case.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" | "65001" => Some(Self::Utf8),
            "cp1258" | "windows-1258" | "1258" => Some(Self::Cp1258),
            "tcvn3" | "tcvn" | "abc" | "tcvn5712" | ".vntime" => Some(Self::Tcvn3),
            "vni" | "vni-windows" => Some(Self::Vni),
            "viscii" => Some(Self::Viscii),
            _ => None,
        }
    }

    /// Its name in messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Cp1258 => "Windows-1258",
            Self::Tcvn3 => "TCVN3 (ABC)",
            Self::Vni => "VNI-Windows",
            Self::Viscii => "VISCII",
        }
    }
}

impl Encoding {
    /// Every encoding, in the order [`detect`] prefers on a tie.
    pub const ALL: [Self; 5] = [
        Self::Utf8,
        Self::Tcvn3,
        Self::Vni,
        Self::Cp1258,
        Self::Viscii,
    ];

    /// The code page a shapefile's `.cpg` names: UTF-8 (`UTF-8`, `65001`),
    /// Windows-1258 (`1258`, `cp1258`, `windows-1258`), the names
    /// [`Encoding::parse`] reads (`TCVN3`, `VNI`, `VISCII`), and any other code
    /// page `encoding_rs` knows (`1252`, `ISO-8859-1`, `cp1251`, …), which is
    /// decoded by `encoding_rs`. `None` for a label no one knows.
    ///
    /// # Examples
    /// ```
    /// use zoning_core::text::{CodePage, Encoding};
    /// assert_eq!(Encoding::from_cpg("1258"), Some(CodePage::Text(Encoding::Cp1258)));
    /// assert_eq!(Encoding::from_cpg(" UTF-8\r\n"), Some(CodePage::Text(Encoding::Utf8)));
    /// assert_eq!(Encoding::from_cpg("1252").map(|c| c.name()), Some("windows-1252"));
    /// assert_eq!(Encoding::from_cpg("EBCDIC-Q"), None);
    /// ```
    #[must_use]
    pub fn from_cpg(label: &str) -> Option<CodePage> {
        let label = label.trim().trim_start_matches('\u{feff}').trim();
        if let Some(e) = Self::parse(label) {
            return Some(CodePage::Text(e));
        }
        let l = label.to_ascii_lowercase();
        if l == "windows-1258" || l == "cp1258" {
            return Some(CodePage::Text(Self::Cp1258));
        }
        // `1252` and `cp1252` are Windows code pages; encoding_rs knows them
        // as `windows-1252`
        let named = l
            .strip_prefix("cp")
            .unwrap_or(&l)
            .parse::<u16>()
            .map_or(l.clone(), |n| format!("windows-{n}"));
        let e = encoding_rs::Encoding::for_label(named.as_bytes())?;
        Some(if e == encoding_rs::UTF_8 {
            CodePage::Text(Self::Utf8)
        } else if e == encoding_rs::WINDOWS_1258 {
            CodePage::Text(Self::Cp1258)
        } else {
            CodePage::Other(e)
        })
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a `.cpg` names: one of the encodings of this module, or another code
/// page that `encoding_rs` decodes (Windows-1252 and the like).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePage {
    /// UTF-8 or a Vietnamese encoding.
    Text(Encoding),
    /// Another code page.
    Other(&'static encoding_rs::Encoding),
}

impl CodePage {
    /// Decodes `bytes` to NFC text.
    #[must_use]
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Self::Text(e) => decode(bytes, e),
            Self::Other(e) => e.decode_without_bom_handling(bytes).0.nfc().collect(),
        }
    }

    /// Its name in messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Text(e) => e.name(),
            Self::Other(e) => e.name(),
        }
    }
}

/// Decodes `bytes` written in `enc` to Unicode text in NFC.
///
/// UTF-8 drops a leading BOM and replaces invalid sequences with U+FFFD;
/// Windows-1258 is `encoding_rs`'s; TCVN3, VISCII and VNI-Windows follow the
/// tables in docs/encodings.md. TCVN3 has no codes for most toned capitals,
/// so a word whose other letters are all capitals gets its toned letters in
/// capitals too (`C«NG` → `CÔNG`); see docs/encodings.md.
///
/// # Examples
/// ```
/// use zoning_core::text::{decode, Encoding};
/// assert_eq!(decode(b"Khu c\xabng nghi\xd6p \xa7\xd7nh Tr\xb8m", Encoding::Tcvn3), "Khu công nghiệp Đình Trám");
/// assert_eq!(decode(b"Khu co\xe2ng nghie\xe4p \xd1\xecnh", Encoding::Vni), "Khu công nghiệp Đình");
/// assert_eq!(decode(b"\xd0i\xccnh Tra\xecm", Encoding::Cp1258), "Đình Trám");
/// ```
#[must_use]
pub fn decode(bytes: &[u8], enc: Encoding) -> String {
    match enc {
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8_lossy(bytes).nfc().collect()
        }
        Encoding::Cp1258 => encoding_rs::WINDOWS_1258
            .decode_without_bom_handling(bytes)
            .0
            .nfc()
            .collect(),
        Encoding::Tcvn3 => tcvn3(bytes),
        Encoding::Viscii => bytes
            .iter()
            .map(|&b| single(b, &tables::VISCII_C0, &tables::VISCII_HIGH))
            .collect(),
        Encoding::Vni => vni(bytes),
    }
}

/// A byte of a single-byte table: its C0 exceptions, ASCII, its high half.
fn single(b: u8, c0: &[(u8, char)], high: &[char; 128]) -> char {
    if b >= 0x80 {
        high[usize::from(b - 0x80)]
    } else {
        c0.iter()
            .find(|(k, _)| *k == b)
            .map_or(char::from(b), |(_, c)| *c)
    }
}

/// How sure a TCVN3 letter is of its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Upper,
    Lower,
    /// A lower-case code, which the `.VnTimeH` fonts draw as a capital.
    Either,
    /// Not a letter.
    None,
}

/// TCVN3, with the capitals the `.VnTimeH` fonts draw from lower-case codes
/// recovered from the case of the rest of the word (docs/encodings.md).
fn tcvn3(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let chars: Vec<(char, Case)> = line
            .iter()
            .map(|&b| {
                let c = single(b, &tables::TCVN3_C0, &tables::TCVN3_HIGH);
                let case = if c.is_uppercase() {
                    Case::Upper
                } else if c.is_lowercase() {
                    if b >= 0x80 {
                        Case::Either
                    } else {
                        Case::Lower
                    }
                } else {
                    Case::None
                };
                (c, case)
            })
            .collect();
        let count =
            |chars: &[(char, Case)], case: Case| chars.iter().filter(|(_, k)| *k == case).count();
        let is_letter = |(c, _): &(char, Case)| c.is_alphabetic() || is_combining_mark(*c);
        // a line with no sure lower-case letter and a word of two capitals
        let words: Vec<&[(char, Case)]> = chars
            .split(|c| !is_letter(c))
            .filter(|w| !w.is_empty())
            .collect();
        let line_in_capitals =
            count(&chars, Case::Lower) == 0 && words.iter().any(|w| count(w, Case::Upper) >= 2);
        let mut start = 0;
        while start < chars.len() {
            let len = chars[start..]
                .iter()
                .position(|c| !is_letter(c))
                .unwrap_or(chars.len() - start);
            let word = &chars[start..start + len];
            let (upper, lower) = (count(word, Case::Upper), count(word, Case::Lower));
            let capitals = lower == 0 && (upper >= 2 || line_in_capitals);
            for &(c, case) in word {
                if capitals && case == Case::Either {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
            }
            if let Some(&(c, _)) = chars.get(start + len) {
                out.push(c);
            }
            start += len + 1;
        }
    }
    out.nfc().collect()
}

/// Windows-1252, byte by byte (the bytes of VNI-Windows that are not
/// letters).
fn cp1252(b: u8) -> char {
    static TABLE: OnceLock<Vec<char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=255u8)
            .map(|b| {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(&[b])
                    .0
                    .chars()
                    .next()
                    .unwrap_or('\u{FFFD}')
            })
            .collect()
    })[usize::from(b)]
}

/// VNI-Windows: a base letter and the byte of its diacritics, or a one-byte
/// letter, or Windows-1252.
fn vni(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let base = match b {
            b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'A' | b'E' | b'I' | b'O' | b'U' | b'Y' => {
                Some(char::from(b))
            }
            0xD4 => Some('Ơ'),
            0xF4 => Some('ơ'),
            0xD6 => Some('Ư'),
            0xF6 => Some('ư'),
            _ => None,
        };
        let mark = bytes.get(i + 1).and_then(|&m| {
            tables::VNI_MARKS
                .iter()
                .find(|k| k.upper == m || k.upper + 0x20 == m)
        });
        if let (Some(base), Some(mark)) = (base, mark) {
            let fits = match mark.quality {
                None => true,
                Some('\u{302}') => matches!(base.to_ascii_lowercase(), 'a' | 'e' | 'o'),
                Some(_) => base.eq_ignore_ascii_case(&'a'),
            };
            if fits {
                out.push(base);
                out.extend(mark.quality);
                out.extend(mark.tone);
                i += 2;
                continue;
            }
        }
        let letter = tables::VNI_LETTERS.iter().find_map(|&(upper, c)| {
            if b == upper {
                Some(c)
            } else if b == upper + 0x20 {
                c.to_lowercase().next()
            } else {
                None
            }
        });
        out.push(letter.unwrap_or_else(|| cp1252(b)));
        i += 1;
    }
    out.nfc().collect()
}

/// Which encoding a text is in, as [`detect`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    /// The encoding whose decoding reads best ([`Encoding::Utf8`] for ASCII).
    pub encoding: Encoding,
    /// Whether the text is plain ASCII (the encoding does not matter).
    pub ascii: bool,
    /// Words with letters outside ASCII, as this encoding decodes them.
    pub words: usize,
    /// How many of those are Vietnamese syllables.
    pub syllables: usize,
}

/// At most this much text is weighed by [`detect`] (1 MiB).
pub const DETECT_LIMIT: usize = 1 << 20;

/// Symbols outside ASCII that Vietnamese text uses; others count against an
/// encoding that decodes to them.
const SYMBOLS: &str = "\u{a0}°²³±×÷–—‘’“”…•€№";

/// Scores one decoding: +3 for each word (outside ASCII) that is a Vietnamese
/// syllable, −3 for each that is not, −2 for an unusual symbol, −4 for a
/// control character or U+FFFD.
fn score(text: &str) -> (i64, usize, usize) {
    let mut score = 0i64;
    let (mut words, mut syllables) = (0, 0);
    for c in text.chars() {
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFD}' {
            score -= 4;
        } else if !c.is_ascii()
            && !c.is_alphabetic()
            && !is_combining_mark(c)
            && !c.is_whitespace()
            && !SYMBOLS.contains(c)
        {
            score -= 2;
        }
    }
    for word in text
        .split(|c: char| !(c.is_alphabetic() || is_combining_mark(c)))
        .filter(|w| !w.is_ascii())
    {
        words += 1;
        if syllable::is_syllable(word) {
            syllables += 1;
            score += 3;
        } else {
            score -= 3;
        }
    }
    (score, words, syllables)
}

/// Says which encoding `bytes` are in: UTF-8 when they are valid UTF-8 (with
/// or without BOM), else the Vietnamese encoding whose decoding has the most
/// words that are Vietnamese syllables and the fewest control characters and
/// stray symbols (ties go in the order of [`Encoding::ALL`]). Only the first
/// [`DETECT_LIMIT`] bytes are weighed.
///
/// # Examples
/// ```
/// use zoning_core::text::{detect, Encoding};
/// assert_eq!(detect(b"Khu c\xabng nghi\xd6p \xa7\xd7nh Tr\xb8m").encoding, Encoding::Tcvn3);
/// assert_eq!(detect(b"Khu co\xe2ng nghie\xe4p \xd1\xecnh Tra\xf9m").encoding, Encoding::Vni);
/// assert!(detect(b"KCN-01").ascii);
/// ```
#[must_use]
pub fn detect(bytes: &[u8]) -> Detection {
    let mut bytes = &bytes[..bytes.len().min(DETECT_LIMIT)];
    if bytes.is_ascii() {
        return Detection {
            encoding: Encoding::Utf8,
            ascii: true,
            words: 0,
            syllables: 0,
        };
    }
    // a cut in the middle of a UTF-8 sequence is not invalid UTF-8
    if let Err(e) = std::str::from_utf8(bytes) {
        if e.error_len().is_none() {
            bytes = &bytes[..e.valid_up_to()];
        }
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(text) {
        let (_, words, syllables) = score(text);
        return Detection {
            encoding: Encoding::Utf8,
            ascii: false,
            words,
            syllables,
        };
    }
    let mut best: Option<(i64, Detection)> = None;
    for enc in Encoding::ALL.into_iter().skip(1) {
        let (s, words, syllables) = score(&decode(bytes, enc));
        if best.is_none_or(|(b, _)| s > b) {
            best = Some((
                s,
                Detection {
                    encoding: enc,
                    ascii: false,
                    words,
                    syllables,
                },
            ));
        }
    }
    best.map_or(
        Detection {
            encoding: Encoding::Utf8,
            ascii: false,
            words: 0,
            syllables: 0,
        },
        |(_, d)| d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // TCVN3 bytes of "Khu công nghiệp Đình Trám" (as the ABC keyboard types
    // them; the byte values are in the table of TCVN 5712:1993)
    const TCVN3: &[u8] = b"Khu c\xabng nghi\xd6p \xa7\xd7nh Tr\xb8m";

    #[test]
    fn tcvn3_capitals_follow_the_word() {
        assert_eq!(
            decode(b"KHU C\xabNG NGHI\xd6P", Encoding::Tcvn3),
            "KHU CÔNG NGHIỆP"
        );
        assert_eq!(decode(b"\xa7\xd7NH TR\xb8M", Encoding::Tcvn3), "ĐÌNH TRÁM");
        // one capital and lower-case letters: title case, kept
        assert_eq!(decode(b"M\xfc Ph\xf3", Encoding::Tcvn3), "Mỹ Phú");
        // a one-capital word in a line of capitals
        assert_eq!(decode(b"KCN M\xfc", Encoding::Tcvn3), "KCN MỸ");
        // each line on its own
        assert_eq!(
            decode(b"KCN M\xfc\nM\xfc ph\xf3", Encoding::Tcvn3),
            "KCN MỸ\nMỹ phú"
        );
    }

    #[test]
    fn detection_picks_the_encoding_that_reads_as_vietnamese() {
        let text = "Khu công nghiệp Đình Trám; Số hiệu mốc; Ghi chú: mốc bê tông";
        assert_eq!(detect(TCVN3).encoding, Encoding::Tcvn3);
        assert_eq!(detect(text.as_bytes()).encoding, Encoding::Utf8);
        let cp1258: Vec<u8> = encoding_rs::WINDOWS_1258
            .encode(&text.nfd().collect::<String>())
            .0
            .into_owned();
        assert_eq!(detect(&cp1258).encoding, Encoding::Cp1258);
    }

    #[test]
    fn from_cpg_reads_what_gdal_and_arcgis_write() {
        for (label, want) in [
            ("UTF-8", "UTF-8"),
            ("65001", "UTF-8"),
            ("1258", "Windows-1258"),
            ("windows-1258", "Windows-1258"),
            ("CP1258", "Windows-1258"),
            ("TCVN3", "TCVN3 (ABC)"),
            ("VISCII", "VISCII"),
            ("1252", "windows-1252"),
            ("ISO-8859-1", "windows-1252"),
        ] {
            assert_eq!(
                Encoding::from_cpg(label).map(CodePage::name),
                Some(want),
                "{label}"
            );
        }
        assert_eq!(Encoding::from_cpg("BKHCM2"), None);
    }

    proptest::proptest! {
        /// What the `dbf_text` fuzz target checks, on arbitrary bytes.
        #[test]
        fn any_bytes_decode_to_nfc_and_detect(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            for enc in Encoding::ALL {
                let text = decode(&bytes, enc);
                proptest::prop_assert!(unicode_normalization::is_nfc(&text), "{}", enc);
            }
            let d = detect(&bytes);
            proptest::prop_assert_eq!(d.ascii, bytes.is_ascii());
            proptest::prop_assert!(d.syllables <= d.words);
        }
    }
}
