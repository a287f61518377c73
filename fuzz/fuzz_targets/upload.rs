//! A file posted to `/validate` or given to `zoning check` whose format is
//! told by its content (`io::archive::read_bytes`): a ZIP (zipped shapefile,
//! KMZ), a KML, GeoJSON. Any bytes; nothing may panic, and a ZIP may not
//! unpack beyond its bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoning_core::crs::GridTransform;
use zoning_core::io::{archive, ReadOptions};

thread_local! {
    static GRID: GridTransform = GridTransform::new().expect("PROJ");
}

fuzz_target!(|data: &[u8]| {
    GRID.with(|t| {
        let _ = archive::read_bytes(data, "fuzz.upload", &ReadOptions::default(), t);
    });
});
