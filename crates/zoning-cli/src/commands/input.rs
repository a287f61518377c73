//! What every command that reads zone files says about them: the CRS, the
//! field mapping, the area unit, the text encoding, the DXF layer.

use std::path::Path;

use zoning_core::crs::GridTransform;
use zoning_core::io::fields::{AreaUnit, FieldMap};
use zoning_core::io::{read_path, Input, ReadOptions};
use zoning_core::text::Encoding;

/// How to read the zone file (shared by `area`, `check` and `import`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReadArgs {
    /// CRS of FILE when it has none (a shapefile without .prj, a DXF), or to
    /// override it, e.g. EPSG:9214.
    #[arg(long)]
    pub crs: Option<String>,
    /// Which field feeds which zone property, e.g. `--field name_vi=TEN_CU`
    /// (repeatable). The usual Vietnamese names (`MA`, `TEN`, `TEN_KCN`,
    /// `DIENTICH`, `DT_HA`, `LOAI`, …) are recognised without it.
    #[arg(long = "field", value_name = "PROP=FIELD")]
    pub fields: Vec<String>,
    /// The unit of the declared area: ha or m2 (default: the field's name
    /// says, `DT_HA`/`DT_M2`, else the values' size, else ha).
    #[arg(long, value_name = "ha|m2", value_parser = area_unit)]
    pub area_unit: Option<AreaUnit>,
    /// The text encoding of a .dbf: utf-8, cp1258, tcvn3, vni or viscii
    /// (default: the .cpg, else detected).
    #[arg(long, value_parser = encoding)]
    pub encoding: Option<Encoding>,
    /// The layer of a DXF drawing to read (default: every layer), or the
    /// shapefile of a ZIP that holds several.
    #[arg(long)]
    pub layer: Option<String>,
}

fn area_unit(s: &str) -> Result<AreaUnit, String> {
    AreaUnit::parse(s).ok_or_else(|| format!("{s:?} is not an area unit; use ha or m2"))
}

/// An `--encoding` value.
///
/// # Errors
/// A name that is not one of the five, with the names.
pub fn encoding(s: &str) -> Result<Encoding, String> {
    Encoding::parse(s).ok_or_else(|| {
        format!("{s:?} is not an encoding this reads; use utf-8, cp1258, tcvn3, vni or viscii")
    })
}

impl ReadArgs {
    /// The reader's options.
    ///
    /// # Errors
    /// A `--field` that is not `PROP=FIELD`.
    pub fn options(&self) -> anyhow::Result<ReadOptions> {
        Ok(ReadOptions {
            crs: self.crs.clone(),
            encoding: self.encoding,
            layer: self.layer.clone(),
            fields: FieldMap::parse(self.fields.iter().map(String::as_str), self.area_unit)
                .map_err(anyhow::Error::msg)?,
            max_unzipped: None,
            max_features: None,
        })
    }

    /// Reads `path`, printing its warnings and which field fed which
    /// property on standard error.
    ///
    /// # Errors
    /// What the reader refuses.
    pub fn read(&self, path: &Path, t: &GridTransform) -> anyhow::Result<Input> {
        let input = read_path(path, &self.options()?, t)?;
        for u in &input.fields {
            eprintln!("zoning: {}: {u}", input.file);
        }
        for w in &input.warnings {
            eprintln!("zoning: warning: {w}");
        }
        Ok(input)
    }
}

/// `--fix-datum-shift`: moves back, vertex by vertex through PROJ, the
/// boundaries that `suspected-datum-shift` findings name, saying so on
/// standard error; whether any moved (then the checks are to run again).
///
/// # Errors
/// When PROJ cannot transform a vertex.
pub fn fix_datum_shift<'a>(
    findings: &[zoning_core::checks::Finding],
    boundaries: impl Iterator<Item = (&'a str, &'a mut geo_types::MultiPolygon)>,
    t: &GridTransform,
) -> anyhow::Result<bool> {
    use zoning_core::checks::slips;
    let fixes = slips::datum_fixes(findings);
    let mut moved = false;
    for (code, grid) in boundaries {
        if let Some((slip, m)) = fixes.get(code) {
            *grid = slips::unslip(grid, *slip, t)?;
            eprintln!(
                "zoning: --fix-datum-shift: {code} moved back by {m:.1} m ({})",
                slip.what()
            );
            moved = true;
        }
    }
    Ok(moved)
}
