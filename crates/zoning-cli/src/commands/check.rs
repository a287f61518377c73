//! `zoning check FILE`: every rule, every finding, with where.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use zoning_core::checks::{self, CheckOptions, Finding, Report, Severity, Subject};
use zoning_core::crs::GridTransform;
use zoning_core::io::{read_path, ReadOptions};

use crate::output::{emit, json, Align, Format, Table};
use zoning_server::shipped;

/// Arguments of `zoning check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Zones: GeoJSON (WGS84), a shapefile (CRS from its .prj) or a DXF (with --crs).
    file: PathBuf,
    /// The boundary the zones must lie in (default: the shipped Bắc Giang
    /// province boundary).
    #[arg(long)]
    boundary: Option<PathBuf>,
    /// Do not check against any boundary.
    #[arg(long, conflicts_with = "boundary")]
    no_boundary: bool,
    /// Check against the zones of a registry file (GeoJSON or shapefile):
    /// overlaps with them, and `suspected-datum-shift` when a zone matches
    /// one of them once a skipped datum shift is undone.
    #[arg(long, conflicts_with = "db")]
    against: Option<PathBuf>,
    /// Check against the zones of a registry database (as `--against`).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Move back the zones found with `suspected-datum-shift` and check them
    /// again (the output is the check of the moved zones).
    #[arg(long)]
    fix_datum_shift: bool,
    #[command(flatten)]
    read: super::input::ReadArgs,
    /// Overlaps smaller than this (m²) are slivers (warnings), not errors.
    #[arg(long, default_value_t = 1.0)]
    sliver_m2: f64,
    /// Declared and grid areas may differ by this much (percent).
    #[arg(long, default_value_t = 1.0)]
    area_tolerance_pct: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Print the wall time of each step (reading, each rule, writing) to
    /// standard error.
    #[arg(long)]
    timings: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.sliver_m2 >= 0.0 && args.area_tolerance_pct >= 0.0,
        "--sliver-m2 and --area-tolerance-pct must be zero or more"
    );
    let started = Instant::now();
    let t = GridTransform::new()?;
    // the communes (in the grid) are read on a thread of their own while the
    // file is: reading them is one core's work
    let (input, admin) = std::thread::scope(|scope| {
        let admin = scope.spawn(|| {
            let t = GridTransform::new()?;
            let admin = shipped::admin(&t).map_err(anyhow::Error::msg)?;
            anyhow::Ok((admin, started.elapsed()))
        });
        let input = args.read.read(&args.file, &t);
        let admin = admin
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (input, admin)
    });
    let input = input?;
    let (admin, admin_read) = admin?;
    let mut timings = vec![
        ("reading and PROJ to the grid", started.elapsed()),
        ("of which the communes, beside the file", admin_read),
    ];
    let clock = Instant::now();
    let boundary = if args.no_boundary {
        None
    } else {
        match &args.boundary {
            Some(p) => Some(checks::Bounds::province(geo_types::MultiPolygon::new(
                read_path(p, &ReadOptions::default(), &t)?
                    .into_features()?
                    .into_iter()
                    .flat_map(|f| f.grid.0)
                    .collect(),
            ))),
            None => Some(shipped::bounds(&t).map_err(anyhow::Error::msg)?),
        }
    };
    if !args.no_boundary {
        timings.push(("reading the boundary", clock.elapsed()));
    }
    let mut subjects = Vec::new();
    let mut unreadable = Vec::new();
    let given = input.grid;
    for f in input.features {
        match f {
            Ok(f) => subjects.push(Subject::from_feature(&f)),
            Err(e) => unreadable.push(e),
        }
    }
    // each zone's legal grid (its area is checked there) and the former
    // province it lies in
    let clock = Instant::now();
    subjects.par_iter_mut().for_each(|s| s.place(&admin, given));
    timings.push(("placing in the communes", clock.elapsed()));
    let opts = CheckOptions {
        sliver_m2: args.sliver_m2,
        area_tolerance: args.area_tolerance_pct / 100.0,
    };
    // the one check every door uses: the file on its own, or against a registry
    let registry = registry(args, &admin, &t)?;
    let mut report = checks::against(&subjects, &registry, boundary.as_ref(), &opts);
    if args.fix_datum_shift
        && super::input::fix_datum_shift(
            &report.findings,
            subjects.iter_mut().map(|s| (s.code.as_str(), &mut s.grid)),
            &t,
        )?
    {
        report = checks::against(&subjects, &registry, boundary.as_ref(), &opts);
    }
    let mut all = checks::unreadable(&unreadable);
    all.append(&mut report.findings);
    report.findings = all;
    timings.append(&mut report.timings);
    let clock = Instant::now();
    report.locate(&t);
    let result = match args.format {
        Format::Json => emit(&json(&report)?),
        Format::Table => emit(&table(&report, subjects.len() + unreadable.len())),
        Format::Csv => anyhow::bail!("zoning check has no CSV format; use --format table or json"),
    };
    timings.push(("locating and writing the findings", clock.elapsed()));
    if args.timings {
        for (step, d) in &timings {
            eprintln!("zoning: timing: {step}: {:.1} ms", d.as_secs_f64() * 1e3);
        }
        eprintln!(
            "zoning: timing: total: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    result
}

/// The registry the file is checked against: `--against FILE`, `--db PATH`,
/// or none.
fn registry(
    args: &Args,
    admin: &zoning_core::admin::Admin,
    t: &GridTransform,
) -> anyhow::Result<Vec<Subject>> {
    Ok(match (&args.against, &args.db) {
        (Some(p), _) => {
            let mut r: Vec<Subject> = read_path(p, &ReadOptions::default(), t)?
                .into_features()?
                .iter()
                .map(Subject::from_feature)
                .collect();
            for s in &mut r {
                s.place(admin, None);
            }
            r
        }
        (None, Some(db)) => super::registry::neighbours(&*super::registry::existing(db)?)?,
        (None, None) => Vec::new(),
    })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "LỖI / error",
        Severity::Warning => "cảnh báo / warning",
    }
}

fn table(report: &Report, features: usize) -> String {
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = report.findings.len() - errors;
    let mut out = format!(
        "{features} đối tượng / features: {errors} lỗi / errors, {warnings} cảnh báo / warnings\n"
    );
    // group by zone (a finding on two zones is listed under the first), most severe first
    let mut by_zone: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_zone
            .entry(
                f.codes
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "(không mã / no code)".into()),
            )
            .or_default()
            .push(f);
    }
    let mut zones: Vec<(String, Vec<&Finding>)> = by_zone.into_iter().collect();
    zones.sort_by_key(|(code, f)| (f.iter().map(|x| x.severity).min(), code.clone()));
    for (code, findings) in zones {
        let _ = write!(out, "\n{code}\n");
        let mut t = Table::new(&[
            ("Mức / Severity", Align::Left),
            ("Quy tắc / Rule", Align::Left),
            ("m²", Align::Right),
            ("Vị trí / Location (lon, lat)", Align::Left),
            ("Lý do / Reason", Align::Left),
        ]);
        for f in findings {
            t.row(vec![
                severity(f.severity).into(),
                format!("{} / {}", f.rule.name_vi(), f.rule.name()),
                f.area_m2.map(|a| format!("{a:.2}")).unwrap_or_default(),
                f.location
                    .map(|[x, y]| format!("{x:.6}, {y:.6}"))
                    .unwrap_or_default(),
                f.reason.clone(),
            ]);
        }
        out.push_str(&t.render());
    }
    if !report.expected_overlaps.is_empty() {
        out.push_str("\nChồng lấn theo quy hoạch / Expected overlaps\n");
        for e in &report.expected_overlaps {
            let _ = writeln!(
                out,
                "  {} ⊂ {}: {:.2} m² — {}",
                e.codes[0], e.codes[1], e.area_m2, e.reason
            );
        }
    }
    out
}
