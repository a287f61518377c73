//! `AutoCAD` DXF drawings (ASCII or binary): zone boundaries drawn as closed
//! polylines or hatches in one of the province's legal grids.
//!
//! # What is read
//! - **Boundaries**: closed `LWPOLYLINE` and `POLYLINE` (2D or 3D, flag 1
//!   *closed*, or a last vertex equal to the first), arcs of bulged segments
//!   as chords no further than 1 mm from the arc ([`geometry::MAX_SAGITTA`])
//!   that keep its area ([`geometry::arc_points`]); `HATCH` boundary paths that are polylines or edges of lines and circular
//!   arcs (a hatch with elliptic or spline edges is skipped with a warning).
//!   A closed polyline lying inside another on the same layer is read as its
//!   hole (and one inside that hole as an island again); a hatch's own paths
//!   nest the same way, and one `HATCH` is one feature. A `HATCH` that repeats
//!   a polyline's boundary on the same layer (an associative hatch) is read
//!   once. Unclosed polylines are skipped with a warning naming their handle
//!   and layer; polyface and mesh `POLYLINE`s and paper-space entities are
//!   skipped; blocks are not exploded (a boundary inside a block definition
//!   is not read).
//! - **Layers**: every layer, or the one `--layer` names (any case); texts
//!   and blocks count on every layer. A `--layer` that matches no boundary is
//!   an error listing the drawing's layers.
//! - **Properties**: `LAYER`, `HANDLE`, `ENTITY`; the attributes (`ATTRIB`,
//!   tag → value) of a block `INSERT` whose insertion point lies inside the
//!   boundary; and `TEXT`, `TEXT2`, … the `TEXT`/`MTEXT` entities whose
//!   insertion point lies inside, in file order (MTEXT formatting removed).
//!   The field mapping (`--field`, the usual Vietnamese names) applies to
//!   these as to a `.dbf`'s fields: a block attribute `MA` is the code, `TEN`
//!   the name, `LOAI` the kind; `--field kind=LAYER` takes the kind from a
//!   layer named `KCN` or `CCN`.
//! - **Code**: the mapped `code` (a block attribute `MA`, `--field code=…`),
//!   else the first text inside, else `DXF-1`, `DXF-2`, … in feature order,
//!   each numbered one named in a warning.
//! - **CRS**: DXF has none, so `--crs` is required and must be one of the two
//!   legal grids (EPSG:9214 or EPSG:9209); X is the easting as `AutoCAD` draws
//!   it (a drawing with northing as X is read exchanged back, as for the
//!   other formats).
//! - **Text**: UTF-8 when it is (`AutoCAD` 2007 and later), else the code page
//!   of `$DWGCODEPAGE` (`ANSI_1258` for Vietnamese) with the tone marks
//!   composed (NFC); `--encoding utf-8` or `cp1258` says it. `\U+XXXX`
//!   escapes and `%%d`/`%%p`/`%%c` are decoded.
//!
//! # Why not the `dxf` crate
//! `dxf` 0.6.2 (MIT, the one maintained DXF crate) reads ASCII and binary DXF
//! but has no `HATCH` entity (its spec leaves it a TODO), pulls `image`,
//! `uuid`, `num` and `chrono` with serde, and builds a whole drawing model
//! where only a few entities are needed. A small group-code pair reader
//! ([`pairs`]) and the entities here are less code than adapting it, and
//! bound their work: at most [`MAX_PAIRS`] pairs, [`MAX_ENTITIES`] entities
//! and [`MAX_VERTICES`] vertices, else a clear error.

pub mod geometry;
pub mod pairs;

use std::collections::BTreeMap;
use std::path::Path;

use ::geojson::JsonObject;
use geo::{BoundingRect, Contains};
use geo_types::{Coord, MultiPolygon, Point, Polygon};
use serde_json::Value as Json;
use unicode_normalization::UnicodeNormalization;

use self::pairs::Pair;
use super::{FeatureError, Input, InputFeature};
use crate::crs::{CrsTransform, GridTransform, LegalGrid, GRID_CRS};
use crate::error::{Error, Result};

/// The most group-code pairs read (about a 60 MB drawing).
pub const MAX_PAIRS: usize = 5_000_000;
/// The most entities read.
pub const MAX_ENTITIES: usize = 500_000;
/// The most boundary vertices, arcs' chords included, in all.
pub const MAX_VERTICES: usize = 2_000_000;
/// The most boundary paths of one `HATCH`.
const MAX_PATHS: usize = 10_000;
/// Skipped entities named one by one before the rest are counted.
const MAX_NAMED: usize = 20;
/// Texts inside one boundary kept as `TEXT`, `TEXT2`, …
const MAX_TEXTS: usize = 20;

fn fail(file: &str, reason: impl Into<String>) -> Error {
    Error::Dxf {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

/// `line N` (ASCII) or `byte N` (binary).
fn place(at: usize, binary: bool) -> String {
    if binary {
        format!("byte {at}")
    } else {
        format!("line {at}")
    }
}

/// Reads a DXF file from disk; see the module documentation.
///
/// # Errors
/// The file cannot be read, and everything [`read_bytes`] refuses.
pub fn read(path: &Path, opts: &super::ReadOptions, t: &GridTransform) -> Result<Input> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    read_bytes(&bytes, &file, opts, t)
}

/// Whether the bytes are a DXF drawing whatever the file's name: the binary
/// sentinel, or `0` then `SECTION` (or a `999` comment) on the first lines.
#[must_use]
pub fn looks_like_dxf(bytes: &[u8]) -> bool {
    if bytes.starts_with(pairs::BINARY_SENTINEL) {
        return true;
    }
    let head = &bytes[..bytes.len().min(256)];
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty());
    match (lines.next(), lines.next()) {
        (Some(b"0"), Some(s)) => s.eq_ignore_ascii_case(b"SECTION"),
        (Some(b"999"), Some(_)) => true,
        _ => false,
    }
}

/// The legal grid `--crs` names, or why it cannot be used.
fn grid_of(file: &str, crs: Option<&str>) -> Result<LegalGrid> {
    let Some(c) = crs else {
        return Err(fail(
            file,
            "a DXF drawing does not say its coordinate system; give it with --crs: \
             EPSG:9214 (VN-2000 / TM-3 107-00, the former Bắc Giang) or EPSG:9209 \
             (VN-2000 / TM-3 105-30, the former Bắc Ninh)",
        ));
    };
    LegalGrid::parse(c).ok_or_else(|| {
        fail(
            file,
            format!(
                "--crs {c}: a DXF drawing must be in one of the province's legal grids, \
                 EPSG:9214 (VN-2000 / TM-3 107-00) or EPSG:9209 (VN-2000 / TM-3 105-30); \
                 convert it in AutoCAD Map or QGIS first"
            ),
        )
    })
}

/// Reads a DXF drawing held in memory; `file` names it in messages.
///
/// ```
/// use zoning_core::crs::GridTransform;
/// use zoning_core::io::{dxf, ReadOptions};
///
/// // a closed 100 m square with a text inside, in EPSG:9214
/// let mut d = String::from("0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n8\nKCN\n70\n1\n");
/// for (x, y) in [(420_000, 2_350_000), (420_100, 2_350_000), (420_100, 2_350_100), (420_000, 2_350_100)] {
///     d += &format!("10\n{x}\n20\n{y}\n");
/// }
/// d += "0\nTEXT\n8\nCHU\n10\n420050\n20\n2350050\n1\nCCN-01\n0\nENDSEC\n0\nEOF\n";
/// let t = GridTransform::new().unwrap();
/// let opts = ReadOptions::with_crs(Some("EPSG:9214"));
/// let zones = dxf::read_bytes(d.as_bytes(), "ranh-gioi.dxf", &opts, &t).unwrap().into_features().unwrap();
/// assert_eq!(zones[0].code, "CCN-01");
/// # use geo::Area;
/// assert!((zones[0].grid.unsigned_area() - 10_000.0).abs() < 1e-6);
/// // without --crs: refused, saying which grids
/// let e = dxf::read_bytes(d.as_bytes(), "ranh-gioi.dxf", &ReadOptions::default(), &t).unwrap_err();
/// assert!(e.to_string().contains("EPSG:9214"));
/// ```
///
/// # Errors
/// No `--crs` or one that is not a legal grid, a damaged or cut-short file
/// (naming the line, or the byte offset of a binary DXF), a drawing over the
/// bounds, a `--layer` without boundaries, or no boundary at all.
pub fn read_bytes(
    bytes: &[u8],
    file: &str,
    opts: &super::ReadOptions,
    t: &GridTransform,
) -> Result<Input> {
    let grid = grid_of(file, opts.crs.as_deref())?;
    let text = Decoder::new(file, opts.encoding)?;
    let p = pairs::read(bytes, MAX_PAIRS)
        .map_err(|e| fail(file, format!("{}: {}", place(e.at, e.binary), e.reason)))?;
    if p.pairs.first().is_none_or(|f| f.code != 0 && f.code != 999) {
        return Err(fail(
            file,
            "not a DXF drawing (it does not start with a group code 0); save it from AutoCAD as DXF",
        ));
    }
    let mut warnings = Vec::new();
    let drawing = Drawing::parse(&p.pairs, p.binary, text).map_err(|e| fail(file, e))?;
    if let Some(u) = drawing.units.filter(|u| !matches!(u, 0 | 6)) {
        warnings.push(format!(
            "$INSUNITS is {u}, not metres (6); the coordinates are read as metres of {grid}"
        ));
    }
    let mut input = Input {
        file: file.to_owned(),
        features: Vec::new(),
        warnings: warnings
            .into_iter()
            .map(|w| format!("{file}: {w}"))
            .collect(),
        grid: Some(grid),
        fields: Vec::new(),
    };
    let shapes = drawing
        .select(opts.layer.as_deref())
        .map_err(|e| fail(file, drawing.with_skipped(e, opts.layer.as_deref())))?;
    drawing.report_skipped(opts.layer.as_deref(), file, &mut input.warnings);
    let polygons = assemble(&shapes, &mut input.warnings, file);
    let labels = drawing.label_tree();
    let to_grid = CrsTransform::new(grid.code(), GRID_CRS)?;
    let mut mapping = super::Mapping::default();
    let mut numbered = 0usize;
    for (i, f) in polygons.into_iter().enumerate() {
        let index = i + 1;
        let mut properties = drawing.properties(&f, &labels);
        mapping.saw(&properties);
        let code = super::Mapping::code_of(&opts.fields, &properties, &["TEXT"])
            .map(|c| c.nfc().collect::<String>());
        let code = code.unwrap_or_else(|| {
            numbered += 1;
            let c = format!("DXF-{numbered}");
            input.warnings.push(format!(
                "{file}: feature #{index} ({c}): no text or block attribute inside {}: numbered {c}; \
                 put the zone's code in a TEXT inside the boundary, or a block attribute MA",
                f.label
            ));
            c
        });
        let err = |reason: String| FeatureError {
            index,
            code: Some(code.clone()),
            reason: format!("{}: {reason}", f.label),
            geometry: true,
        };
        let source = MultiPolygon::new(f.polygons.clone());
        let (source, swapped_axes) = super::unswapped(source, false);
        let read = to_grid.multipolygon(&source).and_then(|grid| {
            let wgs84 = t.multipolygon_to_wgs84(&grid)?;
            Ok((grid, wgs84))
        });
        let feature = match read {
            Ok((grid, wgs84)) => {
                mapping.apply(
                    &opts.fields,
                    &mut properties,
                    &format!("feature #{index} ({code})"),
                    &grid,
                );
                // the code as read (a number-like text stays text)
                properties.insert("code".into(), Json::String(code.clone()));
                Ok(InputFeature {
                    index,
                    code,
                    properties,
                    wgs84,
                    grid,
                    swapped_axes,
                })
            }
            Err(e) => Err(err(e.to_string())),
        };
        input.features.push(feature);
    }
    mapping.finish(&opts.fields, &mut input)?;
    Ok(input)
}

/// Turns the bytes of a DXF text into text.
#[derive(Clone, Copy)]
struct Decoder {
    /// The encoding `--encoding` said, if any.
    given: Option<&'static encoding_rs::Encoding>,
    /// The code page of `$DWGCODEPAGE`.
    codepage: Option<&'static encoding_rs::Encoding>,
}

impl Decoder {
    fn new(file: &str, given: Option<crate::text::Encoding>) -> Result<Self> {
        use crate::text::Encoding as E;
        let given = match given {
            None => None,
            Some(E::Utf8) => Some(encoding_rs::UTF_8),
            Some(E::Cp1258) => Some(encoding_rs::WINDOWS_1258),
            Some(other) => {
                return Err(fail(
                    file,
                    format!(
                        "--encoding {}: DXF text is read as UTF-8 or a Windows code page \
                         ($DWGCODEPAGE); give --encoding utf-8 or cp1258, or convert the \
                         drawing's texts to Unicode fonts in AutoCAD",
                        other.name()
                    ),
                ))
            }
        };
        Ok(Self {
            given,
            codepage: None,
        })
    }

    fn text(&self, bytes: &[u8]) -> String {
        let raw = match (self.given, std::str::from_utf8(bytes)) {
            (Some(e), _) => e.decode_without_bom_handling(bytes).0.into_owned(),
            (None, Ok(s)) => s.to_owned(),
            (None, Err(_)) => self
                .codepage
                .unwrap_or(encoding_rs::WINDOWS_1252)
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        };
        unescape(&raw).nfc().collect()
    }
}

/// Decodes `\U+XXXX` and the `%%` control codes of `AutoCAD` texts.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(hex) = rest
            .strip_prefix("\\U+")
            .or_else(|| rest.strip_prefix("\\u+"))
        {
            if let Some(ch) = hex
                .get(..4)
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                out.push(ch);
                rest = &hex[4..];
                continue;
            }
        }
        if let Some(code) = rest.strip_prefix("%%") {
            let mut cs = code.chars();
            let sub = match cs.next().map(|c| c.to_ascii_lowercase()) {
                Some('d') => Some("°"),
                Some('p') => Some("±"),
                Some('c') => Some("⌀"),
                Some('%') => Some("%"),
                Some('u' | 'o' | 'k') => Some(""),
                _ => None,
            };
            if let Some(sub) = sub {
                out.push_str(sub);
                rest = cs.as_str();
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The text of an MTEXT without its formatting codes (`\P` a line break,
/// `{\fArial|b1;…}`, `\H2.5;`, stacked fractions `\S1^2;`).
fn plain_mtext(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '\\' => match chars.next() {
                Some('P' | 'p' | 'X' | '~') => out.push(' '),
                Some(c @ ('\\' | '{' | '}')) => out.push(c),
                Some('S') => {
                    for c in chars.by_ref() {
                        match c {
                            ';' => break,
                            '^' | '#' => out.push('/'),
                            c => out.push(c),
                        }
                    }
                }
                // \f…; \F…; \H…; \C…; \A…; \W…; \Q…; \T…; \c…;
                // toggles: \L \l \O \o \K \k \N
                Some('L' | 'l' | 'O' | 'o' | 'K' | 'k' | 'N') | None => {}
                Some(_) => {
                    for c in chars.by_ref() {
                        if c == ';' {
                            break;
                        }
                    }
                }
            },
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One entity record: its type, its pairs (the `0` pair first) and where it
/// starts.
#[derive(Clone, Copy)]
struct Record<'a> {
    kind: &'a [u8],
    pairs: &'a [Pair],
}

impl<'a> Record<'a> {
    fn is(&self, kind: &str) -> bool {
        self.kind.trim_ascii().eq_ignore_ascii_case(kind.as_bytes())
    }
    fn at(&self) -> usize {
        self.pairs.first().map_or(0, |p| p.at)
    }
    fn get(&self, code: i32) -> Option<&'a Pair> {
        self.pairs.iter().find(|p| p.code == code)
    }
    fn f64(&self, code: i32) -> Option<f64> {
        self.get(code).and_then(Pair::f64)
    }
    fn int(&self, code: i32) -> Option<i64> {
        self.get(code).and_then(Pair::int)
    }
    fn text(&self, code: i32, d: &Decoder) -> Option<String> {
        self.get(code).map(|p| d.text(p.bytes()).trim().to_owned())
    }
    fn paper_space(&self) -> bool {
        self.int(67) == Some(1)
    }
    /// The object coordinate system's mapping to the drawing plane: `Some(1)`
    /// for the usual extrusion (0, 0, 1), `Some(-1)` for a mirrored one
    /// (0, 0, −1: x is negated), `None` for a tilted plane.
    fn ocs(&self) -> Option<f64> {
        let x = self.f64(210).unwrap_or(0.0);
        let y = self.f64(220).unwrap_or(0.0);
        let z = self.f64(230).unwrap_or(1.0);
        if x.abs() < 1e-9 && y.abs() < 1e-9 && z.abs() > 0.0 {
            Some(z.signum())
        } else {
            None
        }
    }
}

/// Where in the drawing a boundary came from.
#[derive(Debug, Clone)]
struct Source {
    entity: &'static str,
    handle: Option<String>,
    layer: String,
    at: usize,
    binary: bool,
}

impl Source {
    /// `LWPOLYLINE 2F (layer RANH_GIOI, line 1234)`.
    fn label(&self) -> String {
        match &self.handle {
            Some(h) => format!(
                "{} {h} (layer {}, {})",
                self.entity,
                self.layer,
                place(self.at, self.binary)
            ),
            None => format!(
                "{} (layer {}, {})",
                self.entity,
                self.layer,
                place(self.at, self.binary)
            ),
        }
    }
}

/// A closed boundary as drawn: one ring (a polyline) or a hatch's paths.
struct Shape {
    source: Source,
    rings: Vec<Vec<Coord>>,
    hatch: bool,
}

/// A text or a block's attributes, and where it is anchored.
struct Label {
    at: Coord,
    texts: Vec<String>,
    attributes: Vec<(String, String)>,
}

/// What a drawing holds that matters here.
struct Drawing {
    units: Option<i64>,
    /// Layers of the LAYER table and of the entities, as first spelt.
    layers: Vec<String>,
    shapes: Vec<Shape>,
    /// Layers with entities that are not boundaries (count by layer).
    open: BTreeMap<String, usize>,
    labels: Vec<Label>,
    /// Entities skipped, with their layer and why.
    skipped: Vec<(String, String)>,
}

/// The labels' anchors, each with its index in [`Drawing::labels`].
type LabelTree = rstar::RTree<rstar::primitives::GeomWithData<[f64; 2], usize>>;

/// One zone: its polygons (in the drawing's grid) and where they came from.
struct Found {
    label: String,
    source: Source,
    polygons: Vec<Polygon>,
}

impl Drawing {
    #[allow(clippy::too_many_lines)]
    fn parse(pairs: &[Pair], binary: bool, mut d: Decoder) -> std::result::Result<Self, String> {
        let mut drawing = Drawing {
            units: None,
            layers: Vec::new(),
            shapes: Vec::new(),
            open: BTreeMap::new(),
            labels: Vec::new(),
            skipped: Vec::new(),
        };
        let mut skipped: Vec<(String, String)> = Vec::new();
        let mut skip = |layer: &str, what: String| skipped.push((layer.to_owned(), what));
        let mut vertices = 0usize;
        // sections: `0 SECTION`, `2 NAME`, …, `0 ENDSEC`
        let mut i = 0;
        let mut entities_seen = false;
        while i < pairs.len() {
            let p = &pairs[i];
            if !(p.code == 0 && p.is("SECTION")) {
                i += 1;
                continue;
            }
            let name = pairs.get(i + 1).filter(|n| n.code == 2);
            let end = pairs[i..]
                .iter()
                .position(|q| q.code == 0 && (q.is("ENDSEC") || q.is("EOF")))
                .map_or(pairs.len(), |k| i + k);
            let body = &pairs[(i + 2).min(end)..end];
            match name {
                Some(n) if n.is("HEADER") => {
                    for (k, q) in body.iter().enumerate() {
                        if q.code != 9 {
                            continue;
                        }
                        let Some(v) = body.get(k + 1) else { continue };
                        if q.is("$INSUNITS") {
                            drawing.units = v.int();
                        } else if q.is("$DWGCODEPAGE") {
                            let cp = String::from_utf8_lossy(v.bytes()).to_ascii_lowercase();
                            let label = cp.trim().trim_start_matches("ansi_");
                            d.codepage = encoding_rs::Encoding::for_label(
                                format!("windows-{label}").as_bytes(),
                            );
                        }
                    }
                }
                Some(n) if n.is("TABLES") => {
                    for r in records(body) {
                        if r.is("LAYER") {
                            if let Some(name) = r.text(2, &d) {
                                drawing.add_layer(&name);
                            }
                        }
                    }
                }
                Some(n) if n.is("ENTITIES") => {
                    entities_seen = true;
                    let recs: Vec<Record> = records(body).collect();
                    if recs.len() > MAX_ENTITIES {
                        return Err(format!(
                            "{}: more than {MAX_ENTITIES} entities; keep only the boundary \
                             and label layers (LAYISO, WBLOCK) or split the drawing",
                            place(recs[MAX_ENTITIES].at(), binary)
                        ));
                    }
                    let mut k = 0;
                    while k < recs.len() {
                        let r = recs[k];
                        k += 1;
                        // the records that belong to this one: VERTEX/ATTRIB … SEQEND
                        let mut follow = Vec::new();
                        if r.is("POLYLINE") || (r.is("INSERT") && r.int(66) == Some(1)) {
                            while k < recs.len() && !recs[k].is("SEQEND") {
                                if recs[k].is("POLYLINE")
                                    || recs[k].is("INSERT")
                                    || !(recs[k].is("VERTEX") || recs[k].is("ATTRIB"))
                                {
                                    break;
                                }
                                follow.push(recs[k]);
                                k += 1;
                            }
                            if k < recs.len() && recs[k].is("SEQEND") {
                                k += 1;
                            }
                        }
                        if r.paper_space() {
                            continue;
                        }
                        let layer = r.text(8, &d).unwrap_or_else(|| "0".into());
                        drawing.add_layer(&layer);
                        let source = |entity: &'static str| Source {
                            entity,
                            handle: r.text(5, &d).filter(|h| !h.is_empty()),
                            layer: layer.clone(),
                            at: r.at(),
                            binary,
                        };
                        if r.is("LWPOLYLINE") || r.is("POLYLINE") {
                            let lw = r.is("LWPOLYLINE");
                            let src = source(if lw { "LWPOLYLINE" } else { "POLYLINE" });
                            let flags = r.int(70).unwrap_or(0);
                            if !lw && flags & (16 | 64) != 0 {
                                skip(
                                    &layer,
                                    format!(
                                        "{} is a polygon mesh or polyface: skipped",
                                        src.label()
                                    ),
                                );
                                *drawing.open.entry(layer.clone()).or_default() += 1;
                                continue;
                            }
                            let Some(sign) = r.ocs() else {
                                skip(
                                    &layer,
                                    format!(
                                        "{} is not drawn in the XY plane: skipped",
                                        src.label()
                                    ),
                                );
                                *drawing.open.entry(layer.clone()).or_default() += 1;
                                continue;
                            };
                            let read = if lw {
                                lw_vertices(r.pairs, binary)
                            } else {
                                polyline_vertices(&follow, binary)
                            };
                            let mut v = match read {
                                Ok(v) => v,
                                Err(why) => {
                                    skip(
                                        &layer,
                                        format!(
                                            "{}: {why}: skipped; the drawing is damaged, save it again from AutoCAD",
                                            src.label()
                                        ),
                                    );
                                    *drawing.open.entry(layer.clone()).or_default() += 1;
                                    continue;
                                }
                            };
                            let repeated =
                                v.len() > 1 && v.first().map(|f| f.0) == v.last().map(|l| l.0);
                            if repeated {
                                v.pop();
                            }
                            if flags & 1 == 0 && !repeated {
                                skip(&layer, format!(
                                    "{} is not closed: skipped; close it (PEDIT, Close) if it is a boundary",
                                    src.label()
                                ));
                                *drawing.open.entry(layer.clone()).or_default() += 1;
                                continue;
                            }
                            if v.len() < 3 {
                                skip(
                                    &layer,
                                    format!(
                                        "{} has {} vertices; a boundary needs at least 3: skipped",
                                        src.label(),
                                        v.len()
                                    ),
                                );
                                *drawing.open.entry(layer.clone()).or_default() += 1;
                                continue;
                            }
                            let mut ring = geometry::ring(&v, MAX_VERTICES - vertices);
                            mirror(&mut ring, sign);
                            spend(&mut vertices, ring.len(), r.at(), binary)?;
                            drawing.shapes.push(Shape {
                                source: src,
                                rings: vec![ring],
                                hatch: false,
                            });
                        } else if r.is("HATCH") {
                            let src = source("HATCH");
                            let Some(sign) = r.ocs() else {
                                skip(
                                    &layer,
                                    format!(
                                        "{} is not drawn in the XY plane: skipped",
                                        src.label()
                                    ),
                                );
                                *drawing.open.entry(layer.clone()).or_default() += 1;
                                continue;
                            };
                            match hatch_rings(r.pairs, binary, MAX_VERTICES - vertices) {
                                Ok(mut rings) => {
                                    for ring in &mut rings {
                                        mirror(ring, sign);
                                    }
                                    spend(
                                        &mut vertices,
                                        rings.iter().map(Vec::len).sum(),
                                        r.at(),
                                        binary,
                                    )?;
                                    drawing.shapes.push(Shape {
                                        source: src,
                                        rings,
                                        hatch: true,
                                    });
                                }
                                Err(why) => {
                                    skip(&layer, format!("{}: {why}: skipped; redraw its boundary as a closed polyline", src.label()));
                                    *drawing.open.entry(layer.clone()).or_default() += 1;
                                }
                            }
                        } else if r.is("TEXT") || r.is("MTEXT") {
                            let mtext = r.is("MTEXT");
                            let aligned = !mtext
                                && (r.int(72).unwrap_or(0) != 0 || r.int(73).unwrap_or(0) != 0);
                            let (cx, cy) = if aligned { (11, 21) } else { (10, 20) };
                            let (Some(x), Some(y)) = (r.f64(cx), r.f64(cy)) else {
                                continue;
                            };
                            let sign = if mtext { Some(1.0) } else { r.ocs() };
                            let Some(sign) = sign else { continue };
                            let text = if mtext {
                                let mut raw = Vec::new();
                                for q in r.pairs.iter().filter(|q| q.code == 3 || q.code == 1) {
                                    raw.extend_from_slice(q.bytes());
                                }
                                plain_mtext(&d.text(&raw))
                            } else {
                                r.text(1, &d).unwrap_or_default()
                            };
                            let text = text.trim().to_owned();
                            if !text.is_empty() {
                                drawing.labels.push(Label {
                                    at: Coord { x: x * sign, y },
                                    texts: vec![text],
                                    attributes: Vec::new(),
                                });
                            }
                        } else if r.is("INSERT") {
                            let (Some(x), Some(y), Some(sign)) = (r.f64(10), r.f64(20), r.ocs())
                            else {
                                continue;
                            };
                            let attributes: Vec<(String, String)> = follow
                                .iter()
                                .filter(|a| a.is("ATTRIB"))
                                .filter_map(|a| {
                                    let tag = a.text(2, &d)?;
                                    let value = a.text(1, &d).unwrap_or_default();
                                    (!tag.is_empty()).then_some((tag, value))
                                })
                                .collect();
                            if !attributes.is_empty() {
                                drawing.labels.push(Label {
                                    at: Coord { x: x * sign, y },
                                    texts: Vec::new(),
                                    attributes,
                                });
                            }
                        } else if !r.is("VERTEX") && !r.is("ATTRIB") && !r.is("SEQEND") {
                            *drawing.open.entry(layer.clone()).or_default() += 1;
                        }
                    }
                }
                _ => {}
            }
            i = end.max(i + 1);
        }
        if !entities_seen {
            return Err("has no ENTITIES section: it is not a DXF drawing, or it is cut short; save it again from AutoCAD as DXF".into());
        }
        drawing.skipped = skipped;
        Ok(drawing)
    }

    /// Warnings for the entities skipped on the layers read, the first few
    /// by name.
    fn report_skipped(&self, layer: Option<&str>, file: &str, warnings: &mut Vec<String>) {
        let skipped: Vec<&String> = self
            .skipped
            .iter()
            .filter(|(l, _)| layer.is_none_or(|want| l.eq_ignore_ascii_case(want)))
            .map(|(_, w)| w)
            .collect();
        for w in skipped.iter().take(MAX_NAMED) {
            warnings.push(format!("{file}: {w}"));
        }
        if skipped.len() > MAX_NAMED {
            warnings.push(format!(
                "{file}: … and {} more entities skipped (unclosed, meshes, or hatches with curved edges)",
                skipped.len() - MAX_NAMED
            ));
        }
    }

    /// A message that no boundary was found, with the first entities
    /// skipped and why.
    fn with_skipped(&self, message: String, layer: Option<&str>) -> String {
        let mut skipped = Vec::new();
        self.report_skipped(layer, "", &mut skipped);
        if skipped.is_empty() {
            return message;
        }
        let first: Vec<&str> = skipped
            .iter()
            .take(5)
            .map(|w| w.trim_start_matches(": "))
            .collect();
        format!("{message}. Skipped: {}", first.join("; "))
    }

    /// An R-tree of the labels' anchors.
    fn label_tree(&self) -> LabelTree {
        LabelTree::bulk_load(
            self.labels
                .iter()
                .enumerate()
                .map(|(i, l)| rstar::primitives::GeomWithData::new([l.at.x, l.at.y], i))
                .collect(),
        )
    }

    fn add_layer(&mut self, name: &str) {
        if !self.layers.iter().any(|l| l.eq_ignore_ascii_case(name)) {
            self.layers.push(name.to_owned());
        }
    }

    /// The shapes on `layer` (any case), or all; an error listing the
    /// layers when there is none.
    fn select(&self, layer: Option<&str>) -> std::result::Result<Vec<&Shape>, String> {
        let shapes: Vec<&Shape> = self
            .shapes
            .iter()
            .filter(|s| layer.is_none_or(|l| s.source.layer.eq_ignore_ascii_case(l)))
            .collect();
        if !shapes.is_empty() {
            return Ok(shapes);
        }
        let mut with: BTreeMap<String, usize> = BTreeMap::new();
        for s in &self.shapes {
            *with.entry(s.source.layer.clone()).or_default() += 1;
        }
        let mut list: Vec<String> = with
            .iter()
            .map(|(l, n)| {
                format!(
                    "{l} ({n} closed boundar{})",
                    if *n == 1 { "y" } else { "ies" }
                )
            })
            .collect();
        list.extend(
            self.layers
                .iter()
                .filter(|l| !with.keys().any(|w| w.eq_ignore_ascii_case(l)))
                .map(|l| match self.open.get(l) {
                    Some(n) => {
                        format!("{l} ({n} other entit{})", if *n == 1 { "y" } else { "ies" })
                    }
                    None => format!("{l} (empty)"),
                }),
        );
        let layers = if list.is_empty() {
            "none".to_owned()
        } else {
            list.join(", ")
        };
        Err(match layer {
            Some(l) if self.layers.iter().any(|x| x.eq_ignore_ascii_case(l)) => format!(
                "layer {l:?} has no closed polyline or HATCH; the drawing's layers: {layers}; \
                 give the boundary layer with --layer"
            ),
            Some(l) => format!(
                "no layer {l:?} in the drawing; its layers: {layers}; give one of them with --layer"
            ),
            None => format!(
                "no closed polyline or HATCH in the drawing; its layers: {layers}; \
                 draw the zone boundaries as closed polylines"
            ),
        })
    }

    /// A zone's properties: where it came from, then the block attributes
    /// and texts inside it.
    fn properties(&self, f: &Found, labels: &LabelTree) -> JsonObject {
        let mut p = JsonObject::new();
        p.insert("LAYER".into(), Json::String(f.source.layer.clone()));
        if let Some(h) = &f.source.handle {
            p.insert("HANDLE".into(), Json::String(h.clone()));
        }
        p.insert("ENTITY".into(), Json::String(f.source.entity.to_owned()));
        // the labels inside, in drawing order (an R-tree of their anchors)
        let mut inside: Vec<usize> = Vec::new();
        for poly in &f.polygons {
            let Some(b) = poly.bounding_rect() else {
                continue;
            };
            let env = rstar::AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]);
            inside.extend(
                labels
                    .locate_in_envelope(&env)
                    .filter(|l| poly.contains(&Point::new(l.geom()[0], l.geom()[1])))
                    .map(|l| l.data),
            );
        }
        inside.sort_unstable();
        inside.dedup();
        let mut texts = 0usize;
        for l in inside.iter().map(|&i| &self.labels[i]) {
            for (tag, value) in &l.attributes {
                if !p.keys().any(|k| k.eq_ignore_ascii_case(tag)) {
                    p.insert(tag.clone(), Json::String(value.clone()));
                }
            }
            for t in &l.texts {
                if texts < MAX_TEXTS {
                    texts += 1;
                    let key = if texts == 1 {
                        "TEXT".to_owned()
                    } else {
                        format!("TEXT{texts}")
                    };
                    p.entry(key).or_insert_with(|| Json::String(t.clone()));
                }
            }
        }
        p
    }
}

/// Counts `n` more boundary vertices.
///
/// # Errors
/// More than [`MAX_VERTICES`] in all, naming where.
fn spend(
    vertices: &mut usize,
    n: usize,
    at: usize,
    binary: bool,
) -> std::result::Result<(), String> {
    *vertices = vertices.saturating_add(n);
    if *vertices > MAX_VERTICES {
        Err(format!(
            "{}: more than {MAX_VERTICES} boundary vertices; keep only the boundary layer \
             (--layer) or split the drawing",
            place(at, binary)
        ))
    } else {
        Ok(())
    }
}

/// Splits a section's pairs into records, each starting at a `0` pair.
fn records(body: &[Pair]) -> impl Iterator<Item = Record<'_>> {
    let starts: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, p)| p.code == 0)
        .map(|(i, _)| i)
        .collect();
    (0..starts.len()).map(move |k| {
        let s = starts[k];
        let e = starts.get(k + 1).copied().unwrap_or(body.len());
        Record {
            kind: body[s].bytes(),
            pairs: &body[s..e],
        }
    })
}

/// Negates x for a mirrored object coordinate system.
fn mirror(ring: &mut [Coord], sign: f64) {
    if sign < 0.0 {
        for c in ring {
            c.x = -c.x;
        }
    }
}

/// An LWPOLYLINE's vertices: `10` starts one, `20` is its y, `42` its bulge.
fn lw_vertices(pairs: &[Pair], binary: bool) -> std::result::Result<Vec<(Coord, f64)>, String> {
    let mut v: Vec<(Coord, f64)> = Vec::new();
    for p in pairs.iter().filter(|p| matches!(p.code, 10 | 20 | 42)) {
        let value = p.f64().ok_or_else(|| not_a_number(p, binary))?;
        match (p.code, v.last_mut()) {
            (10, _) => v.push((
                Coord {
                    x: value,
                    y: f64::NAN,
                },
                0.0,
            )),
            (20, Some(last)) => last.0.y = value,
            (42, Some(last)) => last.1 = value,
            _ => {}
        }
    }
    if let Some((c, _)) = v.iter().find(|(c, _)| !c.y.is_finite()) {
        return Err(format!("vertex ({}, ?) has no y (group code 20)", c.x));
    }
    Ok(v)
}

/// The vertices of an old-style POLYLINE: its VERTEX records, leaving out
/// spline frame points and polyface faces.
fn polyline_vertices(
    follow: &[Record<'_>],
    binary: bool,
) -> std::result::Result<Vec<(Coord, f64)>, String> {
    let mut v = Vec::new();
    for x in follow.iter().filter(|x| x.is("VERTEX")) {
        if x.int(70).unwrap_or(0) & (16 | 128) != 0 {
            continue;
        }
        let number = |code: i32| -> std::result::Result<Option<f64>, String> {
            x.get(code)
                .map(|p| p.f64().ok_or_else(|| not_a_number(p, binary)))
                .transpose()
        };
        let (Some(px), Some(py)) = (number(10)?, number(20)?) else {
            return Err(format!(
                "{}: a VERTEX without its x or y (group codes 10, 20)",
                place(x.at(), binary)
            ));
        };
        v.push((Coord { x: px, y: py }, number(42)?.unwrap_or(0.0)));
    }
    Ok(v)
}

/// `line N: group code C is not a number ("…")`.
fn not_a_number(p: &Pair, binary: bool) -> String {
    let b = p.bytes();
    format!(
        "{}: group code {} is not a finite number ({:?})",
        place(p.at, binary),
        p.code,
        String::from_utf8_lossy(&b[..b.len().min(40)])
    )
}

/// Reads a HATCH's boundary paths in order, each pair where the DXF
/// reference puts it.
struct Cursor<'a> {
    pairs: &'a [Pair],
    i: usize,
    binary: bool,
}

impl Cursor<'_> {
    fn next(&mut self, code: i32) -> std::result::Result<&Pair, String> {
        match self.pairs.get(self.i) {
            Some(p) if p.code == code => {
                self.i += 1;
                Ok(p)
            }
            Some(p) => Err(format!(
                "its boundary is not as the DXF reference has it ({}: group code {code} expected, found {})",
                place(p.at, self.binary),
                p.code
            )),
            None => Err(format!("its boundary ends early (group code {code} expected)")),
        }
    }
    fn f64(&mut self, code: i32) -> std::result::Result<f64, String> {
        let binary = self.binary;
        let p = self.next(code)?;
        p.f64()
            .ok_or_else(|| format!("{}: group code {code} is not a number", place(p.at, binary)))
    }
    fn int(&mut self, code: i32) -> std::result::Result<i64, String> {
        let binary = self.binary;
        let p = self.next(code)?;
        p.int().ok_or_else(|| {
            format!(
                "{}: group code {code} is not an integer",
                place(p.at, binary)
            )
        })
    }
    fn count(&mut self, code: i32, max: usize) -> std::result::Result<usize, String> {
        let n = self.int(code)?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| format!("group code {code} gives {n} items, more than {max}"))
    }
    fn peek(&self, code: i32) -> bool {
        self.pairs.get(self.i).is_some_and(|p| p.code == code)
    }
}

/// The rings of a HATCH's boundary paths (polylines, or edges of lines and
/// circular arcs), in its object coordinate system. Making them stops once
/// they have more than `max` points in all (the caller refuses them).
fn hatch_rings(
    pairs: &[Pair],
    binary: bool,
    max: usize,
) -> std::result::Result<Vec<Vec<Coord>>, String> {
    let start = pairs
        .iter()
        .position(|p| p.code == 100 && p.is("AcDbHatch"))
        .unwrap_or(0);
    let at91 = pairs[start..]
        .iter()
        .position(|p| p.code == 91)
        .map(|k| start + k)
        .ok_or("it has no boundary paths (group code 91)")?;
    let mut c = Cursor {
        pairs,
        i: at91,
        binary,
    };
    let paths = c.count(91, MAX_PATHS)?;
    let mut rings = Vec::with_capacity(paths.min(64));
    let mut made = 0usize;
    for _ in 0..paths {
        let flags = c.int(92)?;
        let mut pts: Vec<Coord> = Vec::new();
        if flags & 2 != 0 {
            let bulged = c.int(72)? != 0;
            let _closed = c.int(73)?;
            let n = c.count(93, MAX_VERTICES)?;
            let mut v = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let x = c.f64(10)?;
                let y = c.f64(20)?;
                let b = if bulged && c.peek(42) {
                    c.f64(42)?
                } else {
                    0.0
                };
                v.push((Coord { x, y }, b));
            }
            if v.len() > 1 && v.first().map(|f| f.0) == v.last().map(|l| l.0) {
                v.pop();
            }
            if v.len() < 3 {
                return Err(format!("a boundary path has {} vertices", v.len()));
            }
            pts = geometry::ring(&v, max - made);
        } else {
            let n = c.count(93, MAX_VERTICES)?;
            for _ in 0..n {
                if made + pts.len() > max {
                    rings.push(pts);
                    return Ok(rings);
                }
                let edge = hatch_edge(&mut c)?;
                for q in edge {
                    let near = pts
                        .last()
                        .is_some_and(|l| (l.x - q.x).hypot(l.y - q.y) < 1e-6);
                    if !near {
                        pts.push(q);
                    }
                }
            }
            if pts.len() < 3 {
                return Err("a boundary path has fewer than 3 points".into());
            }
            if pts.first() != pts.last() {
                let first = pts[0];
                if pts
                    .last()
                    .is_some_and(|l| (l.x - first.x).hypot(l.y - first.y) < 1e-6)
                {
                    pts.pop();
                }
                pts.push(first);
            }
        }
        if pts.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
            return Err("a boundary path has a vertex that is not a finite number".into());
        }
        made += pts.len();
        rings.push(pts);
        if made > max {
            return Ok(rings);
        }
        // source boundary objects: 97 n, then n × 330
        if c.peek(97) {
            let n = c.count(97, MAX_VERTICES)?;
            for _ in 0..n {
                c.next(330)?;
            }
        }
    }
    Ok(rings)
}

/// One edge of a HATCH edge path: its points, start to end.
fn hatch_edge(c: &mut Cursor<'_>) -> std::result::Result<Vec<Coord>, String> {
    Ok(match c.int(72)? {
        1 => {
            let a = Coord {
                x: c.f64(10)?,
                y: c.f64(20)?,
            };
            let b = Coord {
                x: c.f64(11)?,
                y: c.f64(21)?,
            };
            vec![a, b]
        }
        2 => {
            let center = Coord {
                x: c.f64(10)?,
                y: c.f64(20)?,
            };
            let r = c.f64(40)?;
            let s = c.f64(50)?;
            let e = c.f64(51)?;
            let ccw = c.int(73)? != 0;
            let mut span = (e - s).rem_euclid(360.0);
            if span == 0.0 {
                span = 360.0;
            }
            // clockwise arcs keep their angles as 360° − angle
            let (a0, sweep) = if ccw {
                (s.to_radians(), span.to_radians())
            } else {
                ((-s).to_radians(), -span.to_radians())
            };
            let first = Coord {
                x: center.x + r * a0.cos(),
                y: center.y + r * a0.sin(),
            };
            let mut pts = vec![first];
            pts.extend(geometry::arc_points(center, r, a0, sweep));
            pts
        }
        3 => return Err("a boundary path has an elliptic edge".into()),
        4 => return Err("a boundary path has a spline edge".into()),
        t => return Err(format!("a boundary path has an edge of unknown type {t}")),
    })
}

/// The zones: per layer the polylines nested into polygons with holes,
/// each hatch on its own; hatches repeating a polyline left out.
fn assemble(shapes: &[&Shape], warnings: &mut Vec<String>, file: &str) -> Vec<Found> {
    let mut found: Vec<(usize, Found)> = Vec::new();
    // polylines, per layer
    let mut by_layer: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in shapes.iter().enumerate() {
        if !s.hatch {
            by_layer
                .entry(s.source.layer.to_lowercase())
                .or_default()
                .push(i);
        }
    }
    for members in by_layer.values() {
        let rings: Vec<Vec<Coord>> = members
            .iter()
            .map(|&i| shapes[i].rings[0].clone())
            .collect();
        let nested = geometry::nest(&rings);
        let mut used = vec![false; rings.len()];
        for (poly, parts) in nested {
            for &k in &parts {
                used[k] = true;
            }
            let outer = &shapes[members[parts[0]]].source;
            for &k in &parts[1..] {
                warnings.push(format!(
                    "{file}: {} lies inside {}: read as its hole",
                    shapes[members[k]].source.label(),
                    outer.label()
                ));
            }
            found.push((
                members[parts[0]],
                Found {
                    label: outer.label(),
                    source: outer.clone(),
                    polygons: vec![poly],
                },
            ));
        }
        for (k, u) in used.iter().enumerate() {
            if !u {
                warnings.push(format!(
                    "{file}: {} has no area (its vertices are on a line, or it crosses itself): skipped",
                    shapes[members[k]].source.label()
                ));
            }
        }
    }
    // hatches
    for (i, s) in shapes.iter().enumerate().filter(|(_, s)| s.hatch) {
        let polygons: Vec<Polygon> = geometry::nest(&s.rings)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        if polygons.is_empty() {
            warnings.push(format!("{file}: {} has no area: skipped", s.source.label()));
            continue;
        }
        let same = found.iter().find(|(_, f)| {
            f.source.layer.eq_ignore_ascii_case(&s.source.layer)
                && f.polygons.len() == polygons.len()
                && f.polygons
                    .iter()
                    .zip(&polygons)
                    .all(|(a, b)| same_outline(a, b))
        });
        if let Some((_, f)) = same {
            warnings.push(format!(
                "{file}: {} repeats the boundary of {}: read once",
                s.source.label(),
                f.label
            ));
            continue;
        }
        found.push((
            i,
            Found {
                label: s.source.label(),
                source: s.source.clone(),
                polygons,
            },
        ));
    }
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, f)| f).collect()
}

/// Whether two polygons have the same outline (bounding boxes within 1 mm,
/// areas within 0.1 %).
fn same_outline(a: &Polygon, b: &Polygon) -> bool {
    use geo::Area;
    let (Some(x), Some(y)) = (a.bounding_rect(), b.bounding_rect()) else {
        return false;
    };
    let close = |p: f64, q: f64| (p - q).abs() <= 0.001;
    let (aa, ba) = (a.unsigned_area(), b.unsigned_area());
    close(x.min().x, y.min().x)
        && close(x.min().y, y.min().y)
        && close(x.max().x, y.max().x)
        && close(x.max().y, y.max().y)
        && (aa - ba).abs() <= 0.001 * aa.max(ba)
}

#[cfg(test)]
mod tests;
