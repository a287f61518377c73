//! A `.prj` (or a `--crs` / `crs=` value) as `zoning` hands it to PROJ:
//! `CrsInfo::of` and `CrsTransform::new` to and from EPSG:9214, then one point
//! through each. Nothing may panic, and PROJ must not crash on what we pass.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoning_core::crs::{CrsInfo, CrsTransform, GRID_CRS};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(info) = CrsInfo::of(text) {
        let _ = info.contains(106.2, 21.3);
    }
    if let Ok(t) = CrsTransform::new(text, GRID_CRS) {
        let _ = t.point(106.2, 21.3);
    }
    if let Ok(t) = CrsTransform::new(GRID_CRS, text) {
        let _ = t.point(416_000.0, 2_356_000.0);
    }
});
