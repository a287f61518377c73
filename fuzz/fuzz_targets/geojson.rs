//! A GeoJSON file as `zoning check` and `zoning import` read it: any bytes,
//! read as a file (`io::geojson::read`), then every rule on the features that
//! could be read. Nothing may panic; every refusal is an `Err`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoning_core::checks::{check, CheckOptions, Subject};
use zoning_core::crs::GridTransform;

thread_local! {
    static GRID: GridTransform = GridTransform::new().expect("PROJ");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    GRID.with(|t| {
        let Ok(input) = zoning_core::io::geojson::read(
            text,
            "fuzz.geojson",
            &zoning_core::io::ReadOptions::default(),
            t,
        ) else {
            return;
        };
        let subjects: Vec<Subject> = input
            .features
            .iter()
            .filter_map(|f| f.as_ref().ok().map(Subject::from_feature))
            .collect();
        let _ = check(&subjects, None, &CheckOptions::default());
    });
});
