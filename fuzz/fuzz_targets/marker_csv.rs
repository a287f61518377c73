//! A surveyor's marker table as `zoning markers check` and `POST
//! /markers/upload` read it (`markers::table::read`), in the grid or in
//! another CRS (the first byte chooses), then matched against a zone and
//! written as the stake-out CSV. Nothing may panic.
#![no_main]

use geo_types::{coord, MultiPolygon, Rect};
use libfuzzer_sys::fuzz_target;
use zoning_core::crs::GridTransform;
use zoning_core::markers::{self, MarkerOptions};

thread_local! {
    static GRID: GridTransform = GridTransform::new().expect("PROJ");
}

const CRSS: [&str; 4] = ["EPSG:9214", "EPSG:3405", "EPSG:4326", "EPSG:9210"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let crs = CRSS[usize::from(first) % CRSS.len()];
    GRID.with(|t| {
        let Ok(table) = markers::table::read(bytes, "fuzz.csv", crs, t) else {
            return;
        };
        let zone = MultiPolygon::new(vec![Rect::new(
            coord! { x: 400_000.0, y: 2_350_000.0 },
            coord! { x: 400_100.0, y: 2_350_100.0 },
        )
        .to_polygon()]);
        let opts = MarkerOptions {
            all_zones: first & 0x80 != 0,
            ..MarkerOptions::default()
        };
        let report = markers::check(table, &[("Z".into(), zone)], &opts);
        let _ = serde_json::to_string(&report);
    });
});
