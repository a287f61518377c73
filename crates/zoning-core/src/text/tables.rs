//! Byte tables of the single-byte Vietnamese encodings (TCVN3 and VISCII)
//! and the letters of VNI-Windows.
//!
//! Each table is the published one, code point by code point; the tests in
//! `crates/zoning-core/tests/encodings.rs` compare every byte with glibc's
//! `iconv` (TCVN3, VISCII) and every letter with the VNI-Windows table of `UniKey`
//! (`tests/reference/vni-windows-unikey.txt`).

// TCVN 5712:1993 "Công nghệ thông tin — Bộ mã chuẩn 8-bit kí tự Việt dùng
// trong trao đổi thông tin", table VN1, of which VN3 (the ".VnTime" fonts of
// the ABC keyboard, what offices call TCVN3) is the subset with the
// lowercase letters at 0xA8–0xFE and the bare capitals Ă Â Ê Ô Ơ Ư Đ at
// 0xA1–0xA7. VN1 adds the toned capitals at 0x01–0x17 (replacing twelve
// control codes), 0x80–0x9F and a few places in 0xAF–0xFF, and the five tone
// marks as combining characters at 0xB0–0xB4 (U+0300 U+0309 U+0303 U+0301
// U+0323). The same table is glibc's TCVN5712-1 and X.Org's
// `lcUniConv/tcvn.h` (tcvn_2uni_1, tcvn_2uni_2). Bytes not listed read as
// ASCII.

/// TCVN 5712:1993 VN1 capitals in the C0 range (byte, letter).
pub(super) const TCVN3_C0: [(u8, char); 12] = [
    (0x01, '\u{00DA}'), // LATIN CAPITAL LETTER U WITH ACUTE
    (0x02, '\u{1EE4}'), // LATIN CAPITAL LETTER U WITH DOT BELOW
    (0x04, '\u{1EEA}'), // LATIN CAPITAL LETTER U WITH HORN AND GRAVE
    (0x05, '\u{1EEC}'), // LATIN CAPITAL LETTER U WITH HORN AND HOOK ABOVE
    (0x06, '\u{1EEE}'), // LATIN CAPITAL LETTER U WITH HORN AND TILDE
    (0x11, '\u{1EE8}'), // LATIN CAPITAL LETTER U WITH HORN AND ACUTE
    (0x12, '\u{1EF0}'), // LATIN CAPITAL LETTER U WITH HORN AND DOT BELOW
    (0x13, '\u{1EF2}'), // LATIN CAPITAL LETTER Y WITH GRAVE
    (0x14, '\u{1EF6}'), // LATIN CAPITAL LETTER Y WITH HOOK ABOVE
    (0x15, '\u{1EF8}'), // LATIN CAPITAL LETTER Y WITH TILDE
    (0x16, '\u{00DD}'), // LATIN CAPITAL LETTER Y WITH ACUTE
    (0x17, '\u{1EF4}'), // LATIN CAPITAL LETTER Y WITH DOT BELOW
];

/// TCVN 5712:1993 VN1, bytes 0x80–0xFF.
pub(super) const TCVN3_HIGH: [char; 128] = [
    '\u{00C0}', '\u{1EA2}', '\u{00C3}', '\u{00C1}', '\u{1EA0}', '\u{1EB6}', '\u{1EAC}',
    '\u{00C8}', // 80
    '\u{1EBA}', '\u{1EBC}', '\u{00C9}', '\u{1EB8}', '\u{1EC6}', '\u{00CC}', '\u{1EC8}',
    '\u{0128}', // 88
    '\u{00CD}', '\u{1ECA}', '\u{00D2}', '\u{1ECE}', '\u{00D5}', '\u{00D3}', '\u{1ECC}',
    '\u{1ED8}', // 90
    '\u{1EDC}', '\u{1EDE}', '\u{1EE0}', '\u{1EDA}', '\u{1EE2}', '\u{00D9}', '\u{1EE6}',
    '\u{0168}', // 98
    '\u{00A0}', '\u{0102}', '\u{00C2}', '\u{00CA}', '\u{00D4}', '\u{01A0}', '\u{01AF}',
    '\u{0110}', // A0
    '\u{0103}', '\u{00E2}', '\u{00EA}', '\u{00F4}', '\u{01A1}', '\u{01B0}', '\u{0111}',
    '\u{1EB0}', // A8
    '\u{0300}', '\u{0309}', '\u{0303}', '\u{0301}', '\u{0323}', '\u{00E0}', '\u{1EA3}',
    '\u{00E3}', // B0
    '\u{00E1}', '\u{1EA1}', '\u{1EB2}', '\u{1EB1}', '\u{1EB3}', '\u{1EB5}', '\u{1EAF}',
    '\u{1EB4}', // B8
    '\u{1EAE}', '\u{1EA6}', '\u{1EA8}', '\u{1EAA}', '\u{1EA4}', '\u{1EC0}', '\u{1EB7}',
    '\u{1EA7}', // C0
    '\u{1EA9}', '\u{1EAB}', '\u{1EA5}', '\u{1EAD}', '\u{00E8}', '\u{1EC2}', '\u{1EBB}',
    '\u{1EBD}', // C8
    '\u{00E9}', '\u{1EB9}', '\u{1EC1}', '\u{1EC3}', '\u{1EC5}', '\u{1EBF}', '\u{1EC7}',
    '\u{00EC}', // D0
    '\u{1EC9}', '\u{1EC4}', '\u{1EBE}', '\u{1ED2}', '\u{0129}', '\u{00ED}', '\u{1ECB}',
    '\u{00F2}', // D8
    '\u{1ED4}', '\u{1ECF}', '\u{00F5}', '\u{00F3}', '\u{1ECD}', '\u{1ED3}', '\u{1ED5}',
    '\u{1ED7}', // E0
    '\u{1ED1}', '\u{1ED9}', '\u{1EDD}', '\u{1EDF}', '\u{1EE1}', '\u{1EDB}', '\u{1EE3}',
    '\u{00F9}', // E8
    '\u{1ED6}', '\u{1EE7}', '\u{0169}', '\u{00FA}', '\u{1EE5}', '\u{1EEB}', '\u{1EED}',
    '\u{1EEF}', // F0
    '\u{1EE9}', '\u{1EF1}', '\u{1EF3}', '\u{1EF7}', '\u{1EF9}', '\u{00FD}', '\u{1EF5}',
    '\u{1ED0}', // F8
];

// RFC 1456 (Vietnamese Standardization Working Group, May 1993),
// "Conventions for Encoding the Vietnamese Language: VISCII", Table 1
// "VISCII 8-bit Encoding Table (v1.1)": six rarely used control codes carry
// capitals, and 0x80–0xFF the other 128 precomposed letters. The same table
// is glibc's VISCII and the IANA charset "VISCII". Bytes not listed read as
// ASCII.

/// VISCII letters in the C0 range (byte, letter).
pub(super) const VISCII_C0: [(u8, char); 6] = [
    (0x02, '\u{1EB2}'), // LATIN CAPITAL LETTER A WITH BREVE AND HOOK ABOVE
    (0x05, '\u{1EB4}'), // LATIN CAPITAL LETTER A WITH BREVE AND TILDE
    (0x06, '\u{1EAA}'), // LATIN CAPITAL LETTER A WITH CIRCUMFLEX AND TILDE
    (0x14, '\u{1EF6}'), // LATIN CAPITAL LETTER Y WITH HOOK ABOVE
    (0x19, '\u{1EF8}'), // LATIN CAPITAL LETTER Y WITH TILDE
    (0x1E, '\u{1EF4}'), // LATIN CAPITAL LETTER Y WITH DOT BELOW
];

/// VISCII, bytes 0x80–0xFF.
pub(super) const VISCII_HIGH: [char; 128] = [
    '\u{1EA0}', '\u{1EAE}', '\u{1EB0}', '\u{1EB6}', '\u{1EA4}', '\u{1EA6}', '\u{1EA8}',
    '\u{1EAC}', // 80
    '\u{1EBC}', '\u{1EB8}', '\u{1EBE}', '\u{1EC0}', '\u{1EC2}', '\u{1EC4}', '\u{1EC6}',
    '\u{1ED0}', // 88
    '\u{1ED2}', '\u{1ED4}', '\u{1ED6}', '\u{1ED8}', '\u{1EE2}', '\u{1EDA}', '\u{1EDC}',
    '\u{1EDE}', // 90
    '\u{1ECA}', '\u{1ECE}', '\u{1ECC}', '\u{1EC8}', '\u{1EE6}', '\u{0168}', '\u{1EE4}',
    '\u{1EF2}', // 98
    '\u{00D5}', '\u{1EAF}', '\u{1EB1}', '\u{1EB7}', '\u{1EA5}', '\u{1EA7}', '\u{1EA9}',
    '\u{1EAD}', // A0
    '\u{1EBD}', '\u{1EB9}', '\u{1EBF}', '\u{1EC1}', '\u{1EC3}', '\u{1EC5}', '\u{1EC7}',
    '\u{1ED1}', // A8
    '\u{1ED3}', '\u{1ED5}', '\u{1ED7}', '\u{1EE0}', '\u{01A0}', '\u{1ED9}', '\u{1EDD}',
    '\u{1EDF}', // B0
    '\u{1ECB}', '\u{1EF0}', '\u{1EE8}', '\u{1EEA}', '\u{1EEC}', '\u{01A1}', '\u{1EDB}',
    '\u{01AF}', // B8
    '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{00C3}', '\u{1EA2}', '\u{0102}', '\u{1EB3}',
    '\u{1EB5}', // C0
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{1EBA}', '\u{00CC}', '\u{00CD}', '\u{0128}',
    '\u{1EF3}', // C8
    '\u{0110}', '\u{1EE9}', '\u{00D2}', '\u{00D3}', '\u{00D4}', '\u{1EA1}', '\u{1EF7}',
    '\u{1EEB}', // D0
    '\u{1EED}', '\u{00D9}', '\u{00DA}', '\u{1EF9}', '\u{1EF5}', '\u{00DD}', '\u{1EE1}',
    '\u{01B0}', // D8
    '\u{00E0}', '\u{00E1}', '\u{00E2}', '\u{00E3}', '\u{1EA3}', '\u{0103}', '\u{1EEF}',
    '\u{1EAB}', // E0
    '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{1EBB}', '\u{00EC}', '\u{00ED}', '\u{0129}',
    '\u{1EC9}', // E8
    '\u{0111}', '\u{1EF1}', '\u{00F2}', '\u{00F3}', '\u{00F4}', '\u{00F5}', '\u{1ECF}',
    '\u{1ECD}', // F0
    '\u{1EE5}', '\u{00F9}', '\u{00FA}', '\u{0169}', '\u{1EE7}', '\u{00FD}', '\u{1EE3}',
    '\u{1EEE}', // F8
];

// VNI-Windows (VNI Software Company, the "VNI-Times" fonts): a letter is its
// ASCII base letter followed by one byte carrying its diacritics, except the
// letters listed in `VNI_LETTERS`, which are one byte. Upper- and lower-case
// letters take different diacritic bytes (the upper-case byte is the
// lower-case one minus 0x20); other bytes are Windows-1252. Published as the
// "VNI-WIN" table of UniKey's VnConv library (Pham Kim Long, 1998–2002,
// `ukengine/data.cpp`), kept under tests/reference/vni-windows-unikey.txt.

/// A diacritic byte of VNI-Windows: which letters it goes on and the
/// combining marks it adds.
#[derive(Debug, Clone, Copy)]
pub(super) struct VniMark {
    /// The upper-case byte (after a capital); the lower-case one is 0x20 more.
    pub upper: u8,
    /// The vowel quality it adds: circumflex (U+0302) or breve (U+0306).
    pub quality: Option<char>,
    /// The tone it adds (U+0300 U+0301 U+0303 U+0309 U+0323).
    pub tone: Option<char>,
}

const fn mark(upper: u8, quality: Option<char>, tone: Option<char>) -> VniMark {
    VniMark {
        upper,
        quality,
        tone,
    }
}

const GRAVE: Option<char> = Some('\u{300}');
const ACUTE: Option<char> = Some('\u{301}');
const TILDE: Option<char> = Some('\u{303}');
const HOOK: Option<char> = Some('\u{309}');
const DOT: Option<char> = Some('\u{323}');
const CIRCUMFLEX: Option<char> = Some('\u{302}');
const BREVE: Option<char> = Some('\u{306}');

/// The diacritic bytes of VNI-Windows (upper-case forms).
pub(super) const VNI_MARKS: [VniMark; 17] = [
    // tones alone, on a e i o u y ơ ư
    mark(0xD9, None, ACUTE),
    mark(0xD8, None, GRAVE),
    mark(0xDB, None, HOOK),
    mark(0xD5, None, TILDE),
    mark(0xCF, None, DOT),
    // circumflex, with or without a tone, on a e o
    mark(0xC2, CIRCUMFLEX, None),
    mark(0xC1, CIRCUMFLEX, ACUTE),
    mark(0xC0, CIRCUMFLEX, GRAVE),
    mark(0xC5, CIRCUMFLEX, HOOK),
    mark(0xC3, CIRCUMFLEX, TILDE),
    mark(0xC4, CIRCUMFLEX, DOT),
    // breve, with or without a tone, on a
    mark(0xCA, BREVE, None),
    mark(0xC9, BREVE, ACUTE),
    mark(0xC8, BREVE, GRAVE),
    mark(0xDA, BREVE, HOOK),
    mark(0xDC, BREVE, TILDE),
    mark(0xCB, BREVE, DOT),
];

/// The one-byte letters of VNI-Windows (upper-case byte, letter); the
/// lower-case letter is 0x20 more.
pub(super) const VNI_LETTERS: [(u8, char); 9] = [
    (0xCD, 'Í'),
    (0xCC, 'Ì'),
    (0xC6, 'Ỉ'),
    (0xD3, 'Ĩ'),
    (0xD2, 'Ị'),
    (0xCE, 'Ỵ'),
    (0xD1, 'Đ'),
    (0xD4, 'Ơ'),
    (0xD6, 'Ư'),
];
