//! `zoning area FILE`: both areas of every feature, the grid area in the
//! feature's legal grid (its `grid_crs` property, else the file's CRS when it
//! is one of the two grids, else the grid of the former province it lies in).

use std::path::PathBuf;

use serde::Serialize;
use zoning_core::area::Areas;
use zoning_core::crs::GridTransform;

use crate::output::{emit, json, Align, Format, Table};

/// Arguments of `zoning area`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// GeoJSON (WGS84), a shapefile (CRS from its .prj) or a DXF (with --crs).
    file: PathBuf,
    #[command(flatten)]
    read: super::input::ReadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Serialize)]
struct FeatureArea {
    code: String,
    grid_crs: &'static str,
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
    let input = args.read.read(&args.file, &t)?;
    let given = input.grid;
    let features = input.into_features()?;
    let admin = zoning_server::shipped::admin(&t).map_err(anyhow::Error::msg)?;
    let out = Output {
        features: features
            .into_iter()
            .map(|f| {
                let grid = admin.legal_grid(&f.properties, given, &f.grid);
                Ok(FeatureArea {
                    areas: Areas::in_grid(&f.grid, &f.wgs84, grid, &t)?,
                    grid_crs: grid.code(),
                    code: f.code,
                })
            })
            .collect::<anyhow::Result<_>>()?,
    };
    match args.format {
        Format::Json => emit(&json(&out)?),
        Format::Table => {
            let mut table = Table::new(&[
                ("Mã / code", Align::Left),
                ("Lưới / grid", Align::Left),
                ("DT lưới / grid ha", Align::Right),
                ("DT trắc địa / geodesic ha (WGS84)", Align::Right),
            ]);
            for f in &out.features {
                table.row(vec![
                    f.code.clone(),
                    f.grid_crs.to_owned(),
                    format!("{:.4}", f.areas.grid_area_ha),
                    format!("{:.4}", f.areas.geodesic_area_ha),
                ]);
            }
            emit(&table.render())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["code", "grid_crs", "grid_area_ha", "geodesic_area_ha"])?;
            for f in &out.features {
                w.write_record([
                    f.code.clone(),
                    f.grid_crs.to_owned(),
                    f.areas.grid_area_ha.to_string(),
                    f.areas.geodesic_area_ha.to_string(),
                ])?;
            }
            emit(&String::from_utf8(w.into_inner()?)?)
        }
    }
}
