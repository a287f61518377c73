//! Any bytes as an Excel workbook, as `zoning markers check` and `POST
//! /markers/upload` read one (`markers::workbook::rows`): as `.xlsx` or `.xls`
//! by its magic, else by the first byte; the first byte also chooses whether
//! a sheet is asked for by name. The rows are then made markers. Nothing may
//! panic, abort or allocate past the bounds of `markers::workbook`; a panic in
//! `calamine`'s own source is caught there and passes libFuzzer's panic hook
//! silently (see `markers::workbook::rows`), any other is a failure.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoning_core::crs::GridTransform;
use zoning_core::markers::table;
use zoning_core::markers::workbook::{self, Kind};

thread_local! {
    static GRID: GridTransform = GridTransform::new().expect("PROJ");
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let kind = Kind::of(bytes).unwrap_or(if first & 1 == 0 {
        Kind::Xlsx
    } else {
        Kind::Xls
    });
    let sheet = (first & 2 != 0).then_some("Tọa độ");
    let Ok(rows) = workbook::rows(bytes, kind, "fuzz.xlsx", sheet) else {
        return;
    };
    GRID.with(|t| {
        let _ = table::from_rows(&rows, "fuzz.xlsx", "EPSG:9214", t);
    });
});
