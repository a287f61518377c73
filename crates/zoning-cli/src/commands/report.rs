//! `zoning report`: the reconciliation against the resolution's targets.

use std::path::PathBuf;

use zoning_core::crs::GridTransform;
use zoning_core::registry::Registry;
use zoning_core::report::{Line, Reconciliation};
use zoning_core::targets::{Comparison, Targets};

use crate::output::{emit, ha, json, signed_ha, Align, Format, Table};
use zoning_server::shipped;

/// Arguments of `zoning report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registry's zones as GeoJSON (default: the shipped data set).
    #[arg(long, conflicts_with = "db")]
    zones: Option<PathBuf>,
    /// A registry database: the report of its approved zones.
    #[arg(long)]
    db: Option<PathBuf>,
    /// The targets (default: the shipped `data/targets.toml`).
    #[arg(long, conflicts_with = "target_set")]
    targets: Option<PathBuf>,
    /// A shipped target set: `bac-giang-2021-2030` (the default, the Bắc
    /// Giang resolution) or `bac-ninh-2021-2030` (the former Bắc Ninh's plan).
    #[arg(long)]
    target_set: Option<String>,
    /// `commune`: industrial land per commune of 2025 instead of the
    /// reconciliation with the targets.
    #[arg(long, value_enum)]
    by: Option<By>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// What the report is broken down by.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum By {
    /// The communes and wards since 1 July 2025.
    Commune,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let (zones_text, zones_name) = match &args.zones {
        Some(p) => (super::read_text(p)?, p.display().to_string()),
        None => (
            shipped::ZONES.to_owned(),
            "data/zones.geojson (shipped)".to_owned(),
        ),
    };
    let (targets_text, targets_name) = if let Some(p) = &args.targets {
        (super::read_text(p)?, p.display().to_string())
    } else {
        let set = args
            .target_set
            .as_deref()
            .unwrap_or(zoning_core::zone::BAC_GIANG_TARGETS);
        let (text, file) = shipped::targets(set).map_err(anyhow::Error::msg)?;
        (text.to_owned(), file.to_owned())
    };
    let t = GridTransform::new()?;
    let zones = match &args.db {
        Some(db) => db_zones(db)?,
        None => zoning_core::io::geojson::read_zones(&zones_text, &zones_name, &t)?,
    };
    let registry = Registry::new(zones, &zones_name)?;
    if let Some(By::Commune) = args.by {
        return by_commune(&registry, args.format, &t);
    }
    let targets = Targets::parse(&targets_text, &targets_name)?;
    let report = Reconciliation::compute(&registry, &targets, &t)?;
    match args.format {
        Format::Json => emit(&json(&report)?),
        Format::Table => emit(&table(&report)),
        Format::Csv => emit(&report.to_csv()?),
    }
}

fn by_commune(registry: &Registry, format: Format, t: &GridTransform) -> anyhow::Result<()> {
    let admin = shipped::admin(t).map_err(anyhow::Error::msg)?;
    let areas = registry
        .zones()
        .iter()
        .map(|z| {
            Ok(
                zoning_core::area::grid_area_m2(t.to_legal(&z.grid, z.legal_grid())?.as_ref())
                    / zoning_core::area::M2_PER_HA,
            )
        })
        .collect::<anyhow::Result<Vec<f64>>>()?;
    let lines = admin.industry(registry.zones(), &areas);
    match format {
        Format::Json => emit(&json(&serde_json::json!({"communes": lines}))?),
        Format::Csv => emit(&zoning_core::admin::industry_csv(&lines)?),
        Format::Table => {
            let mut table = Table::new(&[
                ("Mã / code", Align::Left),
                ("Xã, phường / commune", Align::Left),
                ("Khu / zones", Align::Right),
                ("KCN", Align::Right),
                ("CCN", Align::Right),
                ("KCN ha", Align::Right),
                ("CCN ha", Align::Right),
                ("DT xã / commune ha", Align::Right),
                ("Tỷ lệ / share", Align::Right),
            ]);
            for l in lines.iter().filter(|l| l.zones > 0) {
                table.row(vec![
                    l.code.clone(),
                    l.name.clone(),
                    l.zones.to_string(),
                    l.kcn.to_string(),
                    l.ccn.to_string(),
                    format!("{:.2}", l.kcn_ha),
                    format!("{:.2}", l.ccn_ha),
                    format!("{:.2}", l.area_ha),
                    format!("{:.2} %", l.industry_share * 100.0),
                ]);
            }
            emit(&table.render())
        }
    }
}

/// The approved zones of a database.
fn db_zones(db: &std::path::Path) -> anyhow::Result<Vec<zoning_core::Zone>> {
    use zoning_core::store::View;
    let store = super::registry::existing(db)?;
    store
        .zones(View::Public, None)?
        .into_iter()
        .map(|v| {
            zoning_core::zone::ZoneProperties::from_json(v.properties)
                .and_then(|p| p.into_zone(v.code.clone(), v.grid))
                .map_err(|e| {
                    anyhow::anyhow!("{}: zone {}: {e}", super::registry::shown(db), v.code)
                })
        })
        .collect()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn target_count(l: &Line) -> String {
    match (l.target_count, l.comparison) {
        (Some(c), Comparison::AtLeast) => format!("≥ {c}"),
        (c, _) => opt(c),
    }
}

fn table(r: &Reconciliation) -> String {
    let mut t = Table::new(&[
        ("Chỉ tiêu / Line", Align::Left),
        ("Mục tiêu / Target", Align::Right),
        ("Số / Count", Align::Right),
        ("Chênh / Diff", Align::Right),
        ("Mục tiêu ha", Align::Right),
        ("Công bố / Declared ha", Align::Right),
        ("Chênh / Diff ha", Align::Right),
        ("Lưới / Grid ha", Align::Right),
        ("Trắc địa / Geodesic ha", Align::Right),
    ]);
    for l in &r.lines {
        let diff = match (l.count_difference, l.count_met) {
            (Some(d), Some(false)) => format!("{d:+} ✗"),
            (Some(d), _) => format!("{d:+}"),
            _ => String::new(),
        };
        t.row(vec![
            l.label.clone(),
            target_count(l),
            l.count.to_string(),
            diff,
            l.target_area_ha.map(ha).unwrap_or_default(),
            ha(l.declared_area_ha),
            l.area_difference_ha.map(signed_ha).unwrap_or_default(),
            ha(l.grid_area_ha),
            ha(l.geodesic_area_ha),
        ]);
    }
    format!(
        "Đối chiếu với / Reconciled against: {}\n\n{}",
        r.targets_source,
        t.render()
    )
}
