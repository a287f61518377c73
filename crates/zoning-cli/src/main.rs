//! `zoning`: the command line of the registry of Bắc Giang's industrial parks
//! (KCN) and clusters (CCN). See `docs/cli.md`.
#![forbid(unsafe_code)]

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Registry of Bắc Giang's industrial parks (KCN) and clusters (CCN).
#[derive(Debug, Parser)]
#[command(name = "zoning", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Grid (EPSG:9214) and geodesic (WGS84) area of every feature of a file.
    Area(commands::area::Args),
    /// Validity, overlaps, slivers, outside the province, duplicate codes, area mismatch.
    Check(commands::check::Args),
    /// Boundary markers: check a survey, list the stake-out points.
    #[command(subcommand)]
    Markers(commands::markers::Command),
    /// The reconciliation of the registry against the resolution's targets.
    Report(commands::report::Args),
    /// Run the registry service (OGC API – Features, the web map).
    Serve(commands::registry::ServeArgs),
    /// Import zones into a database.
    Import(commands::registry::ImportArgs),
    /// Export the registry as GeoJSON or a shapefile.
    Export(commands::registry::ExportArgs),
    /// Copy a whole registry (every version, marker, user, token and audit
    /// entry) between SQLite and PostgreSQL, into an empty one.
    Copy(commands::registry::CopyArgs),
    /// Users, their tokens and passwords, and the audit log.
    #[command(subcommand)]
    User(commands::user::Command),
}

/// Exit status when the input could not be read.
const EXIT_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZONING_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Area(args) => commands::area::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Markers(cmd) => commands::markers::run(&cmd),
        Command::Report(args) => commands::report::run(&args),
        Command::Serve(args) => commands::registry::serve(&args),
        Command::Import(args) => commands::registry::import(&args),
        Command::Export(args) => commands::registry::export(&args),
        Command::Copy(args) => commands::registry::copy(&args),
        Command::User(cmd) => commands::user::run(&cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("zoning: error: {e:#}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}
