//! Coordinate reference systems: the legal grid VN-2000 / TM-3 107-00 and WGS84.
//!
//! Every transformation goes through PROJ with EPSG codes; nothing here writes
//! projection formulas or `+towgs84` strings. PROJ chooses the operation
//! "Inverse of VN-2000 to WGS 84 (2) + Vietnam TM-3 107-00" (EPSG:6960 for the
//! datum step, a 7-parameter Helmert in the coordinate-frame convention, 1 m
//! accuracy); `docs/crs.md` records why and how it was checked.

use geo_types::{Coord, MultiPolygon};
use proj::{Area, Proj};

use crate::error::{Error, Result};

/// The legal plane of Bắc Giang: VN-2000 / TM-3 107-00 (easting, northing in metres).
pub const GRID_CRS: &str = "EPSG:9214";
/// WGS84 geographic, used with longitude first (RFC 7946, `OGC:CRS84` order).
pub const WGS84_CRS: &str = "EPSG:4326";

/// The area of interest handed to PROJ so that it picks the operation valid for
/// northern Vietnam: the pre-2025 Bắc Giang province with a margin, plus Bắc Ninh.
const AREA_OF_INTEREST: (f64, f64, f64, f64) = (105.5, 20.9, 107.5, 21.9);

/// Bắc Giang's grid, in metres, with a margin: X (northing) and Y (easting) of
/// any point in the province fall inside these ranges (docs/crs.md).
pub const BAC_GIANG_NORTHING: std::ops::RangeInclusive<f64> = 2_300_000.0..=2_420_000.0;
/// See [`BAC_GIANG_NORTHING`].
pub const BAC_GIANG_EASTING: std::ops::RangeInclusive<f64> = 360_000.0..=530_000.0;

/// One PROJ transformation between two CRSs, given as anything PROJ reads: an
/// EPSG code (`EPSG:9214`), a WKT (the content of a `.prj`), or a PROJJSON.
pub struct CrsTransform {
    proj: Proj,
    from: String,
    to: String,
}

impl std::fmt::Debug for CrsTransform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrsTransform")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// A CRS definition shortened for messages (a WKT can be long).
fn short(def: &str) -> String {
    let one_line: String = def.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        format!("{}…", one_line.chars().take(80).collect::<String>())
    } else {
        one_line
    }
}

impl CrsTransform {
    /// Builds the transformation PROJ finds best for northern Vietnam.
    ///
    /// # Errors
    /// When PROJ cannot read a definition or finds no operation.
    pub fn new(from: &str, to: &str) -> Result<Self> {
        let (w, s, e, n) = AREA_OF_INTEREST;
        let proj = Proj::new_known_crs(from, to, Some(Area::new(w, s, e, n))).map_err(|err| {
            Error::Proj {
                from: short(from),
                to: short(to),
                reason: format!(
                    "{err}; is PROJ's database installed (Debian: proj-data, /usr/share/proj/proj.db)?"
                ),
            }
        })?;
        Ok(Self {
            proj,
            from: short(from),
            to: short(to),
        })
    }

    /// The PROJ pipeline, as PROJ prints it.
    #[must_use]
    pub fn pipeline(&self) -> Option<String> {
        self.proj.proj_info().definition
    }

    /// Transforms one point (x, y in the CRSs' normalised order: lon/lat,
    /// easting/northing).
    ///
    /// # Errors
    /// When PROJ cannot transform the point.
    pub fn point(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        self.proj.convert((x, y)).map_err(|e| Error::Proj {
            from: self.from.clone(),
            to: self.to.clone(),
            reason: e.to_string(),
        })
    }

    /// Transforms every vertex of a multipolygon.
    ///
    /// # Errors
    /// When PROJ cannot transform a vertex.
    pub fn multipolygon(&self, mp: &MultiPolygon) -> Result<MultiPolygon> {
        use geo::MapCoords;
        mp.try_map_coords(|c| self.point(c.x, c.y).map(|(x, y)| Coord { x, y }))
    }
}

/// What PROJ knows of a CRS: whether it is geographic (degrees) and where it
/// may be used.
#[derive(Debug, Clone, PartialEq)]
pub struct CrsInfo {
    /// Longitude/latitude in degrees rather than projected metres.
    pub geographic: bool,
    /// Area of use, WGS84 degrees `(west, south, east, north)`.
    pub area_of_use: Option<(f64, f64, f64, f64)>,
    /// Its name, e.g. "Vietnam - Bac Giang and Thua Thien-Hue provinces."
    pub area_name: Option<String>,
}

impl CrsInfo {
    /// Looks a CRS up in PROJ's database.
    ///
    /// # Errors
    /// When PROJ does not know the CRS.
    pub fn of(def: &str) -> Result<Self> {
        let p = Proj::new(def).map_err(|e| Error::Proj {
            from: short(def),
            to: short(def),
            reason: e.to_string(),
        })?;
        let (area, area_name) = p.area_of_use().unwrap_or((None, None));
        // PROJ does not print a CRS object's definition, but the pipeline from
        // it to geocentric coordinates starts by converting degrees when (and
        // only when) its coordinates are geographic.
        let geocentric = CrsTransform::new(def, "EPSG:4978")?;
        let geographic = geocentric
            .pipeline()
            .is_some_and(|p| p.contains("xy_in=deg"));
        Ok(Self {
            geographic,
            area_of_use: area.map(|a| (a.west, a.south, a.east, a.north)),
            area_name,
        })
    }

    /// Whether a WGS84 point lies in the area of use (true when it is unknown).
    #[must_use]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.area_of_use
            .is_none_or(|(w, s, e, n)| (w..=e).contains(&lon) && (s..=n).contains(&lat))
    }
}

/// A pair of PROJ transformations between WGS84 (lon, lat) and the legal grid
/// (easting, northing).
///
/// ```
/// use zoning_core::crs::GridTransform;
/// let t = GridTransform::new().unwrap();
/// let (e, n) = t.wgs84_to_grid(106.2, 21.3).unwrap();
/// // cs2cs EPSG:4326 EPSG:9214 <<< "21.3 106.2" → 416802.2649 2356377.8997
/// assert!((e - 416802.2649).abs() < 1e-3 && (n - 2356377.8997).abs() < 1e-3);
/// ```
#[derive(Debug)]
pub struct GridTransform {
    to_grid: CrsTransform,
    to_wgs84: CrsTransform,
}

impl GridTransform {
    /// Builds both directions from PROJ's EPSG database.
    ///
    /// # Errors
    /// When PROJ or its database is missing.
    pub fn new() -> Result<Self> {
        Ok(Self {
            to_grid: CrsTransform::new(WGS84_CRS, GRID_CRS)?,
            to_wgs84: CrsTransform::new(GRID_CRS, WGS84_CRS)?,
        })
    }

    /// The PROJ pipeline used from WGS84 to the grid, as PROJ prints it.
    #[must_use]
    pub fn pipeline_to_grid(&self) -> Option<String> {
        self.to_grid.pipeline()
    }

    /// WGS84 (lon, lat) in degrees to grid (easting, northing) in metres.
    ///
    /// # Errors
    /// When PROJ cannot transform the point.
    pub fn wgs84_to_grid(&self, lon: f64, lat: f64) -> Result<(f64, f64)> {
        self.to_grid.point(lon, lat)
    }

    /// Grid (easting, northing) in metres to WGS84 (lon, lat) in degrees.
    ///
    /// # Errors
    /// When PROJ cannot transform the point.
    pub fn grid_to_wgs84(&self, easting: f64, northing: f64) -> Result<(f64, f64)> {
        self.to_wgs84.point(easting, northing)
    }

    /// A WGS84 multipolygon (lon, lat) to the grid.
    ///
    /// # Errors
    /// When PROJ cannot transform a vertex.
    pub fn multipolygon_to_grid(&self, mp: &MultiPolygon) -> Result<MultiPolygon> {
        self.to_grid.multipolygon(mp)
    }

    /// A grid multipolygon to WGS84 (lon, lat).
    ///
    /// # Errors
    /// When PROJ cannot transform a vertex.
    pub fn multipolygon_to_wgs84(&self, mp: &MultiPolygon) -> Result<MultiPolygon> {
        self.to_wgs84.multipolygon(mp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // References: `cs2cs -d 4 EPSG:4326 EPSG:9214` from Debian's proj-bin 9.1.1
    // (input lat lon, output easting northing); pyproj 3.7 gives the same values.
    const REFERENCE: [((f64, f64), (f64, f64)); 3] = [
        ((106.2, 21.3), (416802.2649, 2356377.8997)),
        ((107.0, 21.0), (499804.6486, 2322955.1429)),
        ((106.05, 21.45), (401338.7234, 2373072.5053)),
    ];

    #[test]
    fn matches_cs2cs_to_a_tenth_of_a_millimetre() {
        let t = GridTransform::new().expect("PROJ");
        for ((lon, lat), (e, n)) in REFERENCE {
            let (ge, gn) = t.wgs84_to_grid(lon, lat).expect("to grid");
            assert!((ge - e).abs() < 1e-4, "easting {ge} vs {e}");
            assert!((gn - n).abs() < 1e-4, "northing {gn} vs {n}");
        }
    }

    #[test]
    fn area_of_use_of_the_legal_grid_names_bac_giang() {
        let info = CrsInfo::of(GRID_CRS).expect("EPSG:9214");
        assert!(!info.geographic);
        assert!(info
            .area_name
            .clone()
            .unwrap_or_default()
            .contains("Bac Giang"));
        assert!(info.contains(106.2, 21.3) && !info.contains(105.5, 21.0));
        assert!(CrsInfo::of(WGS84_CRS).expect("EPSG:4326").geographic);
    }

    #[test]
    fn round_trip_is_below_a_millimetre() {
        let t = GridTransform::new().expect("PROJ");
        for ((lon, lat), _) in REFERENCE {
            let (e, n) = t.wgs84_to_grid(lon, lat).expect("to grid");
            let (lon2, lat2) = t.grid_to_wgs84(e, n).expect("to wgs84");
            let (e2, n2) = t.wgs84_to_grid(lon2, lat2).expect("to grid");
            assert!((e2 - e).hypot(n2 - n) < 1e-3);
        }
    }

    #[test]
    fn definitions_proj_refuses_are_errors() {
        // What fuzzing handed PROJ: nothing, an unknown code, a NUL, a broken
        // PROJ string, a CRS with no operation to the grid. Each is an error
        // (and, with third_party/proj, frees its PROJ context: `make fuzz`
        // replays the leak under LeakSanitizer).
        for def in [
            "",
            "EPSG:99999999",
            "EPSG:9214\0",
            "+proj=tmerc +lat_0=",
            "9999999999EPsG:9214",
            r#"LOCAL_CS["site grid",LOCAL_DATUM["site",0],UNIT["metre",1]]"#,
        ] {
            assert!(CrsTransform::new(def, GRID_CRS).is_err(), "{def:?}");
            assert!(CrsTransform::new(GRID_CRS, def).is_err(), "{def:?}");
        }
        assert!(CrsInfo::of("EPSG:9214\0").is_err());
        let t = CrsTransform::new(WGS84_CRS, GRID_CRS).expect("still works");
        let (e, n) = t.point(106.2, 21.3).expect("point");
        assert!((e - 416_802.2649).abs() < 1e-4 && (n - 2_356_377.8997).abs() < 1e-4);
    }

    #[test]
    fn pipeline_is_the_epsg_helmert_in_coordinate_frame_convention() {
        let t = GridTransform::new().expect("PROJ");
        let p = t.pipeline_to_grid().expect("definition");
        assert!(
            p.contains("inv proj=helmert") && p.contains("convention=coordinate_frame"),
            "{p}"
        );
        // EPSG:6960 rotations, signs as published by EPSG (not the flipped
        // `+towgs84` strings in circulation).
        assert!(p.contains("rx=-0.00928836"), "{p}");
        assert!(p.contains("ry=0.01975479"), "{p}");
        assert!(p.contains("rz=-0.00427372"), "{p}");
        assert!(p.contains("lon_0=107") && p.contains("k=0.9999"), "{p}");
    }
}
