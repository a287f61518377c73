//! `zoning area FILE`: both areas of every feature.

use std::path::PathBuf;

use serde::Serialize;
use zoning_core::area::Areas;
use zoning_core::crs::GridTransform;
use zoning_core::io::read_path;

use crate::output::{emit, json, Align, Format, Table};

/// Arguments of `zoning area`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// GeoJSON (WGS84) or a shapefile (CRS from its .prj).
    file: PathBuf,
    /// CRS of FILE when it has none (a shapefile without .prj), e.g. EPSG:9214.
    #[arg(long)]
    crs: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Serialize)]
struct FeatureArea {
    code: String,
    #[serde(flatten)]
    areas: Areas,
}

#[derive(Debug, Serialize)]
struct Output {
    features: Vec<FeatureArea>,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let t = GridTransform::new()?;
    let input = read_path(&args.file, args.crs.as_deref(), &t)?;
    for w in &input.warnings {
        eprintln!("zoning: warning: {w}");
    }
    let out = Output {
        features: input
            .into_features()?
            .into_iter()
            .map(|f| FeatureArea {
                areas: Areas::of(&f.grid, &f.wgs84),
                code: f.code,
            })
            .collect(),
    };
    match args.format {
        Format::Json => emit(&json(&out)?),
        Format::Table => {
            let mut table = Table::new(&[
                ("Mã / code", Align::Left),
                ("DT lưới / grid ha (EPSG:9214)", Align::Right),
                ("DT trắc địa / geodesic ha (WGS84)", Align::Right),
            ]);
            for f in &out.features {
                table.row(vec![
                    f.code.clone(),
                    format!("{:.4}", f.areas.grid_area_ha),
                    format!("{:.4}", f.areas.geodesic_area_ha),
                ]);
            }
            emit(&table.render())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["code", "grid_area_ha", "geodesic_area_ha"])?;
            for f in &out.features {
                w.write_record([
                    f.code.clone(),
                    f.areas.grid_area_ha.to_string(),
                    f.areas.geodesic_area_ha.to_string(),
                ])?;
            }
            emit(&String::from_utf8(w.into_inner()?)?)
        }
    }
}
