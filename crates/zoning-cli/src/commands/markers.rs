//! `zoning markers check | stakeout`: surveyors' boundary markers.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use zoning_core::crs::GridTransform;
use zoning_core::io::{read_path, ReadOptions};
use zoning_core::markers::{self, MarkerOptions, MarkerReport};

use crate::output::{emit, json, Align, Format, Table};

/// `zoning markers …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check a surveyor's marker table against the approved boundaries.
    Check(CheckArgs),
    /// The table of coordinates to stake out along the boundaries.
    Stakeout(StakeoutArgs),
}

/// Arguments of `zoning markers check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Approved boundaries: GeoJSON (WGS84) or a shapefile (CRS from its .prj).
    #[arg(long)]
    zones: PathBuf,
    /// The surveyor's table: CSV with a marker number, X (northing) and Y
    /// (easting), comma or semicolon separated, decimal point or comma; or
    /// the Excel workbook itself (.xlsx, .xls, recognised by its content).
    #[arg(long)]
    markers: PathBuf,
    /// The sheet of a workbook to read (default: the first visible one).
    #[arg(long)]
    sheet: Option<String>,
    /// A marker within this distance (m) of the boundary is in place.
    #[arg(long, default_value_t = markers::DEFAULT_TOLERANCE_M)]
    tolerance_m: f64,
    /// A marker farther than this (m) from every boundary belongs to no zone.
    #[arg(long, default_value_t = markers::DEFAULT_SEARCH_RADIUS_M)]
    search_radius_m: f64,
    /// CRS of the table's X/Y (X = northing, Y = easting). Unsaid, the
    /// table is read in the legal grid (EPSG:9214 or EPSG:9209) in which its
    /// markers fall on the zones, and a warning says which.
    #[arg(long)]
    crs: Option<String>,
    /// List unmarked corners of every zone, not only the zones the markers belong to.
    #[arg(long)]
    all_zones: bool,
    /// The text encoding of a CSV: utf-8, cp1258, tcvn3, vni or viscii
    /// (default: UTF-8 when it is, else detected, with a warning).
    #[arg(long, value_parser = super::input::encoding)]
    encoding: Option<zoning_core::text::Encoding>,
    /// When the markers are found `suspected-datum-shift`, move them back and
    /// report the check of the moved markers.
    #[arg(long)]
    fix_datum_shift: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Decimal mark of the stake-out CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Decimal {
    /// `2356377,900` (Excel with a Vietnamese locale).
    Comma,
    /// `2356377.900`.
    Point,
}

/// Arguments of `zoning markers stakeout`.
#[derive(Debug, clap::Args)]
pub struct StakeoutArgs {
    /// Approved boundaries: GeoJSON (WGS84) or a shapefile (CRS from its .prj).
    #[arg(long)]
    zones: PathBuf,
    /// Add points along edges longer than this (m).
    #[arg(long)]
    max_spacing_m: Option<f64>,
    /// Decimal mark in CSV.
    #[arg(long, value_enum, default_value = "comma")]
    decimal: Decimal,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

/// Runs the command.
pub fn run(cmd: &Command) -> anyhow::Result<()> {
    match cmd {
        Command::Check(a) => check(a),
        Command::Stakeout(a) => stakeout(a),
    }
}

/// The zones of a file, each with its legal grid.
fn zones(path: &std::path::Path, t: &GridTransform) -> anyhow::Result<Vec<markers::MarkerZone>> {
    let input = read_path(path, &ReadOptions::default(), t)?;
    for w in &input.warnings {
        eprintln!("zoning: warning: {w}");
    }
    let given = input.grid;
    let admin = zoning_server::shipped::admin(t).map_err(anyhow::Error::msg)?;
    Ok(input
        .into_features()?
        .into_iter()
        .map(|f| {
            let g = admin.legal_grid(&f.properties, given, &f.grid);
            (f.code, f.grid, g)
        })
        .collect())
}

fn check(a: &CheckArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.tolerance_m >= 0.0 && a.search_radius_m >= a.tolerance_m,
        "--tolerance-m must be zero or more and --search-radius-m at least the tolerance"
    );
    let t = GridTransform::new()?;
    let zones = zones(&a.zones, &t)?;
    let bytes = std::fs::read(&a.markers)
        .with_context(|| format!("cannot read {}", a.markers.display()))?;
    let opts = MarkerOptions {
        tolerance_m: a.tolerance_m,
        search_radius_m: a.search_radius_m,
        all_zones: a.all_zones,
        table: zoning_core::markers::table::TableOptions {
            encoding: a.encoding,
            sheet: a.sheet.clone(),
        },
        fix_datum_shift: a.fix_datum_shift,
    };
    let (_, report) = markers::check_file(
        &bytes,
        &a.markers.display().to_string(),
        a.crs.as_deref(),
        &zones,
        &opts,
        &t,
    )?;
    match a.format {
        Format::Json => emit(&json(&report)?),
        Format::Table => emit(&check_table(&report)),
        Format::Csv => {
            anyhow::bail!("zoning markers check has no CSV format; use --format table or json")
        }
    }
}

fn cm(d: Option<f64>) -> String {
    d.map(|d| format!("{:.1}", d * 100.0)).unwrap_or_default()
}

fn check_table(r: &MarkerReport) -> String {
    let mut out = format!(
        "Sai số cho phép / tolerance: {:.1} cm; bán kính tìm / search radius: {} m\n",
        r.tolerance_m * 100.0,
        r.search_radius_m
    );
    for w in &r.warnings {
        let _ = writeln!(out, "Cảnh báo / warning: {w}");
    }
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{} {}: {}",
            match f.severity {
                zoning_core::checks::Severity::Error => "Lỗi / error",
                zoning_core::checks::Severity::Warning => "Cảnh báo / warning",
            },
            f.rule.name(),
            f.reason
        );
    }
    let mut by_zone: BTreeMap<String, Vec<&markers::MarkerResult>> = BTreeMap::new();
    for m in &r.markers {
        by_zone
            .entry(
                m.zone
                    .clone()
                    .unwrap_or_else(|| "(không thuộc khu nào / no zone)".into()),
            )
            .or_default()
            .push(m);
    }
    for (zone, ms) in by_zone {
        let _ = write!(out, "\nKhu / Zone {zone}\n");
        let mut t = Table::new(&[
            ("Số hiệu mốc", Align::Left),
            ("Dòng", Align::Right),
            ("X (m)", Align::Right),
            ("Y (m)", Align::Right),
            ("Lệch (cm)", Align::Right),
            ("Góc gần nhất (m)", Align::Right),
            ("Kết quả", Align::Left),
        ]);
        for m in ms {
            let mut status = m.status.vi().to_owned();
            if m.swapped {
                status.push_str(" (đã đổi X↔Y)");
            }
            t.row(vec![
                m.id.clone(),
                m.line.to_string(),
                format!("{:.3}", m.x),
                format!("{:.3}", m.y),
                cm(m.distance_m),
                m.nearest_corner
                    .as_ref()
                    .map(|c| format!("{:.3}", c.distance_m))
                    .unwrap_or_default(),
                status,
            ]);
        }
        out.push_str(&t.render());
    }
    if !r.rejected_rows.is_empty() {
        out.push_str("\nDòng bị loại / Rejected rows\n");
        let mut t = Table::new(&[
            ("Dòng", Align::Right),
            ("Số hiệu mốc", Align::Left),
            ("Lý do / Reason", Align::Left),
        ]);
        for row in &r.rejected_rows {
            t.row(vec![
                row.line.to_string(),
                row.id.clone().unwrap_or_default(),
                row.reason.clone(),
            ]);
        }
        out.push_str(&t.render());
    }
    if !r.unmarked_vertices.is_empty() {
        out.push_str("\nGóc ranh giới chưa có mốc / Corners without a marker\n");
        let mut t = Table::new(&[
            ("Khu", Align::Left),
            ("X (m)", Align::Right),
            ("Y (m)", Align::Right),
            ("Mốc gần nhất (m)", Align::Right),
        ]);
        for v in &r.unmarked_vertices {
            t.row(vec![
                v.zone.clone(),
                format!("{:.3}", v.x),
                format!("{:.3}", v.y),
                v.nearest_marker_m
                    .map(|d| format!("{d:.3}"))
                    .unwrap_or_default(),
            ]);
        }
        out.push_str(&t.render());
    }
    out
}

fn stakeout(a: &StakeoutArgs) -> anyhow::Result<()> {
    if let Some(m) = a.max_spacing_m {
        anyhow::ensure!(
            m >= markers::stakeout::MIN_SPACING_M,
            "--max-spacing-m must be at least {} m",
            markers::stakeout::MIN_SPACING_M
        );
    }
    let t = GridTransform::new()?;
    let zones = zones(&a.zones, &t)?;
    let points = markers::stakeout::stakeout(&zones, a.max_spacing_m, &t)?;
    match a.format {
        Format::Json => {
            // the grid of every point, when they share one
            let mut grids: Vec<&str> = points.iter().map(|p| p.grid_crs).collect();
            grids.dedup();
            let crs = if grids.len() == 1 {
                Some(grids[0])
            } else {
                None
            };
            emit(&json(&serde_json::json!({ "crs": crs, "points": points }))?)
        }
        Format::Csv => emit(&markers::stakeout::to_csv(
            &points,
            a.decimal == Decimal::Comma,
        )),
        Format::Table => {
            let mut t = Table::new(&[
                ("Khu", Align::Left),
                ("Số hiệu mốc", Align::Left),
                ("X (m)", Align::Right),
                ("Y (m)", Align::Right),
                ("Kinh độ", Align::Right),
                ("Vĩ độ", Align::Right),
            ]);
            for p in &points {
                t.row(vec![
                    p.zone.clone(),
                    p.id.clone(),
                    format!("{:.3}", p.x),
                    format!("{:.3}", p.y),
                    format!("{:.9}", p.lon),
                    format!("{:.9}", p.lat),
                ]);
            }
            emit(&t.render())
        }
    }
}
