//! Reading and writing exchange formats: GeoJSON (WGS84), shapefiles (CRS
//! from the `.prj`) and DXF drawings (CRS from `--crs`). Every boundary read
//! is transformed to the legal grid.
//!
//! Reading is in two levels. A problem with the whole file (not GeoJSON, no
//! `.prj`, a truncated `.shp`) is an [`Error`]. A problem with one feature
//! (no code, no geometry, an unclosed ring) is a [`FeatureError`] in its place
//! in [`Input::features`], so that `zoning check` can report it with the rest
//! while `zoning area` refuses the file.

pub mod archive;
pub mod dxf;
pub mod fields;
pub mod geojson;
pub mod kml;
pub mod shapefile;

use std::path::Path;

use ::geojson::JsonObject;
use geo_types::MultiPolygon;

use crate::crs::GridTransform;
use crate::error::{Error, Result};

/// One feature of an input file, its boundary in both CRSs.
#[derive(Debug, Clone)]
pub struct InputFeature {
    /// 1-based position in the file (the record number of a shapefile).
    pub index: usize,
    /// The feature's code (`id`, else the `code` property).
    pub code: String,
    /// All properties as given.
    pub properties: JsonObject,
    /// The boundary in WGS84 (lon, lat).
    pub wgs84: MultiPolygon,
    /// The boundary in the legal grid (EPSG:9214).
    pub grid: MultiPolygon,
    /// Its coordinates were given with the axes exchanged (`[lat, lon]`, or
    /// northing before easting) and were read exchanged back.
    pub swapped_axes: bool,
}

impl InputFeature {
    /// `feature #N (CODE)`, the way messages name a feature.
    #[must_use]
    pub fn label(&self) -> String {
        format!("feature #{} ({})", self.index, self.code)
    }
}

/// Whether every position `(first, second)` looks exchanged: for longitude
/// and latitude (`geographic`), a latitude of Vietnam (8–24°) first and a
/// longitude (100–112°) second; in a projected grid, a northing (over
/// 1,000 km in Vietnam) first and an easting (under 1,000 km) second.
pub(crate) fn looks_swapped(
    mut positions: impl Iterator<Item = (f64, f64)>,
    geographic: bool,
) -> bool {
    let mut any = false;
    let all = positions.all(|(a, b)| {
        any = true;
        if geographic {
            (8.0..=24.0).contains(&a) && (100.0..=112.0).contains(&b)
        } else {
            a > 1_000_000.0 && (0.0..1_000_000.0).contains(&b)
        }
    });
    any && all
}

/// `mp` with its axes exchanged back when every vertex looks exchanged
/// ([`looks_swapped`]), and whether they were.
pub(crate) fn unswapped(mp: MultiPolygon, geographic: bool) -> (MultiPolygon, bool) {
    let swapped = looks_swapped(
        mp.0.iter().flat_map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .flat_map(|r| r.0.iter().map(|c| (c.x, c.y)))
        }),
        geographic,
    );
    if swapped {
        (swap_axes(&mp), true)
    } else {
        (mp, false)
    }
}

/// Exchanges the axes of every vertex.
pub(crate) fn swap_axes(mp: &MultiPolygon) -> MultiPolygon {
    use geo::MapCoords;
    mp.map_coords(|c| geo_types::Coord { x: c.y, y: c.x })
}

/// A feature that cannot be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureError {
    /// 1-based position in the file.
    pub index: usize,
    /// Its code, when it has one.
    pub code: Option<String>,
    /// What is wrong and what to do.
    pub reason: String,
    /// Whether the problem is the geometry's (reported by `zoning check` as
    /// `invalid-geometry`) rather than its attributes.
    pub geometry: bool,
}

impl FeatureError {
    /// `feature #N (CODE)` or `feature #N`.
    #[must_use]
    pub fn label(&self) -> String {
        match &self.code {
            Some(c) => format!("feature #{} ({c})", self.index),
            None => format!("feature #{}", self.index),
        }
    }
}

/// What was read from a file.
#[derive(Debug)]
pub struct Input {
    /// The file as the user named it.
    pub file: String,
    /// Each feature, or why it cannot be used, in file order.
    pub features: Vec<std::result::Result<InputFeature, FeatureError>>,
    /// Things the user should know that did not stop the reading (a missing
    /// `.cpg`, a `--crs` overriding a `.prj`).
    pub warnings: Vec<String>,
    /// The legal grid the file's coordinates are in, when its CRS is one of
    /// the province's two (recorded as each zone's `grid_crs`).
    pub grid: Option<crate::crs::LegalGrid>,
    /// Which field fed which property ([`fields::FieldMap`]).
    pub fields: Vec<fields::FieldUse>,
}

/// The field mapping of a file's features, gathered as they are read: the
/// uses, the warnings (each with its feature), the fields seen.
#[derive(Debug, Default)]
pub(crate) struct Mapping {
    uses: Vec<fields::FieldUse>,
    warnings: Vec<String>,
    seen: std::collections::BTreeSet<String>,
}

impl Mapping {
    /// Maps one feature's properties: first without the boundary (for its
    /// code, which messages about the boundary name), then, once the
    /// boundary is read, with its area (to tell m² from ha).
    pub(crate) fn code_of(
        map: &fields::FieldMap,
        props: &JsonObject,
        also: &[&str],
    ) -> Option<String> {
        let mut p = props.clone();
        map.apply(&mut p, None);
        std::iter::once("code")
            .chain(also.iter().copied())
            .find_map(|want| {
                p.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(want))
                    .and_then(|(_, v)| match v {
                        serde_json::Value::String(s) if !s.trim().is_empty() => {
                            Some(s.trim().to_owned())
                        }
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
            })
    }

    /// Applies the mapping to a feature whose boundary is read.
    pub(crate) fn apply(
        &mut self,
        map: &fields::FieldMap,
        props: &mut JsonObject,
        label: &str,
        grid: &MultiPolygon,
    ) {
        use geo::Area;
        self.seen.extend(props.keys().cloned());
        let a = map.apply(props, Some(grid.unsigned_area() / 10_000.0));
        self.uses.extend(a.uses);
        self.warnings
            .extend(a.warnings.into_iter().map(|w| format!("{label}: {w}")));
    }

    /// Adds what `later` gathered from the features after these.
    pub(crate) fn merge(&mut self, later: Self) {
        self.uses.extend(later.uses);
        self.warnings.extend(later.warnings);
        self.seen.extend(later.seen);
    }

    /// Records the properties of a feature that could not be read (its
    /// fields count as seen).
    pub(crate) fn saw(&mut self, props: &JsonObject) {
        self.seen.extend(props.keys().cloned());
    }

    /// The uses, once each, into `input`, and the warnings.
    ///
    /// # Errors
    /// A `--field` whose field no feature has.
    pub(crate) fn finish(self, map: &fields::FieldMap, input: &mut Input) -> Result<()> {
        input.fields = fields::summary(map, &input.file, self.uses, &self.seen)?;
        input.warnings.extend(self.warnings);
        Ok(())
    }
}

impl Input {
    /// All features, or the first feature error as an [`Error`].
    ///
    /// # Errors
    /// The first feature that cannot be used.
    pub fn into_features(self) -> Result<Vec<InputFeature>> {
        let file = self.file;
        self.features
            .into_iter()
            .map(|f| {
                f.map_err(|e| Error::Feature {
                    file: file.clone(),
                    feature: e.label(),
                    reason: e.reason,
                })
            })
            .collect()
    }
}

/// How to read an input file: what the user said about it on the command line
/// (or in the query of an upload).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The file's CRS, overriding its own (`--crs`): for a shapefile without
    /// `.prj`, or a GeoJSON whose coordinates are not WGS84.
    pub crs: Option<String>,
    /// The text encoding of a `.dbf` or CSV (`--encoding`), overriding a
    /// `.cpg` and the detection.
    pub encoding: Option<crate::text::Encoding>,
    /// The layer of a DXF drawing to read (`--layer`); all layers without it.
    pub layer: Option<String>,
    /// Which field feeds which property (`--field`, `--area-unit`).
    pub fields: fields::FieldMap,
    /// The most bytes a ZIP's files may unpack to
    /// ([`archive::MAX_UNZIPPED`] without it; the service sets its own).
    pub max_unzipped: Option<u64>,
    /// The most features a reader may make before it refuses the file (a KML's
    /// placemarks; the service sets `validate_max_features`).
    pub max_features: Option<usize>,
}

impl ReadOptions {
    /// Options that only set the CRS.
    #[must_use]
    pub fn with_crs(crs: Option<&str>) -> Self {
        Self {
            crs: crs.map(str::to_owned),
            ..Self::default()
        }
    }
}

/// Reads a GeoJSON file (`.geojson`, `.json`), a shapefile (`.shp`), a DXF
/// drawing (which needs `opts.crs`; see [`dxf`]), a KML, or a ZIP of a
/// shapefile or a KMZ ([`archive`]); the format of a file that is not a
/// `.shp` is told by its content.
///
/// `opts.crs` overrides the file's CRS: for a shapefile without `.prj`, or a
/// GeoJSON whose coordinates are not WGS84 (legacy files in VN-2000).
///
/// # Errors
/// When the file cannot be read as a whole.
pub fn read_path(path: &Path, opts: &ReadOptions, t: &GridTransform) -> Result<Input> {
    let file = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() == Some("shp") {
        return shapefile::read(path, opts, t);
    }
    if ext.as_deref() == Some("dxf") {
        return dxf::read(path, opts, t);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    archive::read_bytes(&bytes, &file, opts, t)
}
