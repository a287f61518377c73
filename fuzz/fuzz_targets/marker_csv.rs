//! A surveyor's marker table as `zoning markers check` and `POST
//! /markers/upload` read it (`markers::check_file`), in either legal grid, in
//! another CRS or with its CRS unsaid (the first byte chooses), then matched
//! against a zone in each grid. Nothing may panic.
#![no_main]

use geo_types::{coord, MultiPolygon, Rect};
use libfuzzer_sys::fuzz_target;
use zoning_core::crs::{GridTransform, LegalGrid};
use zoning_core::markers::{self, MarkerOptions};

thread_local! {
    static GRID: GridTransform = GridTransform::new().expect("PROJ");
}

const CRSS: [Option<&str>; 6] = [
    Some("EPSG:9214"),
    Some("EPSG:3405"),
    Some("EPSG:4326"),
    Some("EPSG:9210"),
    Some("EPSG:9209"),
    None,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let crs = CRSS[usize::from(first) % CRSS.len()];
    GRID.with(|t| {
        let zone = |x: f64| {
            MultiPolygon::new(vec![Rect::new(
                coord! { x: x, y: 2_350_000.0 },
                coord! { x: x + 100.0, y: 2_350_100.0 },
            )
            .to_polygon()])
        };
        let zones = [
            ("BG".to_owned(), zone(400_000.0), LegalGrid::Tm3_107),
            ("BN".to_owned(), zone(390_000.0), LegalGrid::Tm3_105_30),
        ];
        let opts = MarkerOptions {
            all_zones: first & 0x80 != 0,
            ..MarkerOptions::default()
        };
        let Ok((_, report)) = markers::check_file(bytes, "fuzz.csv", crs, &zones, &opts, t) else {
            return;
        };
        let _ = serde_json::to_string(&report);
    });
});
