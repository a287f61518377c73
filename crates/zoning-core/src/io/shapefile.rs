//! Shapefiles (`.shp` + `.shx` + `.dbf`, CRS from `.prj`, encoding from `.cpg`).
//!
//! The CRS is read by PROJ from the `.prj` (ESRI WKT); a shapefile without one
//! is refused unless `--crs` gives it, because guessing would put the zones in
//! the wrong place. Text is decoded as `--encoding` says, else as the `.cpg`
//! says (UTF-8, a Windows code page such as 1258, or TCVN3, VNI, VISCII),
//! else in the encoding [`crate::text::detect`] finds over all the text of the
//! `.dbf`, with a warning naming it. A feature's code is its `code` field,
//! else its `id` field (names compared without case).

use std::io::Cursor;
use std::path::Path;

use ::geojson::JsonObject;
use geo_types::MultiPolygon;
use shapefile::dbase::{self, FieldValue};
use shapefile::{Shape, ShapeReader};

use super::{FeatureError, Input, InputFeature};
use crate::crs::{CrsTransform, GridTransform, GRID_CRS};
use crate::error::{Error, Result};
use crate::text::{detect, CodePage, Encoding};

fn fail(file: &str, reason: impl Into<String>) -> Error {
    Error::Shapefile {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

/// The `.dbf` is read with Windows-1252 as WHATWG defines it, which gives
/// every byte its own character, so that the text can be turned back into
/// its bytes ([`raw_bytes`]) and decoded once the whole file has been seen.
fn keep_bytes() -> dbase::encoding::DynEncoding {
    dbase::encoding::DynEncoding::from(dbase::encoding::EncodingRs::from(encoding_rs::WINDOWS_1252))
}

/// The bytes of a value read through [`keep_bytes`]. (`encoding_rs` looks
/// for a byte order mark at the start of each value, so a value starting
/// with the bytes of one was decoded as UTF-8 or UTF-16: its characters come
/// back as UTF-8.)
fn raw_bytes(text: &str) -> Vec<u8> {
    static BYTES: std::sync::OnceLock<std::collections::HashMap<char, u8>> =
        std::sync::OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        (0..=255u8)
            .filter_map(|b| {
                let byte = [b];
                let (c, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
                c.chars().next().map(|c| (c, b))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match bytes.get(&c) {
            Some(&b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out
}

/// The files of one shapefile, read into memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts<'a> {
    /// The `.shp` (geometries).
    pub shp: &'a [u8],
    /// The `.shx` (index).
    pub shx: &'a [u8],
    /// The `.dbf` (attributes).
    pub dbf: &'a [u8],
    /// The `.prj` (ESRI WKT), if there is one.
    pub prj: Option<&'a str>,
    /// The `.cpg` (encoding of the `.dbf`), if there is one.
    pub cpg: Option<&'a str>,
}

/// Reads a shapefile from disk; see the module documentation.
///
/// # Errors
/// A missing `.shx`/`.dbf`/`.prj` (without `crs`), and everything
/// [`read_parts`] refuses.
pub fn read(path: &Path, opts: &super::ReadOptions, t: &GridTransform) -> Result<Input> {
    let file = path.display().to_string();
    let load = |ext: &str, what: &str| {
        std::fs::read(path.with_extension(ext)).map_err(|e| {
            fail(
                &file,
                if e.kind() == std::io::ErrorKind::NotFound {
                    format!("its .{ext} ({what}) is missing; a shapefile needs the .shp, .shx and .dbf together")
                } else {
                    format!("its .{ext} ({what}) cannot be read: {e}")
                },
            )
        })
    };
    let shp = load("shp", "geometries")?;
    let shx = load("shx", "index")?;
    let dbf = load("dbf", "attribute table")?;
    let prj = std::fs::read_to_string(path.with_extension("prj")).ok();
    let cpg = std::fs::read_to_string(path.with_extension("cpg")).ok();
    let parts = Parts {
        shp: &shp,
        shx: &shx,
        dbf: &dbf,
        prj: prj.as_deref(),
        cpg: cpg.as_deref(),
    };
    read_parts(&file, parts, opts, t)
}

/// Reads a shapefile whose files are in memory; `file` names it in messages.
///
/// # Errors
/// No `.prj` and no `crs`, a `.prj` PROJ cannot read, an unknown `.cpg`, a
/// `.dbf` whose record count differs from the `.shp`, or a truncated or
/// damaged record.
pub fn read_parts(
    file: &str,
    parts: Parts<'_>,
    opts: &super::ReadOptions,
    t: &GridTransform,
) -> Result<Input> {
    let crs = opts.crs.as_deref();
    let mut warnings = Vec::new();
    let source_crs = match (crs, parts.prj) {
        (Some(c), Some(_)) => {
            warnings.push(format!("{file}: --crs {c} overrides the .prj"));
            c.to_owned()
        }
        (Some(c), None) => c.to_owned(),
        (None, Some(p)) => p.to_owned(),
        (None, None) => {
            return Err(fail(
                file,
                "has no .prj, so its coordinate system cannot be known; add the .prj, \
                 or give the CRS with --crs (for example --crs EPSG:9214 for VN-2000 / TM-3 107-00)",
            ));
        }
    };
    let to_grid = CrsTransform::new(&source_crs, GRID_CRS).map_err(|e| {
        fail(
            file,
            format!(
                "its coordinate system cannot be used ({e}); give it with --crs EPSG:n \
                 (9205–9218 VN-2000 TM-3 zones, 3405/3406 VN-2000 UTM 48N/49N, 4326 WGS84)"
            ),
        )
    })?;
    let mut shapes = ShapeReader::with_shx(Cursor::new(parts.shp), Cursor::new(parts.shx))
        .map_err(|e| fail(file, format!("cannot be read as a shapefile: {e}")))?;
    let mut table = dbase::ReaderBuilder::new()
        .with_encoding(keep_bytes())
        .build(Cursor::new(parts.dbf))
        .map_err(|e| fail(file, format!("its .dbf cannot be read: {e}")))?;
    let shape_count = shapes
        .shape_count()
        .map_err(|e| fail(file, format!("its .shx cannot be read: {e}")))?;
    let record_count = table.header().num_records as usize;
    if shape_count != record_count {
        return Err(fail(
            file,
            format!(
                "the .shp has {shape_count} shapes but the .dbf has {record_count} records; \
                 one of them is truncated or they do not belong together"
            ),
        ));
    }
    // the fields in the order of the .dbf (a record is a hash map)
    let names: Vec<String> = table.fields().iter().map(|f| f.name().to_owned()).collect();
    let records = table
        .iter_records()
        .enumerate()
        .map(|(i, record)| {
            record.map_err(|e| {
                fail(
                    file,
                    format!("record {}: the attributes cannot be read ({e}); the .dbf is truncated or damaged", i + 1),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (code_page, strict) = code_page(file, &parts, opts, &records, &mut warnings)?;
    let mut features = Vec::with_capacity(shape_count);
    let mut mapping = super::Mapping::default();
    let geographic = crate::crs::CrsInfo::of(&source_crs).is_ok_and(|i| i.geographic);
    for (i, (shape, record)) in shapes.iter_shapes().zip(records).enumerate() {
        let index = i + 1;
        let shape = shape.map_err(|e| {
            fail(file, format!("record {index}: the shape cannot be read ({e}); the .shp is truncated or damaged"))
        })?;
        let properties = properties(file, index, (&names, record), code_page, strict)?;
        features.push(feature(
            index,
            shape,
            properties,
            (&to_grid, geographic),
            &opts.fields,
            &mut mapping,
            t,
        ));
    }
    let mut input = Input {
        file: file.to_owned(),
        features,
        warnings,
        grid: crate::crs::LegalGrid::identify(&source_crs),
        fields: Vec::new(),
    };
    mapping.finish(&opts.fields, &mut input)?;
    Ok(input)
}

const UTF8_HELP: &str = "give the encoding the file is in with --encoding \
                         (cp1258, tcvn3, vni or viscii) or fix the .cpg";

/// Which code page the `.dbf`'s text is in: `--encoding`, else the `.cpg`,
/// else detected over all its text; and, when UTF-8 was said rather than
/// found, what said it (invalid UTF-8 is then an error, not U+FFFD).
fn code_page(
    file: &str,
    parts: &Parts<'_>,
    opts: &super::ReadOptions,
    records: &[dbase::Record],
    warnings: &mut Vec<String>,
) -> Result<(CodePage, Option<&'static str>)> {
    let said =
        |c: CodePage, by: &'static str| (c, (c == CodePage::Text(Encoding::Utf8)).then_some(by));
    if let Some(e) = opts.encoding {
        if parts.cpg.is_some() {
            warnings.push(format!(
                "{file}: --encoding {} overrides the .cpg",
                e.name()
            ));
        }
        return Ok(said(CodePage::Text(e), "--encoding"));
    }
    if let Some(label) = parts.cpg {
        let c = Encoding::from_cpg(label).ok_or_else(|| {
            fail(
                file,
                format!(
                    "its .cpg names an unknown encoding {:?}; write UTF-8, a code page such as 1258, \
                     or TCVN3, VNI or VISCII in the .cpg, or give the encoding with --encoding",
                    label.trim()
                ),
            )
        })?;
        return Ok(said(c, "the .cpg"));
    }
    let mut all = Vec::new();
    for record in records {
        for (name, value) in record.as_ref() {
            all.extend(raw_bytes(name));
            all.push(b'\n');
            if let FieldValue::Character(Some(s)) | FieldValue::Memo(s) = value {
                all.extend(raw_bytes(s));
                all.push(b'\n');
            }
        }
        if all.len() > crate::text::DETECT_LIMIT {
            break;
        }
    }
    let found = detect(&all);
    if !found.ascii {
        warnings.push(format!(
            "{file}: no .cpg; its text reads as {}; say --encoding if that is wrong",
            found.encoding.name()
        ));
    }
    Ok((CodePage::Text(found.encoding), None))
}

/// The fields of record `index`, their text decoded.
fn properties(
    file: &str,
    index: usize,
    (names, record): (&[String], dbase::Record),
    code_page: CodePage,
    strict: Option<&'static str>,
) -> Result<JsonObject> {
    let mut properties = JsonObject::new();
    let mut record: std::collections::HashMap<String, FieldValue> = record.into();
    let fields = names
        .iter()
        .filter_map(|n| record.remove_entry(n))
        .collect::<Vec<_>>();
    for (name, value) in fields.into_iter().chain(record) {
        let name = text(&name, code_page, strict).map_err(|source| {
            fail(
                file,
                format!("the name of a field is not UTF-8 although {source} says so; {UTF8_HELP}"),
            )
        })?;
        let value = json(value, code_page, strict).map_err(|source| {
            fail(
                file,
                format!(
                    "record {index}, field {name}: the text is not UTF-8 although {source} says so; {UTF8_HELP}"
                ),
            )
        })?;
        properties.insert(name, value);
    }
    Ok(properties)
}

/// A text read through [`keep_bytes`], decoded; `Err(what said UTF-8)` when
/// UTF-8 was said and the bytes are not.
fn text(
    raw: &str,
    code_page: CodePage,
    strict: Option<&'static str>,
) -> std::result::Result<String, &'static str> {
    let bytes = raw_bytes(raw);
    if let Some(by) = strict {
        if std::str::from_utf8(&bytes).is_err() {
            return Err(by);
        }
    }
    Ok(code_page.decode(&bytes).trim_end().to_owned())
}

fn json(
    value: FieldValue,
    code_page: CodePage,
    strict: Option<&'static str>,
) -> std::result::Result<serde_json::Value, &'static str> {
    use serde_json::Value;
    Ok(match value {
        // decoded to NFC: Windows-1258 writes Vietnamese tones as combining
        // marks, and names must compare equal to the same names typed elsewhere
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => {
            Value::String(text(&s, code_page, strict)?)
        }
        FieldValue::Numeric(Some(n)) | FieldValue::Currency(n) | FieldValue::Double(n) => {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
        FieldValue::Float(Some(n)) => {
            serde_json::Number::from_f64(f64::from(n)).map_or(Value::Null, Value::Number)
        }
        FieldValue::Integer(n) => Value::from(n),
        FieldValue::Logical(Some(b)) => Value::Bool(b),
        FieldValue::Date(Some(d)) => {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => Value::Null,
    })
}

fn feature(
    index: usize,
    shape: Shape,
    mut properties: JsonObject,
    (to_grid, geographic): (&CrsTransform, bool),
    map: &super::fields::FieldMap,
    mapping: &mut super::Mapping,
    t: &GridTransform,
) -> std::result::Result<InputFeature, FeatureError> {
    mapping.saw(&properties);
    // the code as the field mapping gives it (`MA` → code), else `id`
    let code = super::Mapping::code_of(map, &properties, &["id"]);
    let err = |reason: String, geometry: bool| FeatureError {
        index,
        code: code.clone(),
        reason,
        geometry,
    };
    let source: MultiPolygon = match shape {
        Shape::Polygon(p) => MultiPolygon::try_from(p),
        Shape::PolygonZ(p) => MultiPolygon::try_from(p),
        Shape::PolygonM(p) => MultiPolygon::try_from(p),
        Shape::NullShape => {
            return Err(err(
                "has no geometry (null shape): draw its boundary or delete the record".into(),
                true,
            ))
        }
        other => {
            return Err(err(
                format!(
                    "is a {}; a zone boundary must be a polygon",
                    other.shapetype()
                ),
                true,
            ));
        }
    }
    .map_err(|e| err(format!("its polygon cannot be assembled: {e}"), true))?;
    let (source, swapped_axes) = super::unswapped(source, geographic);
    let grid = to_grid
        .multipolygon(&source)
        .map_err(|e| err(e.to_string(), true))?;
    let wgs84 = t
        .multipolygon_to_wgs84(&grid)
        .map_err(|e| err(e.to_string(), true))?;
    let Some(code) = code.clone() else {
        return Err(err(
            "has no code: fill its `code` field (or `id`, or `MA`), or say which field is the code with --field code=FIELD".into(),
            false,
        ));
    };
    mapping.apply(
        map,
        &mut properties,
        &format!("feature #{index} ({code})"),
        &grid,
    );
    Ok(InputFeature {
        index,
        code,
        properties,
        wgs84,
        grid,
        swapped_axes,
    })
}
