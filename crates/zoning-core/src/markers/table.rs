//! Reading a surveyor's coordinate table as Vietnamese surveyors deliver it:
//! CSV from Excel in either locale (UTF-8 with or without BOM, `,` `;` or tab
//! separated, `.` or `,` decimal mark, CRLF or LF), or the Excel workbook
//! itself (`.xlsx`, `.xls`: [`super::workbook`]); headers in Vietnamese or
//! English, **X = northing, Y = easting**. A CSV that is not UTF-8 is read
//! in the encoding `--encoding` says, else the one [`crate::text::detect`]
//! finds (Windows-1258, TCVN3, VNI-Windows, VISCII), with a warning.
//!
//! Both kinds of file become [`Rows`] of cells, which one path
//! ([`from_rows`]) turns into markers: the header is the first of the first
//! [`HEADER_SEARCH_ROWS`] rows that names the marker number, X and Y (titles
//! above the table are common); numbers are read from numeric cells as they
//! are and from text in either locale (`2356377,9`).
//!
//! Every row that cannot be used is reported with its line (of a CSV) or row
//! (of a sheet, as Excel numbers it), its id and why; nothing is dropped
//! silently. A row whose X and Y are
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
    /// Line of a CSV, or row of a sheet as Excel numbers it.
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
    /// Line of a CSV, or row of a sheet as Excel numbers it.
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
    /// The sheet read, for a workbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
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

pub(crate) fn refuse(file: &str, reason: impl Into<String>) -> Error {
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

/// The most rows a marker table may have, CSV or sheet (`docs/security.md`):
/// a sheet's rows are counted as Excel numbers them, a CSV's as records.
pub const MAX_ROWS: usize = 200_000;

/// The header is looked for in the first this many rows (lines of a CSV,
/// rows of a sheet): titles above the table are common in Excel.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// A cell of a table as read: every cell of a CSV and the text cells of a
/// sheet are text; the numeric cells of a sheet are numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text as written (a number stored as text stays text here).
    Text(String),
    /// A numeric cell of a sheet.
    Number(f64),
}

impl Cell {
    /// The cell as text, trimmed; `None` when it is empty.
    fn value(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Self::Text(s) => Some(s.trim())
                .filter(|s| !s.is_empty())
                .map(std::borrow::Cow::Borrowed),
            Self::Number(v) => Some(std::borrow::Cow::Owned(number_text(*v))),
        }
    }

    /// The cell as a number: a numeric cell as it is, text as [`number`]
    /// reads it (either decimal mark).
    fn number(&self) -> Option<f64> {
        match self {
            Self::Text(s) => number(s),
            Self::Number(v) => Some(*v).filter(|v| v.is_finite()),
        }
    }
}

/// A numeric cell as text (a marker number typed as a number): `12`, not
/// `12.0`.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        v.to_string()
    }
}

/// One row of a table before it is a marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Line of a CSV (1-based), or the row of a sheet as Excel numbers it.
    pub line: usize,
    /// Its non-empty cells with their 0-based column, in column order; or
    /// why the row cannot be read.
    pub cells: std::result::Result<Vec<(usize, Cell)>, String>,
}

impl Row {
    /// The cell in column `col`, if it is not empty.
    fn get(&self, col: usize) -> Option<&Cell> {
        let cells = self.cells.as_ref().ok()?;
        cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|i| &cells[i].1)
    }

    fn is_blank(&self) -> bool {
        self.cells
            .as_ref()
            .is_ok_and(|c| c.iter().all(|(_, c)| c.value().is_none()))
    }
}

/// The rows of a marker file (a CSV or one sheet of a workbook), which
/// [`from_rows`] turns into markers the same way whatever the file was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// The rows in file order (blank ones may be left out).
    pub rows: Vec<Row>,
    /// The sheet they come from, for a workbook.
    pub sheet: Option<String>,
    /// What reading them said (the text encoding detected).
    pub warnings: Vec<String>,
}

impl Rows {
    /// What a row number is called: a line of a CSV, a row of a sheet.
    fn unit(&self) -> &'static str {
        if self.sheet.is_some() {
            "row"
        } else {
            "line"
        }
    }

    /// Where row `line` is, for messages: `line 3` or `row 3 of sheet "Mốc"`.
    fn place(&self, line: usize) -> String {
        match &self.sheet {
            Some(s) => format!("row {line} of sheet {s:?}"),
            None => format!("line {line}"),
        }
    }
}

/// The delimiters of a CSV, the most frequent in `head` first.
fn delimiters(head: &str) -> Vec<u8> {
    let count = |c: char| head.matches(c).count();
    let mut all = [(b';', count(';')), (b'\t', count('\t')), (b',', count(','))];
    all.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    all.iter().map(|(d, _)| *d).collect()
}

/// The records of a CSV as rows, up to line `upto` when given.
fn csv_records(text: &str, delimiter: u8, upto: Option<usize>, file: &str) -> Result<Vec<Row>> {
    let lines = Lines::new(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let row = match record {
            Err(e) => Row {
                line: e.position().map_or(0, |p| lines.of(p.byte())),
                cells: Err(format!("cannot be read as CSV: {e}")),
            },
            Ok(r) => Row {
                line: r.position().map_or(0, |p| lines.of(p.byte())),
                cells: Ok(r
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.trim().is_empty())
                    .map(|(i, c)| (i, Cell::Text(c.to_owned())))
                    .collect()),
            },
        };
        if upto.is_some_and(|n| row.line > n) {
            break;
        }
        if rows.len() == MAX_ROWS {
            return Err(refuse(
                file,
                format!("has more than {MAX_ROWS} rows, the most a marker table may have; split it into several files"),
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The rows of a CSV text. The delimiter is the one with which a header is
/// found in the first rows, trying the most frequent first.
fn csv_rows(text: &str, file: &str) -> Result<Rows> {
    let head: Vec<&str> = text.lines().take(HEADER_SEARCH_ROWS).collect();
    let order = delimiters(&head.join("\n"));
    let mut chosen = order[0];
    for d in order {
        let probe = Rows {
            rows: csv_records(text, d, Some(HEADER_SEARCH_ROWS), file)?,
            sheet: None,
            warnings: Vec::new(),
        };
        if header(&probe, file).is_ok() {
            chosen = d;
            break;
        }
    }
    Ok(Rows {
        rows: csv_records(text, chosen, None, file)?,
        sheet: None,
        warnings: Vec::new(),
    })
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

/// What a header must name.
const REQUIRED: [(Column, &str); 3] = [
    (
        Column::Id,
        "the marker number (`Số hiệu mốc`, `Tên mốc` or `id`)",
    ),
    (Column::X, "X (northing, `X (m)`)"),
    (Column::Y, "Y (easting, `Y (m)`)"),
];

/// The columns a row names, as a header.
fn header_columns(row: &Row) -> HashMap<Column, usize> {
    let mut columns: HashMap<Column, usize> = HashMap::new();
    for (i, cell) in row.cells.iter().flatten() {
        if let Some(c) = cell.value().and_then(|h| column(&h)) {
            columns.entry(c).or_insert(*i);
        }
    }
    columns
}

/// Finds the header: the first of the first [`HEADER_SEARCH_ROWS`] rows
/// that names the marker number, X and Y columns. Answers its index in
/// `rows.rows` and its columns, or says which are missing.
fn header(rows: &Rows, file: &str) -> Result<(usize, HashMap<Column, usize>)> {
    // the row naming the most of the required columns, for the message
    let mut nearest: Option<(usize, usize, HashMap<Column, usize>)> = None;
    for (i, row) in rows.rows.iter().enumerate() {
        if row.line > HEADER_SEARCH_ROWS {
            break;
        }
        if row.is_blank() || row.cells.is_err() {
            continue;
        }
        let columns = header_columns(row);
        let found = REQUIRED
            .iter()
            .filter(|(c, _)| columns.contains_key(c))
            .count();
        if found == REQUIRED.len() {
            return Ok((i, columns));
        }
        if nearest.as_ref().is_none_or(|(_, n, _)| found > *n) {
            nearest = Some((i, found, columns));
        }
    }
    let Some((i, _, columns)) = nearest else {
        return Err(refuse(
            file,
            match &rows.sheet {
                Some(s) => format!("sheet {s:?} is empty in its first {HEADER_SEARCH_ROWS} rows; expected a table with a header such as `Số hiệu mốc | X (m) | Y (m)`"),
                None => "is empty; expected a table with a header such as `Số hiệu mốc;X (m);Y (m)`".to_owned(),
            },
        ));
    };
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|(c, _)| !columns.contains_key(c))
        .map(|(_, what)| *what)
        .collect();
    let row = &rows.rows[i];
    let written: Vec<String> = row
        .cells
        .iter()
        .flatten()
        .filter_map(|(_, c)| c.value().map(std::borrow::Cow::into_owned))
        .collect();
    Err(refuse(
        file,
        format!(
            "its columns cannot be identified: no row among the first {HEADER_SEARCH_ROWS} names {}; \
             the nearest to a header is {} and reads {written:?}; \
             expected for example `Số hiệu mốc;X (m);Y (m)` or `id,x,y`",
            missing.join(", "),
            rows.place(row.line),
        ),
    ))
}

/// Reads one row into a marker, or says why it cannot be used.
fn row(
    record: &Row,
    columns: &HashMap<Column, usize>,
    source: &Source,
    t: &GridTransform,
    seen: &HashMap<String, usize>,
    unit: &str,
) -> std::result::Result<Marker, String> {
    let cell = |c: Column| columns.get(&c).and_then(|&i| record.get(i));
    let text = |c: Column| cell(c).and_then(Cell::value);
    let id: String = text(Column::Id)
        .ok_or("no marker number; fill the `Số hiệu mốc` cell")?
        .nfc()
        .collect();
    let (Some(xc), Some(yc)) = (
        cell(Column::X).filter(|c| c.value().is_some()),
        cell(Column::Y).filter(|c| c.value().is_some()),
    ) else {
        let which = if text(Column::X).is_none() { "X" } else { "Y" };
        return Err(format!("{which} is missing"));
    };
    let shown = |c: &Cell| {
        c.value()
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default()
    };
    let x = xc
        .number()
        .ok_or_else(|| format!("X {:?} is not a number", shown(xc)))?;
    let y = yc
        .number()
        .ok_or_else(|| format!("Y {:?} is not a number", shown(yc)))?;
    let h = match cell(Column::H).filter(|c| c.value().is_some()) {
        Some(hc) => Some(
            hc.number()
                .ok_or_else(|| format!("H {:?} is not a number", shown(hc)))?,
        ),
        None => None,
    };
    if let Some(first) = seen.get(&id) {
        return Err(format!(
            "marker {id} appears again (first on {unit} {first}); give each marker its own number"
        ));
    }
    // degrees where metres are expected: said before PROJ is asked (it would
    // only say "invalid latitude")
    if !source.info.geographic && x.abs() <= 90.0 && y.abs() <= 180.0 {
        return Err(format!(
            "X {x} / Y {y} look like latitude and longitude, not {} metres; give the table's CRS (--crs, crs=): EPSG:4326 for WGS84 (GPS), EPSG:4756 for VN-2000 latitude/longitude",
            source.crs
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
        line: record.line,
        x: n,
        y: e,
        h,
        date: text(Column::Date).map(std::borrow::Cow::into_owned),
        note: text(Column::Note).map(std::borrow::Cow::into_owned),
        swapped,
    })
}

/// Reads the rows of a marker file: an Excel workbook (`.xlsx` or `.xls`,
/// recognised by its content, one sheet: `opts.sheet` or the first) or CSV
/// text.
///
/// # Errors
/// When the file is neither (empty, another encoding), a workbook cannot be
/// read or is over the limits of [`super::workbook`], the sheet asked for is
/// not there, or `opts.sheet` is given for a CSV.
pub fn rows(bytes: &[u8], file: &str, opts: &TableOptions) -> Result<Rows> {
    if let Some(kind) = super::workbook::Kind::of(bytes) {
        return super::workbook::rows(bytes, kind, file, opts.sheet.as_deref());
    }
    if let Some(sheet) = &opts.sheet {
        return Err(refuse(
            file,
            format!("is not an Excel workbook (.xlsx or .xls), so it has no sheet {sheet:?}; leave out --sheet (sheet=) for a CSV"),
        ));
    }
    let (text, warning) = text(bytes, file, opts)?;
    let mut rows = csv_rows(&text, file)?;
    rows.warnings.extend(warning);
    Ok(rows)
}

/// Turns the rows of a table (a CSV or a sheet, [`rows`]) into markers:
/// finds the header in the first rows, then reads every row after it. `crs`
/// is the CRS of its X/Y.
///
/// # Errors
/// When the id, X and Y columns cannot be identified, or nothing follows the
/// header. Bad rows are not errors: they are in
/// [`MarkerTable::rejected_rows`].
pub fn from_rows(rows: &Rows, file: &str, crs: &str, t: &GridTransform) -> Result<MarkerTable> {
    let (at, columns) = header(rows, file)?;
    let source = Source::new(crs, file)?;
    let unit = rows.unit();
    let mut table = MarkerTable {
        crs: crs.to_owned(),
        warnings: rows.warnings.clone(),
        sheet: rows.sheet.clone(),
        ..MarkerTable::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut count = 0usize;
    for r in &rows.rows[at + 1..] {
        if r.is_blank() {
            continue;
        }
        count += 1;
        let id = columns
            .get(&Column::Id)
            .and_then(|&i| r.get(i))
            .and_then(Cell::value)
            .map(|s| s.nfc().collect::<String>());
        let result = match &r.cells {
            Err(e) => Err(e.clone()),
            Ok(_) => row(r, &columns, &source, t, &seen, unit),
        };
        match result {
            Ok(m) => {
                seen.insert(m.id.clone(), r.line);
                table.markers.push(m);
            }
            Err(reason) => table.rejected_rows.push(RejectedRow {
                line: r.line,
                id,
                reason,
            }),
        }
    }
    if count == 0 {
        return Err(refuse(
            file,
            format!(
                "has a header ({}) but no rows under it",
                rows.place(rows.rows[at].line)
            ),
        ));
    }
    let swapped: Vec<usize> = table
        .markers
        .iter()
        .filter(|m| m.swapped)
        .map(|m| m.line)
        .collect();
    if !swapped.is_empty() {
        table.warnings.push(if swapped.len() == count {
            "X and Y are exchanged in every row (X must be the northing, about 2,300,000 m here); all rows corrected".into()
        } else {
            format!(
                "X and Y are exchanged on {unit}(s) {} (X must be the northing); corrected",
                swapped.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )
        });
    }
    Ok(table)
}

/// Reads a marker table from `bytes` (CSV, `.xlsx` or `.xls`: [`rows`] then
/// [`from_rows`]); `file` names it in messages, `crs` is the CRS of its X/Y
/// (EPSG:9214 unless the surveyor says otherwise).
///
/// # Errors
/// When the file is not a table (empty, another encoding, a damaged or
/// oversized workbook) or its id, X and Y columns cannot be identified. Bad
/// rows are not errors: they are in [`MarkerTable::rejected_rows`].
pub fn read(
    bytes: &[u8],
    file: &str,
    crs: &str,
    opts: &TableOptions,
    t: &GridTransform,
) -> Result<MarkerTable> {
    from_rows(&rows(bytes, file, opts)?, file, crs, t)
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

    fn text_row(line: usize, cells: &[&str]) -> Row {
        Row {
            line,
            cells: Ok(cells
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.is_empty())
                .map(|(i, c)| (i, Cell::Text((*c).to_owned())))
                .collect()),
        }
    }

    #[test]
    fn header_found_below_titles_within_ten_rows() {
        let rows = Rows {
            rows: vec![
                text_row(1, &["BẢNG TỌA ĐỘ MỐC GIỚI KCN QUẾ VÕ"]),
                text_row(2, &["Hệ tọa độ VN-2000, KTT 105°30', múi 3°"]),
                text_row(4, &["STT", "Tên mốc", "X (m)", "Y (m)"]),
                text_row(5, &["1", "M1", "2356377,9", "416802,1"]),
            ],
            sheet: None,
            warnings: Vec::new(),
        };
        let (at, columns) = header(&rows, "m.csv").expect("header");
        assert_eq!(at, 2);
        assert_eq!(columns.get(&Column::Id), Some(&1));
        assert_eq!(columns.get(&Column::X), Some(&2));
        // below row 10 it is not looked for, and the message names the
        // nearest row and what is missing
        let late = Rows {
            rows: vec![
                text_row(1, &["Tên mốc", "Ghi chú"]),
                text_row(11, &["Tên mốc", "X (m)", "Y (m)"]),
            ],
            sheet: Some("Mốc".into()),
            warnings: Vec::new(),
        };
        let e = header(&late, "m.xlsx").expect_err("too low").to_string();
        assert!(e.contains("row 1 of sheet \"Mốc\""), "{e}");
        assert!(e.contains("X (northing") && e.contains("Y (easting"), "{e}");
        assert!(!e.contains("the marker number"), "{e}");
    }

    #[test]
    fn numeric_and_text_cells_give_the_same_markers() {
        let t = GridTransform::new().expect("PROJ");
        let text = Rows {
            rows: vec![
                text_row(3, &["Số hiệu", "X (m)", "Y (m)", "H (m)"]),
                text_row(4, &["12", "2.356.377,900", "416802,1", "5,25"]),
            ],
            sheet: None,
            warnings: Vec::new(),
        };
        let numbers = Rows {
            rows: vec![
                text_row(3, &["Số hiệu", "X (m)", "Y (m)", "H (m)"]),
                Row {
                    line: 4,
                    cells: Ok(vec![
                        (0, Cell::Number(12.0)),
                        (1, Cell::Number(2_356_377.9)),
                        (2, Cell::Number(416_802.1)),
                        (3, Cell::Number(5.25)),
                    ]),
                },
            ],
            sheet: Some("Sheet1".into()),
            warnings: Vec::new(),
        };
        let a = from_rows(&text, "m.csv", "EPSG:9214", &t).expect("text");
        let b = from_rows(&numbers, "m.xlsx", "EPSG:9214", &t).expect("numbers");
        assert_eq!(a.markers, b.markers);
        assert_eq!(a.markers[0].id, "12");
        assert_eq!(a.markers[0].line, 4);
        assert_eq!(a.markers[0].h, Some(5.25));
        assert_eq!(b.sheet.as_deref(), Some("Sheet1"));
    }

    #[test]
    fn rejected_sheet_rows_say_row() {
        let t = GridTransform::new().expect("PROJ");
        let rows = Rows {
            rows: vec![
                text_row(2, &["id", "x", "y"]),
                text_row(3, &["A", "2356377.9", "416802.1"]),
                text_row(7, &["A", "2356378.9", "416802.1"]),
                text_row(8, &["B", "#N/A", "416802.1"]),
            ],
            sheet: Some("S".into()),
            warnings: Vec::new(),
        };
        let table = from_rows(&rows, "m.xls", "EPSG:9214", &t).expect("table");
        let bad: Vec<(usize, &str)> = table
            .rejected_rows
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            bad,
            vec![
                (
                    7,
                    "marker A appears again (first on row 3); give each marker its own number"
                ),
                (8, "X \"#N/A\" is not a number"),
            ]
        );
    }

    #[test]
    fn csv_with_titles_above_and_its_delimiter_found() {
        let t = GridTransform::new().expect("PROJ");
        // the title has commas, the table semicolons
        let text =
            "BẢNG TỌA ĐỘ, KCN Quế Võ, năm 2024\n\nTên mốc;X (m);Y (m)\nM1;2356377,9;416802,1\n";
        let table = read(
            text.as_bytes(),
            "m.csv",
            "EPSG:9214",
            &TableOptions::default(),
            &t,
        )
        .expect("table");
        assert_eq!(table.markers.len(), 1);
        assert_eq!(table.markers[0].line, 4);
        assert!((table.markers[0].x - 2_356_377.9).abs() < 1e-9);
        let e = read(
            text.as_bytes(),
            "m.csv",
            "EPSG:9214",
            &TableOptions {
                sheet: Some("Sheet1".into()),
                ..TableOptions::default()
            },
            &t,
        )
        .expect_err("a CSV has no sheets");
        assert!(e.to_string().contains("leave out --sheet"), "{e}");
    }
}
