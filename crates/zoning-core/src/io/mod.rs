//! Reading and writing exchange formats.

pub mod geojson;
