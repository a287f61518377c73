//! `zoning serve | import | export`: the registry's database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use zoning_core::checks::{self, CheckOptions, Subject};
use zoning_core::crs::GridTransform;
use zoning_core::store::{Change, NewZoneVersion, Status, Store, View};
use zoning_server::state::CachedZone;
use zoning_server::Config;
use zoning_store::Registry;

/// The database used when no `--db` is given: `zoning/registry.db` in the
/// user's data directory (`~/.local/share` on Linux).
fn default_db() -> anyhow::Result<PathBuf> {
    let dir = dirs::data_dir().context("no user data directory; give --db PATH")?;
    Ok(dir.join("zoning").join("registry.db"))
}

/// Opens a registry (`--db`: a SQLite file or a `postgres://` URL); one
/// that does not exist yet (a new file, a database without zoning's schema)
/// is created and, when `fill` is set, loaded with the shipped data set.
pub(crate) fn open(db: &Path, fill: bool) -> anyhow::Result<Arc<dyn Store>> {
    let (registry, new) = Registry::open(&db.to_string_lossy(), false)?;
    let store = registry.store();
    if new && fill {
        let n = zoning_server::load_shipped(&*store).map_err(anyhow::Error::msg)?;
        tracing::info!(db = %registry.place(), zones = n, "new registry loaded with the shipped data set");
    }
    Ok(store)
}

/// A `--db` value as it may be printed: a file's path, or a URL without its
/// password.
pub(crate) fn shown(db: &Path) -> String {
    let text = db.to_string_lossy();
    if zoning_store::pg::is_url(&text) {
        zoning_store::pg::describe_url(&text)
    } else {
        db.display().to_string()
    }
}

/// Opens an existing registry (a SQLite file must exist; a PostgreSQL
/// database gets zoning's schema if it has none).
pub(crate) fn existing(db: &Path) -> anyhow::Result<Arc<dyn Store>> {
    Ok(Registry::open(&db.to_string_lossy(), true)?.0.store())
}

/// Arguments of `zoning serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The database (created and loaded with the shipped data when missing).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    bind: Option<String>,
    /// A TOML configuration file (see config.example.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The built web map (default: web/dist when it exists).
    #[arg(long)]
    web_dir: Option<PathBuf>,
}

/// Runs `zoning serve`.
pub fn serve(a: &ServeArgs) -> anyhow::Result<()> {
    let mut config = match &a.config {
        Some(p) => Config::from_file(p).map_err(anyhow::Error::msg)?,
        None => Config::default(),
    }
    .with_env()
    .map_err(anyhow::Error::msg)?;
    if let Some(db) = &a.db {
        config.db = Some(db.clone());
    }
    if let Some(bind) = &a.bind {
        config.bind.clone_from(bind);
    }
    if let Some(w) = &a.web_dir {
        config.web_dir = Some(w.clone());
    }
    if config.web_dir.is_none() && Path::new("web/dist/index.html").exists() {
        config.web_dir = Some(PathBuf::from("web/dist"));
    }
    let config = config.finalize().map_err(anyhow::Error::msg)?;
    let db = match &config.db {
        Some(p) => p.clone(),
        None => default_db()?,
    };
    let store = open(&db, true)?;
    // a URL's password is not printed
    let place = shown(&db);
    tracing::info!(db = %place, "database");
    eprintln!(
        "zoning: serving {} on http://{}/ (map in a browser; OGC API – Features for QGIS and GDAL: OAPIF:http://{}/)",
        place,
        config.bind,
        config.bind
    );
    actix_web::rt::System::new().block_on(zoning_server::serve(config, store))?;
    Ok(())
}

/// Arguments of `zoning import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The database (a new path creates an empty registry with only these files).
    #[arg(long, env = "ZONING_DB", hide_env_values = true)]
    db: PathBuf,
    /// Zones as GeoJSON, shapefiles or DXF, with the zone model in their
    /// properties (or fields mapped to it: --field, and the usual Vietnamese
    /// field names).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: super::input::ReadArgs,
    /// Import the features that can be taken and report the others; without
    /// it nothing is written when any feature is refused.
    #[arg(long)]
    skip_bad: bool,
    /// Move back the zones found with `suspected-datum-shift` (their
    /// coordinates converted without the VN-2000 ↔ WGS84 datum shift) before
    /// they are checked and stored.
    #[arg(long)]
    fix_datum_shift: bool,
    /// Record the imported zones as drafts rather than approved.
    #[arg(long)]
    draft: bool,
    /// The decision the imported boundaries rest on.
    #[arg(long)]
    decision: Option<String>,
}

fn print_findings(findings: &[checks::Finding]) -> anyhow::Result<()> {
    for f in findings {
        eprintln!(
            "zoning: finding: {} ({}): {}: {}",
            f.rule.name(),
            serde_json::to_value(f.severity)?.as_str().unwrap_or(""),
            f.codes.join(", "),
            f.reason
        );
    }
    Ok(())
}

/// The registry's current zones (planners' view) as neighbours of the checks.
pub(crate) fn neighbours(store: &dyn Store) -> anyhow::Result<Vec<Subject>> {
    Ok(store
        .zones(View::Planner, None)?
        .into_iter()
        .map(|v| Subject::from_properties(&v.code, 1, v.grid, &v.properties))
        .collect())
}

/// An import's features through the intake: those taken (file, number,
/// candidate) and those refused (why, naming the file and the feature).
type Taken = (
    Vec<(String, usize, zoning_core::intake::Candidate)>,
    Vec<String>,
);

fn take(
    a: &ImportArgs,
    ctx: &zoning_core::intake::Context<'_>,
    t: &GridTransform,
) -> anyhow::Result<Taken> {
    let mut candidates = Vec::new();
    let mut refused = Vec::new();
    for file in &a.files {
        let input = a.read.read(file, t)?;
        let name = input.file.clone();
        let ctx = ctx.with_given_grid(input.grid);
        for f in input.features {
            match f {
                Ok(f) => match zoning_core::intake::zone(&f.code, &f.properties, &f.grid, &ctx) {
                    Ok(mut c) => {
                        c.swapped_axes = f.swapped_axes;
                        candidates.push((name.clone(), f.index, c));
                    }
                    Err(e) => refused.push(format!("{name}: {}: {e}", f.label())),
                },
                Err(e) => refused.push(format!("{name}: {}: {}", e.label(), e.reason)),
            }
        }
    }
    Ok((candidates, refused))
}

/// Runs `zoning import`: every feature of every file takes the one intake
/// path (the defaults a POST gives), then the imported zones are checked
/// together against the registry's zones near them and the province, and
/// each version is stored with its findings. Nothing is written unless every
/// feature can be taken (or `--skip-bad`); every refused one is reported.
///
/// # Errors
/// A file that cannot be read, a feature refused (without `--skip-bad`), the
/// database.
pub fn import(a: &ImportArgs) -> anyhow::Result<()> {
    let t = GridTransform::new()?;
    let admin = zoning_server::shipped::admin(&t).map_err(anyhow::Error::msg)?;
    let ctx = zoning_core::intake::Context::new(zoning_core::intake::Limits::default())
        .with_admin(&admin);
    let (mut candidates, refused) = take(a, &ctx, &t)?;
    for r in &refused {
        eprintln!("zoning: refused: {r}");
    }
    if !refused.is_empty() && !a.skip_bad {
        anyhow::bail!(
            "{} feature(s) could not be taken; nothing was imported (fix them, or give --skip-bad to import the {} other(s))",
            refused.len(),
            candidates.len()
        );
    }
    if candidates.is_empty() {
        anyhow::bail!("no feature could be taken; nothing was imported");
    }
    if !refused.is_empty() {
        eprintln!(
            "zoning: --skip-bad: {} feature(s) refused and left out; importing the {} other(s)",
            refused.len(),
            candidates.len()
        );
    }
    let store = open(&a.db, false)?;
    let registry = {
        let subjects: Vec<Subject> = candidates.iter().map(|(_, i, c)| c.subject(*i)).collect();
        zoning_core::checks::neighbours_in(&*store, &subjects)?
    };
    let bounds = zoning_server::shipped::bounds(&t).map_err(anyhow::Error::msg)?;
    let check = |candidates: &[(String, usize, zoning_core::intake::Candidate)]| {
        let subjects: Vec<Subject> = candidates.iter().map(|(_, i, c)| c.subject(*i)).collect();
        checks::against(
            &subjects,
            &registry,
            Some(&bounds),
            &CheckOptions::default(),
        )
    };
    let mut report = check(&candidates);
    if a.fix_datum_shift
        && super::input::fix_datum_shift(
            &report.findings,
            candidates
                .iter_mut()
                .map(|(_, _, c)| (c.code.as_str(), &mut c.grid)),
            &t,
        )?
    {
        report = check(&candidates);
    }
    report.locate(&t);
    // each zone's findings, in the report's order (a finding naming two zones
    // is each one's), found by code rather than by a search of every finding
    let mut by_code: std::collections::HashMap<&str, Vec<&checks::Finding>> =
        std::collections::HashMap::new();
    for f in &report.findings {
        for (i, code) in f.codes.iter().enumerate() {
            if !f.codes[..i].contains(code) {
                by_code.entry(code.as_str()).or_default().push(f);
            }
        }
    }
    let mut versions = Vec::new();
    for (name, _, c) in candidates {
        let findings: Vec<&checks::Finding> =
            by_code.get(c.code.as_str()).cloned().unwrap_or_default();
        for n in &c.notes {
            eprintln!("zoning: note: {name}: {}: {n}", c.code);
        }
        versions.push(NewZoneVersion {
            code: c.code,
            status: if a.draft {
                Status::Draft
            } else {
                Status::Approved
            },
            properties: c.properties.to_json(),
            grid: c.grid,
            change: Change {
                author: "zoning import".into(),
                reason: c
                    .change
                    .reason
                    .or_else(|| Some(format!("imported from {name}"))),
                decision: a.decision.clone().or(c.change.decision),
            },
            findings: serde_json::to_value(&findings)?,
        });
    }
    print_findings(&report.findings)?;
    let n = store.append_zones(versions)?;
    eprintln!(
        "zoning: imported {n} zone version(s) into {} ({} finding(s) stored with them)",
        shown(&a.db),
        report.findings.len()
    );
    Ok(())
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// GeoJSON, WGS84.
    Geojson,
    /// Shapefile in EPSG:9214 with .prj and .cpg.
    Shp,
}

/// Arguments of `zoning export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The database.
    #[arg(long, env = "ZONING_DB", hide_env_values = true)]
    db: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Include drafts (the planners' view) rather than approved zones only.
    #[arg(long)]
    drafts: bool,
    /// The file to write (`.geojson`; for `shp`, the `.shp` path or a directory).
    out: PathBuf,
}

/// Runs `zoning export`.
pub fn export(a: &ExportArgs) -> anyhow::Result<()> {
    let store = existing(&a.db)?;
    let view = if a.drafts {
        View::Planner
    } else {
        View::Public
    };
    // the served form of each version, without building the server's state
    let zones: Vec<Arc<CachedZone>> = store
        .zones(view, None)?
        .into_iter()
        .map(|v| Arc::new(CachedZone::new(v, None)))
        .collect();
    let bytes = match a.format {
        ExportFormat::Geojson => zoning_server::routes::export::geojson(&zones)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_bytes(),
        ExportFormat::Shp => zoning_server::routes::export::shapefile_zip(&zones)
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    match a.format {
        ExportFormat::Geojson => {
            std::fs::write(&a.out, bytes)
                .with_context(|| format!("writing {}", a.out.display()))?;
        }
        ExportFormat::Shp => {
            let zip_path = if a.out.extension().is_some_and(|e| e == "zip") {
                a.out.clone()
            } else {
                a.out.with_extension("zip")
            };
            std::fs::write(&zip_path, &bytes)
                .with_context(|| format!("writing {}", zip_path.display()))?;
            // also unpacked beside it, as GIS software expects
            let dir = zip_path.parent().unwrap_or(Path::new("."));
            let stem = zip_path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("zones");
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
            for i in 0..archive.len() {
                let mut f = archive.by_index(i)?;
                let ext = Path::new(f.name())
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("bin")
                    .to_owned();
                let mut out = std::fs::File::create(dir.join(format!("{stem}.{ext}")))?;
                std::io::copy(&mut f, &mut out)?;
            }
        }
    }
    eprintln!("zoning: wrote {}", a.out.display());
    Ok(())
}

/// Arguments of `zoning copy`.
#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// The registry to copy: a SQLite file or a `postgres://` URL.
    #[arg(long)]
    from: String,
    /// The registry to copy into (a new SQLite file, or a PostgreSQL
    /// database without zones, markers, users or audit entries).
    #[arg(long)]
    to: String,
}

/// Runs `zoning copy`: every row, ids kept, in one transaction; then the
/// two registries are compared zone by zone.
pub fn copy(a: &CopyArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.from != a.to,
        "--from and --to name the same registry ({})",
        a.from
    );
    let (from, _) = Registry::open(&a.from, true)?;
    let (to, _) = Registry::open(&a.to, false)?;
    let copied = zoning_store::copy(&from, &to)?;
    // what a reader sees must be the same in both
    let (f, t) = (from.store(), to.store());
    for view in [View::Public, View::Planner] {
        let (x, y) = (f.zones(view, None)?, t.zones(view, None)?);
        anyhow::ensure!(
            x == y,
            "the copy in {} does not read back as {} does ({} and {} zones); report this",
            to.place(),
            from.place(),
            y.len(),
            x.len()
        );
    }
    for (table, rows) in &copied.tables {
        eprintln!("zoning: copied {rows} rows of {table}");
    }
    eprintln!("zoning: {} copied into {}", from.place(), to.place());
    Ok(())
}
