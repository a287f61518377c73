//! Reading and writing exchange formats: GeoJSON (WGS84) and shapefiles (CRS
//! from the `.prj`). Every boundary read is transformed to the legal grid.
//!
//! Reading is in two levels. A problem with the whole file (not GeoJSON, no
//! `.prj`, a truncated `.shp`) is an [`Error`]. A problem with one feature
//! (no code, no geometry, an unclosed ring) is a [`FeatureError`] in its place
//! in [`Input::features`], so that `zoning check` can report it with the rest
//! while `zoning area` refuses the file.

pub mod geojson;
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
}

impl InputFeature {
    /// `feature #N (CODE)`, the way messages name a feature.
    #[must_use]
    pub fn label(&self) -> String {
        format!("feature #{} ({})", self.index, self.code)
    }
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

/// Reads a GeoJSON file (`.geojson`, `.json`) or a shapefile (`.shp`).
///
/// `opts.crs` overrides the file's CRS: for a shapefile without `.prj`, or a
/// GeoJSON whose coordinates are not WGS84 (legacy files in VN-2000).
///
/// # Errors
/// When the file cannot be read as a whole.
pub fn read_path(path: &Path, opts: &ReadOptions, t: &GridTransform) -> Result<Input> {
    let crs = opts.crs.as_deref();
    let file = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() == Some("shp") {
        return shapefile::read(path, opts, t);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Error::NotGeoJson {
            file,
            reason: "it is a ZIP archive (a zipped shapefile or a spreadsheet?); unzip it and give the .shp".into(),
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| Error::NotGeoJson {
        file: file.clone(),
        reason: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    geojson::read(&text, &file, crs, t)
}
