//! Areas of zone boundaries: the grid (plane) area in the legal CRS and the
//! geodesic area on the WGS84 ellipsoid, in square metres and hectares.
//!
//! Both ignore ring orientation: a clockwise exterior or a counter-clockwise
//! hole gives the same area as the OGC orientation. Parts of a multipolygon are
//! summed (overlapping parts are an invalid geometry, reported by the checks).

use geo::{orient::Direction, GeodesicArea as _, Orient as _};
use geo_types::MultiPolygon;

/// Square metres in a hectare.
pub const M2_PER_HA: f64 = 10_000.0;

/// The plane area of a multipolygon in grid units squared (m² in EPSG:9214).
///
/// ```
/// use geo::polygon;
/// use geo_types::MultiPolygon;
/// // a 100 m × 100 m square with a 10 m × 10 m hole, drawn clockwise
/// let sq = polygon!(
///     exterior: [(x: 0., y: 0.), (x: 0., y: 100.), (x: 100., y: 100.), (x: 100., y: 0.)],
///     interiors: [[(x: 10., y: 10.), (x: 20., y: 10.), (x: 20., y: 20.), (x: 10., y: 20.)]],
/// );
/// assert_eq!(zoning_core::area::grid_area_m2(&MultiPolygon::new(vec![sq])), 9_900.0);
/// ```
#[must_use]
pub fn grid_area_m2(grid: &MultiPolygon) -> f64 {
    // geo's polygon area subtracts |hole| from |exterior| whatever the winding.
    grid.0.iter().map(geo::Area::unsigned_area).sum()
}

/// The geodesic area on WGS84 of a multipolygon in (lon, lat) degrees, in m²
/// (Karney's algorithm, as in GeographicLib and PROJ's `geod`).
///
/// Rings are first put in the standard orientation (exterior counter-clockwise,
/// holes clockwise): GeographicLib's unsigned area of a clockwise ring is the
/// rest of the ellipsoid, not the ring's inside.
///
/// ```
/// use geo::polygon;
/// use geo_types::MultiPolygon;
/// let cw = polygon![(x: 106.0, y: 21.0), (x: 106.0, y: 21.01), (x: 106.01, y: 21.01), (x: 106.01, y: 21.0)];
/// let a = zoning_core::area::geodesic_area_m2(&MultiPolygon::new(vec![cw]));
/// // pyproj: Geod(ellps="WGS84").polygon_area_perimeter(...) → -1151091.712 (clockwise)
/// assert!((a - 1151091.712).abs() < 1e-3, "{a}");
/// ```
#[must_use]
pub fn geodesic_area_m2(wgs84: &MultiPolygon) -> f64 {
    wgs84
        .0
        .iter()
        .map(|p| p.orient(Direction::Default).geodesic_area_signed().abs())
        .sum()
}

/// Both areas of one boundary, in hectares.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Areas {
    /// Plane area in the legal grid (EPSG:9214), ha.
    pub grid_area_ha: f64,
    /// Geodesic area on the WGS84 ellipsoid, ha.
    pub geodesic_area_ha: f64,
}

impl Areas {
    /// Computes both areas from the grid and the WGS84 forms of one boundary.
    #[must_use]
    pub fn of(grid: &MultiPolygon, wgs84: &MultiPolygon) -> Self {
        Self {
            grid_area_ha: grid_area_m2(grid) / M2_PER_HA,
            geodesic_area_ha: geodesic_area_m2(wgs84) / M2_PER_HA,
        }
    }

    /// Both areas of a boundary held in the working plane, the grid area
    /// measured in the zone's legal grid `grid` (the boundary taken there
    /// through PROJ when it is not the plane's).
    ///
    /// # Errors
    /// When PROJ cannot transform a vertex.
    pub fn in_grid(
        plane: &MultiPolygon,
        wgs84: &MultiPolygon,
        grid: crate::crs::LegalGrid,
        t: &crate::crs::GridTransform,
    ) -> crate::Result<Self> {
        Ok(Self::of(t.to_legal(plane, grid)?.as_ref(), wgs84))
    }

    /// The zero area, for sums.
    pub const ZERO: Self = Self {
        grid_area_ha: 0.0,
        geodesic_area_ha: 0.0,
    };
}

impl std::ops::Add for Areas {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Self {
            grid_area_ha: self.grid_area_ha + rhs.grid_area_ha,
            geodesic_area_ha: self.geodesic_area_ha + rhs.geodesic_area_ha,
        }
    }
}

impl std::ops::Sub for Areas {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Self {
            grid_area_ha: self.grid_area_ha - rhs.grid_area_ha,
            geodesic_area_ha: self.geodesic_area_ha - rhs.geodesic_area_ha,
        }
    }
}

impl std::iter::Sum for Areas {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, |a, b| a + b)
    }
}
