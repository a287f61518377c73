//! A DXF drawing as `zoning area`, `zoning check` and `zoning import` read it
//! (`io::dxf::read_bytes`, ASCII or binary, `--crs EPSG:9214`), every other
//! input also with `--layer KCN`, then every rule on the features that could
//! be read. Nothing may panic; every refusal is an `Err`; the work is bounded
//! by the reader's limits (pairs, entities, vertices, chords per arc).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoning_core::checks::{check, CheckOptions, Subject};
use zoning_core::crs::GridTransform;
use zoning_core::io::ReadOptions;

thread_local! {
    static GRID: GridTransform = GridTransform::new().expect("PROJ");
}

fuzz_target!(|data: &[u8]| {
    GRID.with(|t| {
        let mut opts = ReadOptions::with_crs(Some("EPSG:9214"));
        if data.len() % 2 == 1 {
            opts.layer = Some("KCN".into());
        }
        let Ok(input) = zoning_core::io::dxf::read_bytes(data, "fuzz.dxf", &opts, t) else {
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
