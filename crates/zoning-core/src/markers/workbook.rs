//! Marker tables straight from Excel: `.xlsx` (Office Open XML, a zip) and
//! `.xls` (BIFF in an OLE compound file), read with `calamine` into the
//! same [`Rows`] as a CSV, so that one path turns both into markers.
//!
//! A workbook is recognised by its first bytes (`PK\x03\x04`, or
//! `D0 CF 11 E0`), not by its name. One sheet is read: the one asked for
//! (`--sheet`, `?sheet=`; an unknown name is an error listing the sheets
//! there are), else the first visible worksheet. Row numbers are the sheet's
//! as Excel shows them (1-based).
//!
//! **Bounds.** A workbook is a compressed container, and its parsers
//! allocate from what it declares, so nothing of it reaches `calamine`
//! unchecked (`docs/security.md`):
//! - an `.xlsx` is unpacked here, part by part, counting the bytes that
//!   actually come out, and refused beyond [`MAX_UNPACKED_BYTES`] in all;
//!   `calamine` then reads a stored (uncompressed) copy, in which the shared
//!   strings' declared count (`uniqueCount`, which it would reserve room for)
//!   is disarmed; its sheet is read cell by cell, never as a dense grid;
//! - an `.xls` is first walked here (its `Workbook` stream, at most
//!   [`MAX_UNPACKED_BYTES`]): `calamine` makes each sheet a dense grid from
//!   the first to the last cell and reserves what a `DIMENSIONS` record
//!   claims, so a file whose cells or dimensions span more than
//!   [`MAX_XLS_GRID_CELLS`] is refused before it does;
//! - a sheet's cells beyond row [`MAX_ROWS`], or more than [`MAX_CELLS`]
//!   non-empty cells, are refused;
//! - an encrypted (password-protected) workbook is refused with a message
//!   saying how to remove the password;
//! - a panic inside `calamine` (or the container readers) is caught and
//!   answered as a damaged file.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Xls, XlsError, Xlsx};
use unicode_normalization::UnicodeNormalization;

use super::table::{refuse, Cell, Row, Rows, MAX_ROWS};
use crate::error::Result;

/// The most bytes a workbook may unpack to: the parts of an `.xlsx` in all,
/// the `Workbook` stream of an `.xls`.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most non-empty cells a sheet may have.
pub const MAX_CELLS: usize = 2_000_000;
/// The most cells (rows × columns, empty ones included) that the cells and
/// `DIMENSIONS` records of an `.xls` may span.
pub const MAX_XLS_GRID_CELLS: u64 = 2_000_000;

/// The kind of workbook, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Office Open XML (`.xlsx`): a zip archive.
    Xlsx,
    /// BIFF (`.xls`) in an OLE compound file; also what an encrypted `.xlsx`
    /// is.
    Xls,
}

impl Kind {
    /// The kind of workbook `bytes` are, if they are one.
    #[must_use]
    pub fn of(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"PK\x03\x04") {
            Some(Self::Xlsx)
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            Some(Self::Xls)
        } else {
            None
        }
    }
}

/// Reads one sheet of a workbook (`sheet`, else the first visible
/// worksheet) into rows of cells.
///
/// # Errors
/// When the workbook is damaged, encrypted or over the bounds of this
/// module, or has no sheet of that name (the message lists its sheets).
pub fn rows(bytes: &[u8], kind: Kind, file: &str, sheet: Option<&str>) -> Result<Rows> {
    quiet_reader_panics();
    catch_unwind(AssertUnwindSafe(|| match kind {
        Kind::Xlsx => xlsx(bytes, file, sheet),
        Kind::Xls => xls(bytes, file, sheet),
    }))
    .unwrap_or_else(|_| {
        Err(refuse(
            file,
            "cannot be read as an Excel workbook (it is damaged); open it in Excel, save it again as .xlsx and send it again",
        ))
    })
}

/// Whether a panic arose in `calamine`'s own source (slices of a record
/// shorter than it declares, found by fuzzing): those are caught by
/// [`rows`] and answered as a damaged file.
fn in_reader(location: Option<&std::panic::Location<'_>>) -> bool {
    location.is_some_and(|l| {
        let f = l.file();
        f.contains("/calamine-") || f.contains("\\calamine-")
    })
}

/// Keeps the panics of `calamine` (which [`rows`] catches) off standard
/// error: the process-wide panic hook is wrapped, once, so that it says
/// nothing of a panic located in `calamine`'s source and hands every other
/// panic to the hook there was before.
fn quiet_reader_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !in_reader(info.location()) {
                previous(info);
            }
        }));
    });
}

fn encrypted(file: &str) -> crate::Error {
    refuse(
        file,
        "is password-protected (encrypted), so it cannot be read; in Excel open it, clear the password \
         (File → Info → Protect Workbook → Encrypt with Password), save and send it again",
    )
}

fn damaged(file: &str, what: &str, e: impl std::fmt::Display) -> crate::Error {
    refuse(
        file,
        format!("is an Excel workbook ({what}) that cannot be read ({e}); open it in Excel, save it again as .xlsx and send it again"),
    )
}

fn too_big(file: &str, limit: u64) -> crate::Error {
    refuse(
        file,
        format!(
            "unpacks to more than {limit} bytes, more than a marker table can be; check it is the right file, or split it"
        ),
    )
}

/// Sheet names compare as Excel compares them: case-insensitive (and here
/// NFC, whatever the keyboard typed).
fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| s.trim().nfc().collect::<String>().to_lowercase();
    key(a) == key(b)
}

/// The sheet to read: `wanted`, else the first visible worksheet.
fn pick(sheets: &[calamine::Sheet], wanted: Option<&str>, file: &str) -> Result<String> {
    let worksheets: Vec<&calamine::Sheet> = sheets
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .collect();
    if let Some(w) = wanted {
        return worksheets
            .iter()
            .find(|s| s.name == w)
            .or_else(|| worksheets.iter().find(|s| same_name(&s.name, w)))
            .map(|s| s.name.clone())
            .ok_or_else(|| {
                let names: Vec<String> = worksheets.iter().map(|s| format!("{:?}", s.name)).collect();
                refuse(
                    file,
                    if names.is_empty() {
                        format!("has no sheet {w:?}: it has no worksheet at all")
                    } else {
                        format!(
                            "has no sheet {w:?}; its sheets are {}; give one of them with --sheet (sheet=)",
                            names.join(", ")
                        )
                    },
                )
            });
    }
    worksheets
        .iter()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets.first())
        .map(|s| s.name.clone())
        .ok_or_else(|| refuse(file, "is a workbook without a worksheet"))
}

/// A serial date of Excel as `YYYY-MM-DD` (with `HH:MM` when it has a time).
fn date_text(d: &calamine::ExcelDateTime) -> String {
    if !d.is_datetime() {
        return d.as_f64().to_string();
    }
    let (y, m, day, h, min, ..) = d.to_ymd_hms_milli();
    if h == 0 && min == 0 {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}")
    }
}

/// A cell of `calamine` as ours; `None` when it is empty.
fn cell(data: &DataRef<'_>) -> Option<Cell> {
    Some(match data {
        DataRef::Empty => return None,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        DataRef::DateTime(d) => Cell::Text(date_text(d)),
        DataRef::Error(e) => Cell::Text(e.to_string()),
    })
}

fn cell_of(data: &Data) -> Option<Cell> {
    match data {
        Data::Empty => None,
        Data::Int(i) => Some(Cell::Number(*i as f64)),
        Data::Float(f) => Some(Cell::Number(*f)),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            Some(Cell::Text(s.clone()))
        }
        Data::Bool(b) => Some(Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_owned())),
        Data::DateTime(d) => Some(Cell::Text(date_text(d))),
        Data::Error(e) => Some(Cell::Text(e.to_string())),
    }
}

/// Collects the cells of a sheet (0-based row, column) into rows, within
/// [`MAX_ROWS`] and [`MAX_CELLS`].
#[derive(Default)]
struct Grid {
    rows: BTreeMap<u32, Vec<(usize, Cell)>>,
    cells: usize,
}

impl Grid {
    fn add(&mut self, (row, col): (u32, u32), cell: Cell, file: &str, sheet: &str) -> Result<()> {
        if row as usize >= MAX_ROWS {
            return Err(refuse(
                file,
                format!(
                    "sheet {sheet:?} has data on row {}, beyond row {MAX_ROWS}, the most a marker table may have; \
                     delete what is below the table, or split it",
                    u64::from(row) + 1
                ),
            ));
        }
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(refuse(
                file,
                format!("sheet {sheet:?} has more than {MAX_CELLS} cells, more than a marker table can have; delete what is not the table"),
            ));
        }
        self.rows.entry(row).or_default().push((col as usize, cell));
        Ok(())
    }

    fn finish(self, sheet: String) -> Rows {
        let rows = self
            .rows
            .into_iter()
            .map(|(r, mut cells)| {
                // in column order, the last of a repeated cell kept
                cells.reverse();
                cells.sort_by_key(|(c, _)| *c);
                cells.dedup_by_key(|(c, _)| *c);
                Row {
                    line: r as usize + 1,
                    cells: Ok(cells),
                }
            })
            .collect();
        Rows {
            rows,
            sheet: Some(sheet),
            warnings: Vec::new(),
        }
    }
}

fn xlsx(bytes: &[u8], file: &str, sheet: Option<&str>) -> Result<Rows> {
    let package = repack(bytes, file, MAX_UNPACKED_BYTES)?;
    let mut book = Xlsx::new(Cursor::new(package)).map_err(|e| match e {
        calamine::XlsxError::Password => encrypted(file),
        e => damaged(file, ".xlsx", e),
    })?;
    let name = pick(book.sheets_metadata(), sheet, file)?;
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| damaged(file, ".xlsx", format!("sheet {name:?}: {e}")))?;
    let mut grid = Grid::default();
    while let Some(c) = reader
        .next_cell()
        .map_err(|e| damaged(file, ".xlsx", format!("sheet {name:?}: {e}")))?
    {
        if let Some(v) = cell(c.get_value()) {
            grid.add(c.get_position(), v, file, &name)?;
        }
    }
    drop(reader);
    Ok(grid.finish(name))
}

/// Renames every `uniqueCount` attribute (the shared strings' declared
/// count, for which `calamine` reserves room before reading any) so that it
/// is not read.
fn disarm(xml: &mut [u8]) {
    const NAME: &[u8] = b"uniqueCount";
    let mut i = 0;
    while i + NAME.len() <= xml.len() {
        if &xml[i..i + NAME.len()] == NAME {
            xml[i + NAME.len() - 1] = b'_';
            i += NAME.len();
        } else {
            i += 1;
        }
    }
}

/// Unpacks an `.xlsx`, counting what comes out against `limit`
/// ([`MAX_UNPACKED_BYTES`]), into a stored zip for `calamine`.
fn repack(bytes: &[u8], file: &str, limit: u64) -> Result<Vec<u8>> {
    use zip::result::ZipError;
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(file, ".xlsx", e))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut part = match archive.by_index(i) {
            Ok(p) => p,
            Err(ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                return Err(encrypted(file))
            }
            Err(e) => return Err(damaged(file, ".xlsx", e)),
        };
        if part.is_dir() {
            continue;
        }
        let name = part.name().to_owned();
        let mut data = Vec::new();
        (&mut part)
            .take(limit - total + 1)
            .read_to_end(&mut data)
            .map_err(|e| damaged(file, ".xlsx", format!("{name}: {e}")))?;
        total += data.len() as u64;
        if total > limit {
            return Err(too_big(file, limit));
        }
        let xml = std::path::Path::new(&name)
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("xml") || x.eq_ignore_ascii_case("rels"));
        if xml {
            disarm(&mut data);
        }
        out.start_file(name.as_str(), stored)
            .and_then(|()| out.write_all(&data).map_err(ZipError::from))
            .map_err(|e| damaged(file, ".xlsx", format!("{name}: {e}")))?;
    }
    Ok(out
        .finish()
        .map_err(|e| damaged(file, ".xlsx", e))?
        .into_inner())
}

fn xls(bytes: &[u8], file: &str, sheet: Option<&str>) -> Result<Rows> {
    prescan(bytes, file)?;
    let mut book = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        XlsError::Password => encrypted(file),
        e => damaged(file, ".xls", e),
    })?;
    let name = pick(book.sheets_metadata(), sheet, file)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| damaged(file, ".xls", format!("sheet {name:?}: {e}")))?;
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::default();
    for (r, c, v) in range.used_cells() {
        if let Some(v) = cell_of(v) {
            let at = (
                r0.saturating_add(u32::try_from(r).unwrap_or(u32::MAX)),
                c0.saturating_add(u32::try_from(c).unwrap_or(u32::MAX)),
            );
            grid.add(at, v, file, &name)?;
        }
    }
    Ok(grid.finish(name))
}

/// Checks an OLE file before `calamine` reads it: an encrypted workbook, a
/// file that is no workbook, and the span of the cells of its `Workbook`
/// stream ([`MAX_XLS_GRID_CELLS`]).
fn prescan(bytes: &[u8], file: &str) -> Result<()> {
    let mut ole = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| damaged(file, ".xls", format!("its OLE container: {e}")))?;
    if ole.is_stream("/EncryptedPackage") || ole.is_stream("/EncryptionInfo") {
        return Err(encrypted(file));
    }
    let Some(path) = ["/Workbook", "/Book"]
        .into_iter()
        .find(|p| ole.is_stream(p))
    else {
        return Err(refuse(
            file,
            "is an OLE file but not an Excel workbook (no Workbook stream; a Word document?); send the .xlsx or .xls",
        ));
    };
    let mut stream = ole
        .open_stream(path)
        .map_err(|e| damaged(file, ".xls", e))?;
    let mut data = Vec::new();
    (&mut stream)
        .take(MAX_UNPACKED_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| damaged(file, ".xls", e))?;
    if data.len() as u64 > MAX_UNPACKED_BYTES {
        return Err(too_big(file, MAX_UNPACKED_BYTES));
    }
    let span = biff_span(&data);
    if span.encrypted {
        return Err(encrypted(file));
    }
    if span.cells > MAX_XLS_GRID_CELLS {
        return Err(refuse(
            file,
            format!(
                "its cells span more than {MAX_XLS_GRID_CELLS} cells (rows × columns), more than a marker table can; \
                 delete what is not the table, or save it as .xlsx"
            ),
        ));
    }
    Ok(())
}

/// What [`biff_span`] found.
#[derive(Debug, Default, PartialEq, Eq)]
struct Span {
    /// A `FILEPASS` record: the workbook is encrypted.
    encrypted: bool,
    /// The most cells a sheet's grid may take: the largest of the grid
    /// spanned by every cell (from A1) and of every `DIMENSIONS` record.
    cells: u64,
}

fn u16_at(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        d.get(i..i + 2)?.try_into().ok()?,
    )))
}

fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(i..i + 4)?.try_into().ok()?))
}

/// The cells a `DIMENSIONS` record makes `calamine` reserve, as it reads it
/// (MS-XLS 2.4.90; an inverted range counts as all rows).
fn dimensions_cells(d: &[u8]) -> u64 {
    let (rf, rl, cf, cl) = match d.len() {
        10 => (u16_at(d, 0), u16_at(d, 2), u16_at(d, 4), u16_at(d, 6)),
        14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
        _ => return 0, // calamine refuses it
    };
    let (Some(rf), Some(rl), Some(cf0), Some(cl)) = (rf, rl, cf, cl) else {
        return 0;
    };
    let cf = if cf0 > 0xFF || cl < cf0 { 0 } else { cf0 };
    let (end_r, end_c) = if rl >= 1 && cl >= 1 {
        (rl - 1, cl - 1)
    } else {
        (rf, cf)
    };
    let rows = if end_r >= rf {
        u64::from(end_r - rf) + 1
    } else {
        u64::MAX
    };
    let cols = if end_c >= cf {
        u64::from(end_c - cf) + 1
    } else {
        u64::MAX
    };
    rows.saturating_mul(cols)
}

/// Walks the records of a BIFF `Workbook` stream for the span of its cells
/// (the records `calamine` makes cells of) and its `DIMENSIONS` records.
fn biff_span(stream: &[u8]) -> Span {
    let mut span = Span::default();
    let (mut max_row, mut max_col) = (None::<u32>, 0u32);
    let mut at = 0usize;
    while let (Some(typ), Some(len)) = (u16_at(stream, at), u16_at(stream, at + 2)) {
        let start = at + 4;
        let Some(d) = stream.get(start..start + len as usize) else {
            break;
        };
        at = start + len as usize;
        let cell = |d: &[u8]| u16_at(d, 0).zip(u16_at(d, 2));
        let (row, col) = match typ {
            0x002F => {
                span.encrypted = true;
                continue;
            }
            0x0200 => {
                span.cells = span.cells.max(dimensions_cells(d));
                continue;
            }
            // NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => match cell(d) {
                Some(rc) => rc,
                None => continue,
            },
            // MULRK: row, first column, 6 bytes a cell, last column
            0x00BD => match cell(d) {
                Some((r, first)) => {
                    let n = u32::try_from(d.len().saturating_sub(6) / 6).unwrap_or(u32::MAX);
                    let last = u16_at(d, d.len().saturating_sub(2)).unwrap_or(0);
                    (r, last.max(first.saturating_add(n)))
                }
                None => continue,
            },
            _ => continue,
        };
        max_row = Some(max_row.map_or(row, |m| m.max(row)));
        max_col = max_col.max(col);
    }
    if let Some(r) = max_row {
        let grid = (u64::from(r) + 1).saturating_mul(u64::from(max_col) + 1);
        span.cells = span.cells.max(grid);
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend(u16::try_from(data.len()).expect("short").to_le_bytes());
        v.extend(data);
        v
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0u8; 10]);
        record(0x0203, &d)
    }

    #[test]
    fn kinds_by_content() {
        assert_eq!(Kind::of(b"PK\x03\x04rest"), Some(Kind::Xlsx));
        assert_eq!(Kind::of(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1]), Some(Kind::Xls));
        assert_eq!(Kind::of(b"id,x,y\n"), None);
    }

    #[test]
    fn xls_span_of_cells_and_dimensions() {
        // A1 and F20: 20 rows × 6 columns
        let mut s = number(0, 0);
        s.extend(number(19, 5));
        assert_eq!(biff_span(&s).cells, 120);
        // two cells far apart: A1 and IV65536
        let mut far = number(0, 0);
        far.extend(number(65_535, 255));
        assert_eq!(biff_span(&far).cells, 65_536 * 256);
        // a DIMENSIONS record claiming a million rows, and an inverted one
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(1_000_000u32.to_le_bytes());
        dims.extend([0, 0, 10, 0, 0, 0]);
        assert_eq!(biff_span(&record(0x0200, &dims)).cells, 10_000_000);
        let mut inverted = 100u32.to_le_bytes().to_vec();
        inverted.extend(5u32.to_le_bytes());
        inverted.extend([0, 0, 3, 0, 0, 0]);
        assert_eq!(biff_span(&record(0x0200, &inverted)).cells, u64::MAX);
        // FILEPASS, and a truncated record ends the walk
        let mut enc = record(0x002F, &[1, 0]);
        enc.extend([0x03, 0x02, 0xFF]);
        assert_eq!(
            biff_span(&enc),
            Span {
                encrypted: true,
                cells: 0
            }
        );
    }

    #[test]
    fn shared_strings_count_is_disarmed() {
        let mut xml = br#"<sst xmlns="x" count="3" uniqueCount="99999999999"><si>"#.to_vec();
        disarm(&mut xml);
        assert_eq!(
            xml,
            br#"<sst xmlns="x" count="3" uniqueCoun_="99999999999"><si>"#.to_vec()
        );
    }

    #[test]
    fn not_a_workbook_is_refused_not_a_panic() {
        for bytes in [
            b"PK\x03\x04 not really a zip".to_vec(),
            [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0].to_vec(),
        ] {
            let kind = Kind::of(&bytes).expect("kind");
            let e = rows(&bytes, kind, "m.xlsx", None).expect_err("damaged");
            assert!(e.to_string().starts_with("m.xlsx: "), "{e}");
        }
    }

    fn sheet(name: &str, visible: SheetVisible) -> calamine::Sheet {
        calamine::Sheet {
            name: name.to_owned(),
            typ: SheetType::WorkSheet,
            visible,
        }
    }

    #[test]
    fn sheets_picked_by_name_or_first_visible() {
        let sheets = [
            sheet("Ẩn", SheetVisible::Hidden),
            sheet("Mốc KCN Quế Võ", SheetVisible::Visible),
            sheet("Sheet2", SheetVisible::Visible),
        ];
        assert_eq!(pick(&sheets, None, "f").expect("first"), "Mốc KCN Quế Võ");
        assert_eq!(
            pick(&sheets, Some("sheet2"), "f").expect("any case"),
            "Sheet2"
        );
        let e = pick(&sheets, Some("Tọa độ"), "f.xlsx").expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "f.xlsx: has no sheet \"Tọa độ\"; its sheets are \"Ẩn\", \"Mốc KCN Quế Võ\", \"Sheet2\"; \
             give one of them with --sheet (sheet=)"
        );
    }

    /// A zip of `parts` (name, bytes), deflated.
    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in parts {
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn unpacked_bytes_are_counted_as_they_come_out() {
        // 1.2 MB of spaces deflate to a few KB; the limit counts what unpacks
        let spaces = vec![b' '; 600_000];
        let bomb = zip_of(&[("xl/a.xml", &spaces), ("xl/b.xml", &spaces)]);
        assert!(bomb.len() < 10_000);
        let e = repack(&bomb, "b.xlsx", 1_000_000).expect_err("over");
        assert!(e.to_string().contains("more than 1000000 bytes"), "{e}");
        let fine = repack(&bomb, "b.xlsx", 1_200_000).expect("within");
        // stored: the copy is as large as what it holds
        assert!(fine.len() > 1_200_000);
    }

    #[test]
    fn encrypted_workbooks_are_refused_with_what_to_do() {
        // an encrypted .xlsx is an OLE file with EncryptionInfo and
        // EncryptedPackage streams (MS-OFFCRYPTO 2.3.4)
        let mut ole = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
        for name in ["/EncryptionInfo", "/EncryptedPackage"] {
            ole.create_stream(name)
                .expect("stream")
                .write_all(&[0; 64])
                .expect("write");
        }
        ole.flush().expect("flush");
        let bytes = ole.into_inner().into_inner();
        assert_eq!(Kind::of(&bytes), Some(Kind::Xls));
        let e = rows(&bytes, Kind::Xls, "khoa.xlsx", None).expect_err("encrypted");
        assert!(
            e.to_string()
                .starts_with("khoa.xlsx: is password-protected (encrypted)"),
            "{e}"
        );
        // an OLE file that is no workbook
        let mut doc = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
        doc.create_stream("/WordDocument").expect("stream");
        doc.flush().expect("flush");
        let bytes = doc.into_inner().into_inner();
        let e = rows(&bytes, Kind::Xls, "van-ban.doc", None).expect_err("not a workbook");
        assert!(e.to_string().contains("no Workbook stream"), "{e}");
    }

    #[test]
    fn date_cells_are_written_as_iso_dates() {
        use calamine::{ExcelDateTime, ExcelDateTimeType::DateTime};
        // Excel's serial 45366 is 2024-03-15 (days since 1899-12-30, as
        // Python's datetime counts them)
        let date = |v| date_text(&ExcelDateTime::new(v, DateTime, false));
        assert_eq!(date(45_366.0), "2024-03-15");
        assert_eq!(date(45_366.5), "2024-03-15 12:00");
    }
}
