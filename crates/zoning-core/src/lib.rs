//! `zoning-core`: the domain and geometry rules of the registry of Bắc Giang's
//! industrial parks (KCN) and industrial clusters (CCN).
//!
//! Boundaries are held in the legal plane, VN-2000 / TM-3 107-00 (EPSG:9214);
//! WGS84 is derived at the edges through PROJ ([`crs`]). Areas are computed in
//! both ([`area`]); the reconciliation against the resolution's targets lives
//! in [`report`]. This crate has no I/O framework, server or database.
#![forbid(unsafe_code)]

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
pub mod validation;
pub mod zone;

pub use error::{Error, Result};
pub use zone::{
    Basis, GeometrySource, InfrastructureStatus, PlanAction, SourceDocument, Zone, ZoneKind,
};
