//! Validity against GEOS's reasons (the unit tests of `validation`).

use super::*;
use geo::wkt;

fn first(mp: &MultiPolygon) -> Option<(Problem, f64, f64)> {
    validate(mp)
        .first()
        .map(|i| (i.problem, i.location.x, i.location.y))
}

fn one(p: Polygon) -> MultiPolygon {
    MultiPolygon::new(vec![p])
}

/// GEOS 3.14.1 (shapely 2.2 `explain_validity`) on the same WKT:
/// `python -c "from shapely import wkt; from shapely.validation import explain_validity as e; print(e(wkt.loads(W)))"`.
/// `exact` is false where GEOS reports an overlap of collinear edges at one
/// of its ends: then only the reason is compared, and our location must lie on
/// the boundary.
const GEOS_CASES: [(&str, &str, [f64; 2], bool); 15] = [
    (
        "POLYGON((0 0,10 10,10 0,0 10,0 0))",
        "Self-intersection",
        [5., 5.],
        true,
    ),
    (
        "POLYGON((0 0,10 0,10 10,5 0,0 10,0 0))",
        "Ring Self-intersection",
        [5., 0.],
        true,
    ),
    (
        "POLYGON((0 0,10 0,5 5,10 10,0 10,5 5,0 0))",
        "Ring Self-intersection",
        [5., 5.],
        true,
    ),
    (
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(20 20,21 20,21 21,20 21,20 20))",
        "Hole lies outside shell",
        [20., 20.],
        true,
    ),
    (
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,9 1,9 9,1 9,1 1),(2 2,3 2,3 3,2 3,2 2))",
        "Holes are nested",
        [2., 2.],
        true,
    ),
    (
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(5 0,10 5,5 5,5 0),(5 5,5 10,0 5,5 5))",
        "Interior is disconnected",
        [10., 5.],
        true,
    ),
    (
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(0 5,5 0,10 5,5 10,0 5))",
        "Interior is disconnected",
        [5., 0.],
        false,
    ),
    (
        "POLYGON((0 0,5 0,10 0,0 0))",
        "Self-intersection",
        [5., 0.],
        false,
    ),
    (
        "POLYGON((0 0,10 0,0 0,0 0))",
        "Too few points in geometry component",
        [0., 0.],
        true,
    ),
    (
        "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((5 5,15 5,15 15,5 15,5 5)))",
        "Self-intersection",
        [10., 5.],
        false,
    ),
    (
        "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((2 2,3 2,3 3,2 3,2 2)))",
        "Nested shells",
        [2., 2.],
        true,
    ),
    (
        "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((10 0,20 0,20 10,10 10,10 0)))",
        "Self-intersection",
        [10., 10.],
        false,
    ),
    (
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(5 5,15 5,15 6,5 6,5 5))",
        "Self-intersection",
        [10., 5.],
        false,
    ),
    (
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(0 2,5 2,5 4,0 4,0 2))",
        "Self-intersection",
        [0., 4.],
        false,
    ),
    (
        "POLYGON((0 0,10 0,10 10,5 10,5 15,5 10,0 10,0 0))",
        "Self-intersection",
        [5., 15.],
        false,
    ),
];

#[test]
fn first_problem_agrees_with_geos() {
    use geo::{Distance, Euclidean};
    use std::str::FromStr;
    for (w, reason, [x, y], exact) in GEOS_CASES {
        let g: geo_types::Geometry = wkt::Wkt::from_str(w)
            .ok()
            .and_then(|w| w.try_into().ok())
            .expect(w);
        let mp = match g {
            geo_types::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
            geo_types::Geometry::MultiPolygon(m) => m,
            _ => unreachable!(),
        };
        let found = validate(&mp);
        let f = found
            .first()
            .unwrap_or_else(|| panic!("{w}: found nothing, GEOS says {reason}"));
        assert_eq!(f.problem.geos_reason(), reason, "{w}: {found:?}");
        if exact {
            assert_eq!((f.location.x, f.location.y), (x, y), "{w}");
        } else {
            let pt = geo_types::Point::from(f.location);
            let d =
                mp.0.iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|r| Euclidean.distance(&pt, r))
                    .fold(f64::INFINITY, f64::min);
            assert!(
                d < 1e-9,
                "{w}: location {:?} is not on the boundary",
                f.location
            );
        }
    }
}

#[test]
fn valid_shapes_stay_valid() {
    for p in [
        wkt!(POLYGON((0. 0.,10. 0.,10. 0.,10. 10.,0. 10.,0. 0.))),
        wkt!(POLYGON((0. 0.,0. 10.,10. 10.,10. 0.,0. 0.))),
        wkt!(POLYGON((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(0. 5.,5. 2.,5. 8.,0. 5.))),
        wkt!(POLYGON((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(1. 1.,5. 1.,5. 5.,1. 5.,1. 1.),(5. 5.,9. 5.,9. 9.,5. 9.,5. 5.))),
    ] {
        assert_eq!(first(&one(p.clone())), None, "{p:?}");
    }
    let corner = wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.)),((10. 10.,20. 10.,20. 20.,10. 20.,10. 10.))));
    assert_eq!(first(&corner), None);
    let island = wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(1. 1.,9. 1.,9. 9.,1. 9.,1. 1.)),((2. 2.,3. 2.,3. 3.,2. 3.,2. 2.))));
    assert_eq!(first(&island), None);
}

#[test]
fn a_ring_crossing_itself_at_a_vertex_is_a_self_intersection() {
    // figure eight through the vertex (5 5)
    let p = wkt!(POLYGON((0. 0.,5. 5.,10. 10.,10. 0.,5. 5.,0. 10.,0. 0.)));
    assert_eq!(first(&one(p)).map(|f| f.0), Some(Problem::SelfIntersection));
    // touching without crossing
    let p = wkt!(POLYGON((0. 0.,10. 0.,5. 5.,10. 10.,0. 10.,5. 5.,0. 0.)));
    assert_eq!(
        first(&one(p)),
        Some((Problem::RingSelfIntersection, 5., 5.))
    );
}

#[test]
fn non_finite_coordinates_are_reported() {
    let p = Polygon::new(
        LineString::from(vec![(0., 0.), (f64::NAN, 0.), (10., 10.), (0., 0.)]),
        vec![],
    );
    assert_eq!(
        first(&one(p)).map(|f| f.0),
        Some(Problem::InvalidCoordinate)
    );
}
