//! Property tests of geometry invariants (proptest): on random rectangles and
//! quadrilaterals in Bắc Giang's grid, the identities that must hold whatever
//! the input.

use geo::{Area, BooleanOps};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use proptest::prelude::*;
use zoning_core::area::{geodesic_area_m2, grid_area_m2};
use zoning_core::crs::GridTransform;

/// A convex quadrilateral around (x, y) in the grid, up to ~2 km across.
fn quad() -> impl Strategy<Value = Polygon> {
    (
        400_000.0..490_000.0f64,
        2_340_000.0..2_388_000.0f64,
        prop::array::uniform4(50.0..1_000.0f64),
        0.0..1.5f64,
    )
        .prop_map(|(x, y, r, a)| {
            let pts: Vec<Coord> = (0u8..4)
                .map(|i| {
                    let t = a + f64::from(i) * std::f64::consts::FRAC_PI_2;
                    Coord {
                        x: x + r[usize::from(i)] * t.cos(),
                        y: y + r[usize::from(i)] * t.sin(),
                    }
                })
                .collect();
            let mut ring = pts.clone();
            ring.push(pts[0]);
            Polygon::new(LineString::new(ring), vec![])
        })
}

fn mp(p: Polygon) -> MultiPolygon {
    MultiPolygon::new(vec![p])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn union_is_at_most_the_sum_and_intersection_is_symmetric(a in quad(), b in quad()) {
        let (aa, bb) = (a.unsigned_area(), b.unsigned_area());
        let union = a.union(&b).unsigned_area();
        let tol = 1e-6 * (aa + bb);
        prop_assert!(union <= aa + bb + tol);
        prop_assert!(union + tol >= aa.max(bb));
        let ab = a.intersection(&b).unsigned_area();
        let ba = b.intersection(&a).unsigned_area();
        prop_assert!((ab - ba).abs() <= tol);
        // inclusion–exclusion
        prop_assert!((union + ab - aa - bb).abs() <= tol);
    }

    #[test]
    fn ring_orientation_does_not_change_areas(a in quad()) {
        let reversed = {
            let mut c = a.exterior().0.clone();
            c.reverse();
            Polygon::new(LineString::new(c), vec![])
        };
        prop_assert!((grid_area_m2(&mp(a.clone())) - grid_area_m2(&mp(reversed.clone()))).abs() < 1e-6);
        let t = GridTransform::new().expect("PROJ");
        let wa = t.multipolygon_to_wgs84(&mp(a)).expect("to wgs84");
        let wr = t.multipolygon_to_wgs84(&mp(reversed)).expect("to wgs84");
        prop_assert!((geodesic_area_m2(&wa) - geodesic_area_m2(&wr)).abs() < 1e-6);
    }

    #[test]
    fn grid_wgs84_round_trip_is_below_a_millimetre(x in 384_000.0..504_000.0f64, y in 2_336_000.0..2_392_000.0f64) {
        let t = GridTransform::new().expect("PROJ");
        let (lon, lat) = t.grid_to_wgs84(x, y).expect("to wgs84");
        let (x2, y2) = t.wgs84_to_grid(lon, lat).expect("to grid");
        prop_assert!((x2 - x).hypot(y2 - y) < 1e-3);
    }
}
