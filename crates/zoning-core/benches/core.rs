//! Criterion benchmarks of the core operations at 1k, 10k and 100k zones:
//! grid and geodesic areas, the checks (validity + R-tree overlap search +
//! exact intersections), marker matching, reading a marker CSV, and GeoJSON
//! serialisation.
//! `cargo bench -p zoning-core` (figures in docs/benchmarks.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use geo_types::{Coord, MultiPolygon, Rect};
use zoning_core::area::{geodesic_area_m2, grid_area_m2};
use zoning_core::checks::{check, CheckOptions, Subject};
use zoning_core::crs::GridTransform;
use zoning_core::markers::{Marker, MarkerOptions, MarkerTable};

/// `n` rectangles on a 1 km grid centred on Bắc Giang, every 20th moved onto its
/// neighbour so that 5 % overlap (the shape of `tests/bench/gen_zones.py`, without
/// randomness).
fn zones(n: usize) -> Vec<(String, MultiPolygon)> {
    let side = (1..=n).find(|s| s * s >= n).unwrap_or(1);
    (0..n)
        .map(|i| {
            let (col, row) = ((i % side) as f64, (i / side) as f64);
            let mut x = 444_000.0 + (col - side as f64 / 2.0) * 1_000.0;
            let mut y = 2_364_000.0 + (row - side as f64 / 2.0) * 1_000.0;
            if i % 20 == 19 {
                x -= 1_000.0 - 60.0;
                y += 60.0;
            }
            let (w, h) = (200.0 + (i % 7) as f64 * 50.0, 200.0 + (i % 5) as f64 * 60.0);
            let r = Rect::new(Coord { x, y }, Coord { x: x + w, y: y + h });
            (format!("Z{i:06}"), MultiPolygon::new(vec![r.to_polygon()]))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let t = GridTransform::new().expect("PROJ");
    for n in [1_000, 10_000, 100_000] {
        let z = zones(n);
        let wgs: Vec<MultiPolygon> = z
            .iter()
            .map(|(_, g)| t.multipolygon_to_wgs84(g).expect("wgs84"))
            .collect();
        let subjects: Vec<Subject> = z
            .iter()
            .enumerate()
            .map(|(i, (code, g))| Subject {
                index: i + 1,
                ..Subject::new(code, g.clone())
            })
            .collect();
        let table = MarkerTable {
            markers: z
                .iter()
                .map(|(code, g)| {
                    let c = g.0[0].exterior().0[0];
                    Marker {
                        id: code.clone(),
                        line: 2,
                        x: c.y + 0.03,
                        y: c.x,
                        h: None,
                        date: None,
                        note: None,
                        swapped: false,
                    }
                })
                .collect(),
            ..MarkerTable::default()
        };
        let mut g = c.benchmark_group(format!("{n} zones"));
        g.sample_size(10);
        g.bench_function(BenchmarkId::new("grid area", n), |b| {
            b.iter(|| z.iter().map(|(_, g)| grid_area_m2(g)).sum::<f64>());
        });
        g.bench_function(BenchmarkId::new("geodesic area", n), |b| {
            b.iter(|| wgs.iter().map(geodesic_area_m2).sum::<f64>());
        });
        g.bench_function(BenchmarkId::new("checks (validity, overlaps)", n), |b| {
            b.iter(|| {
                check(&subjects, None, &CheckOptions::default())
                    .findings
                    .len()
            });
        });
        let mz: Vec<zoning_core::markers::MarkerZone> = z
            .iter()
            .map(|(c, g)| (c.clone(), g.clone(), zoning_core::crs::LegalGrid::Tm3_107))
            .collect();
        g.bench_function(BenchmarkId::new("marker matching", n), |b| {
            b.iter(|| {
                zoning_core::markers::check(table.clone(), &mz, &MarkerOptions::default())
                    .markers
                    .len()
            });
        });
        // the same markers as a surveyor's CSV (X = northing first)
        let csv: String = std::iter::once("Số hiệu mốc;X (m);Y (m)\r\n".to_owned())
            .chain(
                table
                    .markers
                    .iter()
                    .map(|m| format!("{};{:.3};{:.3}\r\n", m.id, m.x, m.y)),
            )
            .collect();
        g.bench_function(BenchmarkId::new("marker CSV reading", n), |b| {
            b.iter(|| {
                zoning_core::markers::table::read(
                    csv.as_bytes(),
                    "bench.csv",
                    "EPSG:9214",
                    &zoning_core::markers::table::TableOptions::default(),
                    &t,
                )
                .expect("table")
                .markers
                .len()
            });
        });
        g.bench_function(BenchmarkId::new("GeoJSON serialisation", n), |b| {
            b.iter(|| {
                wgs.iter()
                    .map(|g| {
                        geojson::Geometry::new(geojson::GeometryValue::from(g))
                            .to_string()
                            .len()
                    })
                    .sum::<usize>()
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
