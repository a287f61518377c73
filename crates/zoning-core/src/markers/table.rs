//! Reading a surveyor's coordinate table (CSV) as Vietnamese surveyors deliver
//! it: from Excel in either locale (UTF-8 with or without BOM, `,` `;` or tab
//! separated, `.` or `,` decimal mark, CRLF or LF), headers in Vietnamese or
//! English, **X = northing, Y = easting**. A file that is not UTF-8 is read
//! in the encoding `--encoding` says, else the one [`crate::text::detect`]
//! finds (Windows-1258, TCVN3, VNI-Windows, VISCII), with a warning.
//!
//! Every row that cannot be used is reported with its line (the header is line
//! 1), its id and why; nothing is dropped silently. A row whose X and Y are
//! exchanged (recognised from the magnitudes: in Vietnam's projected grids a
//! northing is over 1,000 km and an easting under 1,000 km) is **corrected, with
//! a warning** on that row; the same rule applies to every row, so a wholly
//! swapped file is corrected throughout and said so once.

use std::collections::HashMap;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::crs::{CrsInfo, CrsTransform, GridTransform, GRID_CRS};
use crate::error::{Error, Result};

/// A marker as surveyed, in the legal grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marker {
    /// Marker number (số hiệu mốc).
    pub id: String,
    /// Line of the file (the header is line 1).
    pub line: usize,
    /// Northing in EPSG:9214, m (Vietnamese X).
    pub x: f64,
    /// Easting in EPSG:9214, m (Vietnamese Y).
    pub y: f64,
    /// Height, m, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h: Option<f64>,
    /// Survey date as written, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Note as written, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether X and Y were exchanged in the file and corrected here.
    pub swapped: bool,
}

/// A row that cannot be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedRow {
    /// Line of the file (the header is line 1).
    pub line: usize,
    /// The marker id as written, if any.
    pub id: Option<String>,
    /// Why, and what to do.
    pub reason: String,
}

/// What was read from a marker file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MarkerTable {
    /// Usable markers in file order.
    pub markers: Vec<Marker>,
    /// Rows that cannot be used.
    pub rejected_rows: Vec<RejectedRow>,
    /// Things corrected or assumed (swapped columns, a missing height column).
    pub warnings: Vec<String>,
    /// The CRS its X/Y were read in.
    pub crs: String,
}

/// How to read a marker table: what the surveyor said about the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// The text encoding of a CSV (`--encoding`), overriding the detection.
    pub encoding: Option<crate::text::Encoding>,
    /// The sheet of a workbook to read (`--sheet`); the first without it.
    pub sheet: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Id,
    X,
    Y,
    H,
    Date,
    Note,
}

/// Lower case, without Vietnamese diacritics, without spaces or punctuation:
/// `Số hiệu mốc` → `sohieumoc`, `X (m)` → `xm`.
fn fold(header: &str) -> String {
    header
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c.to_ascii_lowercase(),
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn column(header: &str) -> Option<Column> {
    let f = fold(header);
    let f = f
        .strip_suffix('m')
        .filter(|s| matches!(*s, "x" | "y" | "h" | "z"))
        .unwrap_or(&f);
    Some(match f {
        "sohieumoc" | "sohieu" | "tenmoc" | "moc" | "mocso" | "somoc" | "sohieudiem"
        | "tendiem" | "diem" | "id" | "name" | "point" | "marker" | "markerid" | "ten" => {
            Column::Id
        }
        "x" | "toadox" | "northing" | "n" => Column::X,
        "y" | "toadoy" | "easting" | "e" => Column::Y,
        "h" | "z" | "caodo" | "docao" | "height" | "elevation" => Column::H,
        "ngaydo" | "ngay" | "date" | "surveydate" | "ngaykhaosat" => Column::Date,
        "ghichu" | "note" | "notes" | "remark" | "mota" => Column::Note,
        _ => return None,
    })
}

/// Parses a number as Excel writes it in either locale: `2356377.9`,
/// `2356377,9`, `2.356.377,900`, `2,356,377.900`, `2 356 377,9`.
/// A number as Excel writes it in either locale (`2.356.377,900`,
/// `2,356,377.900`, `2 356 377,9`).
pub(crate) fn number(text: &str) -> Option<f64> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if t.is_empty() {
        return None;
    }
    let (dots, commas) = (t.matches('.').count(), t.matches(',').count());
    let normal = match (dots, commas) {
        (_, 0) if dots <= 1 => t,
        (0, 1) => t.replace(',', "."),
        (0, _) => t.replace(',', ""), // 2,356,377
        (_, 0) => t.replace('.', ""), // 2.356.377
        _ => {
            // both: the last one is the decimal mark
            if t.rfind('.') > t.rfind(',') {
                t.replace(',', "")
            } else {
                t.replace('.', "").replace(',', ".")
            }
        }
    };
    normal.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn refuse(file: &str, reason: impl Into<String>) -> Error {
    Error::Markers {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

/// Decodes the bytes of a marker file, refusing what is not CSV text: in the
/// encoding `--encoding` says, else UTF-8 (with or without BOM) when the
/// bytes are valid UTF-8, else the Vietnamese encoding
/// [`crate::text::detect`] finds, with a warning (the second value) naming it.
fn text(bytes: &[u8], file: &str, opts: &TableOptions) -> Result<(String, Option<String>)> {
    use crate::text::{decode, detect, Encoding};
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(refuse(
            file,
            "is empty; expected a table with a header such as `Số hiệu mốc;X (m);Y (m)`",
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(refuse(
            file,
            "is an Excel workbook (.xlsx), not CSV; in Excel use File → Save As → \"CSV UTF-8 (Comma delimited)\"",
        ));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(refuse(
            file,
            "is an old Excel workbook (.xls), not CSV; save it as \"CSV UTF-8\"",
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(refuse(
            file,
            "is UTF-16 text (\"Unicode Text\" in Excel); save it as \"CSV UTF-8\"",
        ));
    }
    let utf8 = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match opts.encoding {
        Some(Encoding::Utf8) | None => match std::str::from_utf8(utf8) {
            Ok(text) => return Ok((text.to_owned(), None)),
            Err(e) if opts.encoding.is_some() => {
                return Err(refuse(
                    file,
                    format!(
                    "is not UTF-8 (invalid byte at offset {}) although --encoding utf-8 says so; \
                         say its encoding (cp1258, tcvn3, vni, viscii) or save it as \"CSV UTF-8\"",
                    e.valid_up_to() + (bytes.len() - utf8.len())
                ),
                ))
            }
            Err(_) => {}
        },
        Some(enc) => return Ok((decode(bytes, enc), None)),
    }
    let found = detect(bytes);
    Ok((
        decode(bytes, found.encoding),
        Some(format!(
            "{file}: not UTF-8; its text reads as {}; say --encoding if that is wrong",
            found.encoding.name()
        )),
    ))
}

/// Where each line of a text starts, to turn the csv crate's byte offsets into
/// line numbers. (The csv crate's own line count stops before a CRLF's `\n`,
/// so lines are counted here from the text.)
struct Lines<'a> {
    bytes: &'a [u8],
    /// Byte offsets of every `\n`.
    newlines: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let newlines = bytes
            .iter()
            .enumerate()
            .filter_map(|(i, &c)| (c == b'\n').then_some(i))
            .collect();
        Self { bytes, newlines }
    }

    /// The 1-based line on which the record at byte offset `byte` starts (a
    /// record's offset may point at the end of the line before it).
    fn of(&self, byte: u64) -> usize {
        let bytes = self.bytes;
        let mut b = usize::try_from(byte)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        while b < bytes.len() && matches!(bytes[b], b'\r' | b'\n') {
            b += 1;
        }
        // lines before the record, plus one
        self.newlines.partition_point(|&nl| nl < b) + 1
    }
}

fn delimiter(header: &str) -> u8 {
    let count = |c: char| header.matches(c).count();
    [(b';', count(';')), (b'\t', count('\t')), (b',', count(','))]
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| d)
}

/// How the file's coordinates become grid coordinates.
struct Source {
    crs: String,
    info: CrsInfo,
    to_grid: Option<CrsTransform>,
}

impl Source {
    fn new(crs: &str, file: &str) -> Result<Self> {
        let info = CrsInfo::of(crs)
            .map_err(|e| refuse(file, format!("--crs {crs} is unknown to PROJ: {e}")))?;
        let to_grid = if crs.eq_ignore_ascii_case(GRID_CRS) {
            None
        } else {
            Some(CrsTransform::new(crs, GRID_CRS)?)
        };
        Ok(Self {
            crs: crs.to_owned(),
            info,
            to_grid,
        })
    }

    /// Whether (x, y) as written look exchanged: X is the northing (or the
    /// latitude), so it is the larger in Vietnam's projected grids.
    fn swapped(&self, x: f64, y: f64) -> bool {
        if self.info.geographic {
            x.abs() > 90.0 && y.abs() <= 90.0
        } else {
            x < 1_000_000.0 && y >= 1_000_000.0
        }
    }

    /// Grid (northing, easting) and WGS84 (lon, lat) of a written (X, Y).
    fn place(&self, x: f64, y: f64, t: &GridTransform) -> Result<((f64, f64), (f64, f64))> {
        // PROJ's normalised order is (easting, northing) / (lon, lat)
        let (e, n) = match &self.to_grid {
            None => (y, x),
            Some(p) => p.point(y, x)?,
        };
        let (lon, lat) = t.grid_to_wgs84(e, n)?;
        Ok(((n, e), (lon, lat)))
    }
}

/// Finds the columns of a header, or says which are missing.
fn columns(headers: &csv::StringRecord, file: &str) -> Result<HashMap<Column, usize>> {
    let mut columns: HashMap<Column, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = column(h) {
            columns.entry(c).or_insert(i);
        }
    }
    let missing: Vec<&str> = [
        (
            Column::Id,
            "the marker number (`Số hiệu mốc`, `Tên mốc` or `id`)",
        ),
        (Column::X, "X (northing, `X (m)`)"),
        (Column::Y, "Y (easting, `Y (m)`)"),
    ]
    .iter()
    .filter(|(c, _)| !columns.contains_key(c))
    .map(|(_, what)| *what)
    .collect();
    if missing.is_empty() {
        return Ok(columns);
    }
    Err(refuse(
        file,
        format!(
            "its columns cannot be identified: no column for {}; the header is line 1 and reads {:?}; \
             expected for example `Số hiệu mốc;X (m);Y (m)` or `id,x,y`",
            missing.join(", "),
            headers.iter().collect::<Vec<_>>()
        ),
    ))
}

/// Reads one row into a marker, or says why it cannot be used.
fn row(
    record: &csv::StringRecord,
    line: usize,
    columns: &HashMap<Column, usize>,
    source: &Source,
    t: &GridTransform,
    seen: &HashMap<String, usize>,
) -> std::result::Result<Marker, String> {
    let cell = |c: Column| {
        columns
            .get(&c)
            .and_then(|&i| record.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let id: String = cell(Column::Id)
        .ok_or("no marker number; fill the `Số hiệu mốc` cell")?
        .nfc()
        .collect();
    let (Some(xs), Some(ys)) = (cell(Column::X), cell(Column::Y)) else {
        let which = if cell(Column::X).is_none() { "X" } else { "Y" };
        return Err(format!("{which} is missing"));
    };
    let x = number(xs).ok_or_else(|| format!("X {xs:?} is not a number"))?;
    let y = number(ys).ok_or_else(|| format!("Y {ys:?} is not a number"))?;
    let h = match cell(Column::H) {
        Some(ht) => Some(number(ht).ok_or_else(|| format!("H {ht:?} is not a number"))?),
        None => None,
    };
    if let Some(first) = seen.get(&id) {
        return Err(format!(
            "marker {id} appears again (first on line {first}); give each marker its own number"
        ));
    }
    let swapped = source.swapped(x, y);
    let (x, y) = if swapped { (y, x) } else { (x, y) };
    let ((n, e), (lon, lat)) = source
        .place(x, y, t)
        .map_err(|err| format!("cannot be transformed from {}: {err}", source.crs))?;
    if !source.info.contains(lon, lat) {
        let area = source.info.area_name.clone().unwrap_or_default();
        return Err(format!(
            "X {x} / Y {y} is outside the area of use of {} ({area}); check the digits and the CRS (--crs)",
            source.crs
        ));
    }
    Ok(Marker {
        id,
        line,
        x: n,
        y: e,
        h,
        date: cell(Column::Date).map(str::to_owned),
        note: cell(Column::Note).map(str::to_owned),
        swapped,
    })
}

/// Reads a marker table from `bytes`; `file` names it in messages, `crs` is
/// the CRS of its X/Y (EPSG:9214 unless the surveyor says otherwise).
///
/// # Errors
/// When the file is not CSV text (empty, a spreadsheet, UTF-16, not the
/// UTF-8 `--encoding utf-8` says) or
/// its id, X and Y columns cannot be identified. Bad rows are not errors:
/// they are in [`MarkerTable::rejected_rows`].
pub fn read(
    bytes: &[u8],
    file: &str,
    crs: &str,
    opts: &TableOptions,
    t: &GridTransform,
) -> Result<MarkerTable> {
    let (text, encoding_warning) = text(bytes, file, opts)?;
    let first = text.lines().next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(first))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| refuse(file, format!("its header cannot be read: {e}")))?
        .clone();
    let columns = columns(&headers, file)?;
    let source = Source::new(crs, file)?;
    let mut table = MarkerTable {
        crs: crs.to_owned(),
        warnings: encoding_warning.into_iter().collect(),
        ..MarkerTable::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = 0usize;
    let lines = Lines::new(&text);
    for record in reader.records() {
        let (line, id, result) = match record {
            Err(e) => (
                e.position().map_or(0, |p| lines.of(p.byte())),
                None,
                Err(format!("cannot be read as CSV: {e}")),
            ),
            Ok(r) if r.iter().all(|c| c.trim().is_empty()) => continue, // a blank line
            Ok(r) => {
                let line = r.position().map_or(0, |p| lines.of(p.byte()));
                let id = columns
                    .get(&Column::Id)
                    .and_then(|&i| r.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.nfc().collect::<String>());
                (line, id, row(&r, line, &columns, &source, t, &seen))
            }
        };
        rows += 1;
        match result {
            Ok(m) => {
                seen.insert(m.id.clone(), line);
                table.markers.push(m);
            }
            Err(reason) => table.rejected_rows.push(RejectedRow { line, id, reason }),
        }
    }
    if rows == 0 {
        return Err(refuse(file, "has a header but no rows"));
    }
    let swapped: Vec<usize> = table
        .markers
        .iter()
        .filter(|m| m.swapped)
        .map(|m| m.line)
        .collect();
    if !swapped.is_empty() {
        table.warnings.push(if swapped.len() == rows {
            "X and Y are exchanged in every row (X must be the northing, about 2,300,000 m here); all rows corrected".into()
        } else {
            format!(
                "X and Y are exchanged on line(s) {} (X must be the northing); corrected",
                swapped.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )
        });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_both_locales() {
        for (t, v) in [
            ("2356377.9", 2_356_377.9),
            ("2356377,9", 2_356_377.9),
            ("2.356.377,900", 2_356_377.9),
            ("2,356,377.900", 2_356_377.9),
            ("2 356 377,9", 2_356_377.9),
            ("416802", 416_802.0),
        ] {
            assert_eq!(number(t), Some(v), "{t}");
        }
        assert_eq!(number("abc"), None);
        assert_eq!(number("NaN"), None);
    }

    #[test]
    fn headers_in_vietnamese_and_english() {
        assert_eq!(column("Số hiệu mốc"), Some(Column::Id));
        assert_eq!(column("Tên mốc"), Some(Column::Id));
        assert_eq!(column("X (m)"), Some(Column::X));
        assert_eq!(column("y"), Some(Column::Y));
        assert_eq!(column("Cao độ H (m)"), None);
        assert_eq!(column("H (m)"), Some(Column::H));
        assert_eq!(column("Ngày đo"), Some(Column::Date));
        assert_eq!(column("Ghi chú"), Some(Column::Note));
    }

    #[test]
    fn line_numbers_count_crlf_blank_lines_and_quoted_newlines() {
        // line 1 header, 2 good, 3 blank, 4–5 one record with a quoted newline
        // in its note, 6 a bad row, then 5,000 good rows and a bad last row
        let mut text = String::from(
            "Số hiệu;X;Y;Ghi chú\r\nM1;2356377.9;416802.1;\r\n\r\nM2;2356378.9;416803.1;\"hai\r\ndòng\"\r\nM3;abc;416802.1;\r\n",
        );
        text.extend((0..5_000).map(|i| format!("N{i};2356377.9;416802.1;\r\n")));
        text.push_str("M4;2356377.9;;\r\n");
        let t = GridTransform::new().expect("PROJ");
        let table = read(
            text.as_bytes(),
            "m.csv",
            "EPSG:9214",
            &TableOptions::default(),
            &t,
        )
        .expect("table");
        let lines: Vec<usize> = table.markers.iter().take(2).map(|m| m.line).collect();
        assert_eq!(lines, vec![2, 4]);
        assert_eq!(table.markers.last().map(|m| m.line), Some(5_006));
        let bad: Vec<(usize, Option<&str>)> = table
            .rejected_rows
            .iter()
            .map(|r| (r.line, r.id.as_deref()))
            .collect();
        assert_eq!(bad, vec![(6, Some("M3")), (5_007, Some("M4"))]);
    }
}
