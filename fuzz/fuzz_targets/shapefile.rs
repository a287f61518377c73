//! A shapefile as `zoning check` and `zoning import` read it
//! (`io::shapefile::read_parts`): the input is cut into the `.shp`, `.shx`,
//! `.dbf`, `.prj` and `.cpg`, each after its length as a little-endian u32
//! (`fuzz/seeds.py` makes the seeds from tests/fixtures this way). Nothing may
//! panic; every refusal is an `Err`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoning_core::crs::GridTransform;
use zoning_core::io::shapefile::{read_parts, Parts};

thread_local! {
    static GRID: GridTransform = GridTransform::new().expect("PROJ");
}

/// The next length-prefixed part (shortened to what is left).
fn take<'a>(data: &mut &'a [u8]) -> &'a [u8] {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return std::mem::take(data);
    };
    let len = usize::try_from(u32::from_le_bytes(*len))
        .unwrap_or(usize::MAX)
        .min(rest.len());
    let (part, rest) = rest.split_at(len);
    *data = rest;
    part
}

/// An optional text file: absent when empty or not UTF-8.
fn text(part: &[u8]) -> Option<&str> {
    if part.is_empty() {
        None
    } else {
        std::str::from_utf8(part).ok()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    let (shp, shx, dbf) = (take(&mut data), take(&mut data), take(&mut data));
    let (prj, cpg) = (text(take(&mut data)), text(take(&mut data)));
    let parts = Parts {
        shp,
        shx,
        dbf,
        prj,
        cpg,
    };
    GRID.with(|t| {
        let _ = read_parts(
            "fuzz.shp",
            parts,
            &zoning_core::io::ReadOptions::default(),
            t,
        );
    });
});
