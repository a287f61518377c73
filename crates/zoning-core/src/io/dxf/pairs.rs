//! The group-code pairs of a DXF file, ASCII or binary.
//!
//! A DXF file is a sequence of pairs: a group code (an integer saying what the
//! value is) and a value. In ASCII DXF each is one line; in binary DXF (which
//! starts with the sentinel `AutoCAD Binary DXF\r\n\x1a\0`) the code is two
//! bytes little-endian (one byte, 255 escaping a two-byte code, before R13)
//! and the value is typed by the code's range (DXF reference, "Group Code
//! Value Types").

/// The sentinel that opens a binary DXF file.
pub const BINARY_SENTINEL: &[u8] = b"AutoCAD Binary DXF\r\n\x1a\0";

/// A pair's value as read: text for ASCII DXF, typed for binary DXF.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The bytes of the value line (ASCII DXF) or a string (binary DXF), not
    /// yet decoded.
    Text(Vec<u8>),
    /// A real (binary DXF).
    Float(f64),
    /// An integer or a boolean (binary DXF).
    Int(i64),
}

/// One group-code pair and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The group code.
    pub code: i32,
    /// The value.
    pub value: Value,
    /// The 1-based line of the group code (ASCII DXF) or the byte offset of
    /// the pair (binary DXF).
    pub at: usize,
}

impl Pair {
    /// The value as a real, if it is one.
    #[must_use]
    pub fn f64(&self) -> Option<f64> {
        match &self.value {
            Value::Float(v) => Some(*v),
            #[allow(clippy::cast_precision_loss)]
            Value::Int(v) => Some(*v as f64),
            Value::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        }
        .filter(|v: &f64| v.is_finite())
    }

    /// The value as an integer, if it is one.
    #[must_use]
    pub fn int(&self) -> Option<i64> {
        match &self.value {
            Value::Int(v) => Some(*v),
            Value::Float(_) => None,
            Value::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        }
    }

    /// The raw bytes of a text value (empty for numbers).
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        match &self.value {
            Value::Text(t) => t,
            _ => &[],
        }
    }

    /// Whether the value is this (ASCII) word, ignoring surrounding blanks.
    #[must_use]
    pub fn is(&self, word: &str) -> bool {
        self.bytes()
            .trim_ascii()
            .eq_ignore_ascii_case(word.as_bytes())
    }
}

/// Why the pairs cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairError {
    /// Line (ASCII) or byte offset (binary).
    pub at: usize,
    /// Whether the file is binary DXF (`at` is a byte offset).
    pub binary: bool,
    /// What is wrong.
    pub reason: String,
}

/// All pairs of a file, up to `EOF` (or the end of the bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs {
    /// The pairs in file order.
    pub pairs: Vec<Pair>,
    /// Whether the file is binary DXF.
    pub binary: bool,
}

/// Reads the pairs of an ASCII or binary DXF file.
///
/// # Errors
/// A group code that is not an integer, a code without a value, a binary
/// value cut short, or more than `max_pairs` pairs.
pub fn read(bytes: &[u8], max_pairs: usize) -> Result<Pairs, PairError> {
    if bytes.starts_with(BINARY_SENTINEL) {
        return read_binary(bytes, max_pairs).map(|pairs| Pairs {
            pairs,
            binary: true,
        });
    }
    read_ascii(bytes, max_pairs).map(|pairs| Pairs {
        pairs,
        binary: false,
    })
}

fn too_many(at: usize, binary: bool, max: usize) -> PairError {
    PairError {
        at,
        binary,
        reason: format!(
            "more than {max} group-code pairs; the drawing is too large for one import: \
             keep only the boundary layers (LAYISO, WBLOCK) or split it"
        ),
    }
}

fn read_ascii(bytes: &[u8], max_pairs: usize) -> Result<Vec<Pair>, PairError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // the newline ending the last line does not start another
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut lines = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l));
    let mut pairs = Vec::new();
    while let Some((line, code)) = lines.next() {
        let code_text = code.trim_ascii();
        if code_text.is_empty() {
            // blank lines after EOF (or a file that ends without it)
            if lines.clone().all(|(_, l)| l.trim_ascii().is_empty()) {
                break;
            }
        }
        let code = std::str::from_utf8(code_text)
            .ok()
            .and_then(|s| s.parse::<i32>().ok())
            .ok_or_else(|| PairError {
                at: line,
                binary: false,
                reason: format!(
                    "a group code (an integer) was expected, found {:?}; the file is damaged, \
                     or not DXF: save it again from AutoCAD as DXF",
                    String::from_utf8_lossy(&code_text[..code_text.len().min(40)])
                ),
            })?;
        let Some((_, value)) = lines.next() else {
            return Err(PairError {
                at: line,
                binary: false,
                reason: format!("group code {code} has no value line: the file is cut short"),
            });
        };
        if pairs.len() >= max_pairs {
            return Err(too_many(line, false, max_pairs));
        }
        let pair = Pair {
            code,
            value: Value::Text(value.to_vec()),
            at: line,
        };
        let eof = code == 0 && pair.is("EOF");
        pairs.push(pair);
        if eof {
            break;
        }
    }
    Ok(pairs)
}

/// How a binary value is stored, by group code.
enum Kind {
    Str,
    F64,
    I16,
    I32,
    I64,
    Bool,
    Chunk,
}

fn kind(code: i32) -> Option<Kind> {
    Some(match code {
        0..=9
        | 100..=109
        | 300..=309
        | 320..=369
        | 390..=399
        | 410..=419
        | 430..=439
        | 470..=481
        | 999
        | 1000..=1003
        | 1005..=1009 => Kind::Str,
        10..=59 | 110..=149 | 210..=239 | 460..=469 | 1010..=1059 => Kind::F64,
        60..=79 | 170..=179 | 270..=289 | 370..=389 | 400..=409 | 1060..=1070 => Kind::I16,
        90..=99 | 420..=429 | 440..=459 | 1071 => Kind::I32,
        160..=169 => Kind::I64,
        290..=299 => Kind::Bool,
        310..=319 | 1004 => Kind::Chunk,
        _ => return None,
    })
}

fn read_binary(bytes: &[u8], max_pairs: usize) -> Result<Vec<Pair>, PairError> {
    let mut pos = BINARY_SENTINEL.len();
    // before R13 group codes are one byte (255 escapes a two-byte code): the
    // first pair is `0 SECTION`, so a one-byte code is followed by `S`
    let one_byte = bytes.get(pos + 1) == Some(&b'S');
    let cut = |at: usize, what: &str| PairError {
        at,
        binary: true,
        reason: format!("the file ends inside {what}: it is cut short"),
    };
    let take = |pos: &mut usize, n: usize, what: &str| -> Result<&[u8], PairError> {
        let s = bytes
            .get(*pos..pos.saturating_add(n))
            .ok_or_else(|| cut(*pos, what))?;
        *pos += n;
        Ok(s)
    };
    let mut pairs = Vec::new();
    while pos < bytes.len() {
        let at = pos;
        let code = if one_byte {
            match take(&mut pos, 1, "a group code")?[0] {
                255 => {
                    let b = take(&mut pos, 2, "a group code")?;
                    i32::from(i16::from_le_bytes([b[0], b[1]]))
                }
                c => i32::from(c),
            }
        } else {
            let b = take(&mut pos, 2, "a group code")?;
            i32::from(u16::from_le_bytes([b[0], b[1]]))
        };
        let what = format!("the value of group code {code}");
        let value = match kind(code) {
            None => {
                return Err(PairError {
                    at,
                    binary: true,
                    reason: format!(
                        "group code {code} is not a DXF group code; the file is damaged: \
                         save it again from AutoCAD (as ASCII DXF if this persists)"
                    ),
                })
            }
            Some(Kind::Str) => {
                let rest = bytes.get(pos..).unwrap_or_default();
                let n = rest
                    .iter()
                    .position(|b| *b == 0)
                    .ok_or_else(|| cut(pos, &what))?;
                let s = rest[..n].to_vec();
                pos += n + 1;
                Value::Text(s)
            }
            Some(Kind::F64) => {
                let b = take(&mut pos, 8, &what)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::Float(f64::from_le_bytes(a))
            }
            Some(Kind::I16) => {
                let b = take(&mut pos, 2, &what)?;
                Value::Int(i64::from(i16::from_le_bytes([b[0], b[1]])))
            }
            Some(Kind::I32) => {
                let b = take(&mut pos, 4, &what)?;
                Value::Int(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            }
            Some(Kind::I64) => {
                let b = take(&mut pos, 8, &what)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::Int(i64::from_le_bytes(a))
            }
            Some(Kind::Bool) => Value::Int(i64::from(take(&mut pos, 1, &what)?[0])),
            Some(Kind::Chunk) => {
                let n = usize::from(take(&mut pos, 1, &what)?[0]);
                Value::Text(take(&mut pos, n, &what)?.to_vec())
            }
        };
        if pairs.len() >= max_pairs {
            return Err(too_many(at, true, max_pairs));
        }
        let pair = Pair { code, value, at };
        let eof = code == 0 && pair.is("EOF");
        pairs.push(pair);
        if eof {
            break;
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_pairs_with_lines_crlf_and_padded_codes() {
        let p = read(
            b"  0\r\nSECTION\r\n  2\r\nENTITIES\r\n 10\r\n 1.5\r\n0\r\nEOF\r\n",
            100,
        )
        .expect("reads");
        assert!(!p.binary);
        assert_eq!(p.pairs.len(), 4);
        assert_eq!(p.pairs[1].code, 2);
        assert!(p.pairs[1].is("ENTITIES"));
        assert_eq!(p.pairs[2].at, 5);
        assert_eq!(p.pairs[2].f64(), Some(1.5));
        assert!(p.pairs[3].is("EOF"));
    }

    #[test]
    fn ascii_errors_name_the_line() {
        let e = read(b"0\nSECTION\nXX\nfoo\n", 100).expect_err("refused");
        assert_eq!(e.at, 3);
        assert!(e.reason.contains("group code"), "{}", e.reason);
        let e = read(b"0\nSECTION\n2\n", 100).expect_err("refused");
        assert_eq!(e.at, 3);
        assert!(e.reason.contains("cut short"), "{}", e.reason);
        let e = read(b"0\nA\n0\nB\n0\nC\n", 2).expect_err("refused");
        assert_eq!(e.at, 5);
    }

    fn binary(pairs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = BINARY_SENTINEL.to_vec();
        for (c, v) in pairs {
            b.extend_from_slice(&c.to_le_bytes());
            b.extend_from_slice(v);
        }
        b
    }

    #[test]
    fn binary_pairs_are_typed_by_code() {
        let x = 420_000.25f64.to_le_bytes();
        let b = binary(&[
            (0, b"SECTION\0"),
            (10, &x),
            (70, &1i16.to_le_bytes()),
            (90, &7i32.to_le_bytes()),
            (290, &[1]),
            (0, b"EOF\0"),
        ]);
        let p = read(&b, 100).expect("reads");
        assert!(p.binary);
        assert!(p.pairs[0].is("SECTION"));
        assert_eq!(p.pairs[1].f64(), Some(420_000.25));
        assert_eq!(p.pairs[2].int(), Some(1));
        assert_eq!(p.pairs[3].int(), Some(7));
        assert_eq!(p.pairs[4].int(), Some(1));
        assert_eq!(p.pairs[1].at, BINARY_SENTINEL.len() + 10);
    }

    #[test]
    fn binary_cut_short_or_unknown_codes_are_refused() {
        let b = binary(&[(0, b"SECTION\0"), (10, &[1, 2, 3])]);
        let e = read(&b, 100).expect_err("refused");
        assert!(e.binary && e.reason.contains("cut short"), "{}", e.reason);
        let b = binary(&[(0, b"SECTION\0"), (2000, b"x\0")]);
        let e = read(&b, 100).expect_err("refused");
        assert!(e.reason.contains("2000"), "{}", e.reason);
        let b = binary(&[(0, b"SECTION")]);
        assert!(read(&b, 100).is_err());
    }

    #[test]
    fn binary_one_byte_codes_before_r13() {
        let mut b = BINARY_SENTINEL.to_vec();
        b.extend_from_slice(b"\0SECTION\0");
        b.push(255);
        b.extend_from_slice(&1000i16.to_le_bytes());
        b.extend_from_slice(b"xdata\0");
        b.extend_from_slice(b"\0EOF\0");
        let p = read(&b, 100).expect("reads");
        assert_eq!(p.pairs[1].code, 1000);
        assert_eq!(p.pairs[1].bytes(), b"xdata");
        assert!(p.pairs[2].is("EOF"));
    }
}
