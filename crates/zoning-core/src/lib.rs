//! `zoning-core`: the domain and geometry rules of the registry of the
//! industrial parks (KCN) and industrial clusters (CCN) of Bắc Ninh province
//! (since 1 July 2025 including the former Bắc Giang).
//!
//! Boundaries are held in one working plane, VN-2000 / TM-3 107-00
//! (EPSG:9214), and each zone carries its legal grid (EPSG:9214 or, in the
//! former Bắc Ninh, EPSG:9209); WGS84 and the other grid are derived at the
//! edges through PROJ ([`crs`]). Communes come from [`admin`]. Areas are computed in
//! both ([`area`]); the reconciliation against the resolution's targets lives
//! in [`report`]. This crate has no I/O framework, server or database.
#![forbid(unsafe_code)]

pub mod admin;
pub mod area;
pub mod checks;
pub mod crs;
pub mod error;
pub mod intake;
pub mod io;
pub mod markers;
pub mod registry;
pub mod report;
pub mod store;
pub mod targets;
pub mod text;
pub mod validation;
pub mod zone;

pub use error::{Error, Result};
pub use zone::{
    Basis, GeometrySource, InfrastructureStatus, PlanAction, SourceDocument, Zone, ZoneKind,
};
