//! The Vietnamese encodings against references we did not write: glibc's
//! `iconv` (TCVN5712-1, VISCII, CP1258) byte by byte, and the published
//! VNI-Windows table of `UniKey` (tests/reference/vni-windows-unikey.txt) letter by
//! letter; then detection on text those references encoded.

use std::io::Write;
use std::process::{Command, Stdio};

use unicode_normalization::UnicodeNormalization;
use zoning_core::text::{decode, detect, Encoding};

/// `iconv -f from -t to` over `input`.
fn iconv(from: &str, to: &str, input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("iconv")
        .args(["-f", from, "-t", to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("iconv (glibc) must be installed for these tests");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write to iconv");
    let out = child.wait_with_output().expect("iconv");
    assert!(
        out.status.success(),
        "iconv -f {from} -t {to}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// What glibc makes of each byte in `bytes`, each alone (NFC).
fn glibc_bytes(charset: &str, bytes: impl Iterator<Item = u8>) -> Vec<(u8, String)> {
    let bytes: Vec<u8> = bytes.collect();
    // one call: every byte on its own line (0x0A itself is left out)
    let input: Vec<u8> = bytes.iter().flat_map(|&b| [b, b'\n']).collect();
    let out = String::from_utf8(iconv(charset, "UTF-8", &input)).expect("UTF-8 from iconv");
    let lines: Vec<&str> = out.split('\n').collect();
    bytes
        .iter()
        .zip(lines)
        .map(|(&b, s)| (b, s.nfc().collect()))
        .collect()
}

fn every_byte_but_newline() -> impl Iterator<Item = u8> {
    (0u8..=255).filter(|&b| b != b'\n' && b != 0)
}

#[test]
fn tcvn3_is_glibc_tcvn5712_1_for_every_byte() {
    for (b, want) in glibc_bytes("TCVN5712-1", every_byte_but_newline()) {
        assert_eq!(decode(&[b], Encoding::Tcvn3), want, "TCVN3 byte {b:#04x}");
    }
}

#[test]
fn viscii_is_glibc_viscii_for_every_byte() {
    for (b, want) in glibc_bytes("VISCII", every_byte_but_newline()) {
        assert_eq!(decode(&[b], Encoding::Viscii), want, "VISCII byte {b:#04x}");
    }
}

#[test]
fn windows_1258_is_glibc_cp1258_composed() {
    // 0x81 0x8A 0x8D–0x90 0x9A 0x9D 0x9E are unassigned in CP1258 (glibc
    // refuses them); encoding_rs follows WHATWG there
    let assigned = (0x80u8..=0xFF).filter(|b| {
        !matches!(
            b,
            0x81 | 0x8A | 0x8D | 0x8E | 0x8F | 0x90 | 0x9A | 0x9D | 0x9E
        )
    });
    for (b, want) in glibc_bytes("CP1258", assigned) {
        assert_eq!(decode(&[b], Encoding::Cp1258), want, "CP1258 byte {b:#04x}");
    }
}

/// Every Vietnamese letter, lower case then upper case.
fn letters() -> (String, String) {
    let lower: String = "aăâeêioôơuưy"
        .chars()
        .flat_map(|v| {
            ["", "\u{300}", "\u{301}", "\u{303}", "\u{309}", "\u{323}"]
                .into_iter()
                .map(move |t| format!("{v}{t}"))
        })
        .collect::<String>()
        .nfc()
        .chain("bcdđghklmnpqrstvx".chars())
        .collect();
    let upper = lower.to_uppercase();
    (lower, upper)
}

#[test]
fn tcvn3_lower_case_and_bare_capitals_round_trip_through_glibc() {
    let (lower, _) = letters();
    for c in lower.chars().chain("ĂÂÊÔƠƯĐ".chars()) {
        let bytes = iconv("UTF-8", "TCVN5712-1", c.to_string().as_bytes());
        assert_eq!(bytes.len(), 1, "{c} is one byte in TCVN3");
        assert!(
            bytes[0] >= 0xA1 || bytes[0].is_ascii_alphabetic(),
            "{c}: {bytes:?}"
        );
        assert_eq!(decode(&bytes, Encoding::Tcvn3), c.to_string(), "{c}");
    }
}

/// The VNI-Windows table of `UniKey`: (letter, bytes).
fn vni_reference() -> Vec<(char, Vec<u8>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/vni-windows-unikey.txt"
    );
    let text = std::fs::read_to_string(path).expect("tests/reference/vni-windows-unikey.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            let mut hex = || u32::from_str_radix(it.next().expect("two columns"), 16).expect("hex");
            let (u, w) = (hex(), hex());
            let c = char::from_u32(u).expect("code point");
            let [low, high] = u16::try_from(w).expect("16 bits").to_le_bytes();
            let bytes = if high == 0 {
                vec![low]
            } else {
                vec![low, high]
            };
            (c, bytes)
        })
        .collect()
}

#[test]
fn vni_reads_every_letter_of_unikeys_table() {
    let table = vni_reference();
    assert_eq!(table.len(), 186);
    for (c, bytes) in &table {
        assert_eq!(
            decode(bytes, Encoding::Vni),
            c.to_string(),
            "{c}: {bytes:02x?}"
        );
    }
    // and all of them in a row, as they come in a word
    let all: Vec<u8> = table.iter().flat_map(|(_, b)| b.clone()).collect();
    let want: String = table.iter().map(|(c, _)| *c).collect();
    assert_eq!(decode(&all, Encoding::Vni), want);
}

const TEXT: &str = "Khu công nghiệp Đình Trám, huyện Việt Yên; Quang Châu mở rộng giai đoạn 1; \
                    Song Khê - Nội Hoàng; Số hiệu mốc; Ghi chú: mốc bê tông cũ, đã được đo lại \
                    theo hệ tọa độ VN-2000; diện tích đất ở và đất nước; người khuyết tật; quyển sổ";

#[test]
fn text_encoded_by_the_references_is_detected_and_read_back() {
    let text: String = TEXT.nfc().collect();
    let vni: std::collections::HashMap<char, Vec<u8>> = vni_reference().into_iter().collect();
    let cases = [
        (
            Encoding::Tcvn3,
            iconv("UTF-8", "TCVN5712-1", text.as_bytes()),
        ),
        (Encoding::Viscii, iconv("UTF-8", "VISCII", text.as_bytes())),
        (Encoding::Cp1258, iconv("UTF-8", "CP1258", text.as_bytes())),
        (
            Encoding::Vni,
            text.chars()
                .flat_map(|c| {
                    vni.get(&c)
                        .cloned()
                        .unwrap_or_else(|| c.to_string().into_bytes())
                })
                .collect(),
        ),
        (Encoding::Utf8, text.clone().into_bytes()),
    ];
    for (enc, bytes) in cases {
        let d = detect(&bytes);
        assert_eq!(d.encoding, enc, "{enc}: {d:?}");
        assert!(!d.ascii);
        assert_eq!(d.syllables, d.words, "{enc}: {d:?}");
        assert_eq!(decode(&bytes, enc), text, "{enc}");
    }
}

#[test]
fn capitals_in_tcvn3_lower_case_codes_take_the_case_of_their_word() {
    // what a .VnTimeH font shows as capitals: the lower-case codes, with the
    // unaccented letters typed as capitals
    let (lower, _) = letters();
    let line = "KHU CÔNG NGHIỆP ĐÌNH TRÁM";
    let bytes: Vec<u8> = line
        .chars()
        .flat_map(|c| {
            let lc: String = c.to_lowercase().collect();
            if c.is_ascii() {
                vec![u8::try_from(c).expect("ASCII")]
            } else if "ĂÂÊÔƠƯĐ".contains(c) {
                iconv("UTF-8", "TCVN5712-1", c.to_string().as_bytes())
            } else {
                assert!(lower.contains(&lc));
                iconv("UTF-8", "TCVN5712-1", lc.as_bytes())
            }
        })
        .collect();
    assert_eq!(decode(&bytes, Encoding::Tcvn3), line);
}

#[test]
fn short_texts_are_detected() {
    // what a marker table or a one-zone .dbf may hold beside numbers
    let vni: std::collections::HashMap<char, Vec<u8>> = vni_reference().into_iter().collect();
    for text in [
        "Số hiệu mốc;X (m);Y (m)\nM1;2356000,1;416000,2\n",
        "Tên mốc,X,Y,Ghi chú\nM1,1,2,cọc gỗ\n",
        "Khu công nghiệp Quang Châu",
        "Cụm công nghiệp Đồng Đình",
        "KHU CÔNG NGHIỆP VÂN TRUNG",
        "Việt Yên",
    ] {
        let text: String = text.nfc().collect();
        for (enc, bytes) in [
            (
                Encoding::Tcvn3,
                iconv("UTF-8", "TCVN5712-1", text.as_bytes()),
            ),
            (Encoding::Viscii, iconv("UTF-8", "VISCII", text.as_bytes())),
            (Encoding::Cp1258, iconv("UTF-8", "CP1258", text.as_bytes())),
            (
                Encoding::Vni,
                text.chars()
                    .flat_map(|c| {
                        vni.get(&c)
                            .cloned()
                            .unwrap_or_else(|| c.to_string().into_bytes())
                    })
                    .collect(),
            ),
        ] {
            let d = detect(&bytes);
            assert_eq!(d.encoding, enc, "{text:?} in {enc}: {d:?}");
            assert_eq!(decode(&bytes, enc), text, "{enc}");
        }
    }
}
