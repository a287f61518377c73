//! Coordinate reference systems: the two legal grids of the province (VN-2000
//! / TM-3 107-00 of the former Bắc Giang, VN-2000 / TM-3 105-30 of the former
//! Bắc Ninh) and WGS84.
//!
//! Every boundary is held in one working plane, EPSG:9214 ([`GRID_CRS`]), so
//! that zones of both former provinces can be indexed, compared and
//! intersected together; each zone also carries its legal grid
//! ([`LegalGrid`]), in which its area, its stake-out table and its markers are
//! given ([`GridTransform::to_legal`]). Both grids are VN-2000 Transverse
//! Mercator projections, so PROJ converts between them without a datum step
//! (to a few nanometres).
//!
//! Every transformation goes through PROJ with EPSG codes; nothing here writes
//! projection formulas or `+towgs84` strings. PROJ chooses the operation
//! "Inverse of VN-2000 to WGS 84 (2) + Vietnam TM-3 107-00" (EPSG:6960 for the
//! datum step, a 7-parameter Helmert in the coordinate-frame convention, 1 m
//! accuracy); `docs/crs.md` records why and how it was checked.

use geo_types::{Coord, MultiPolygon};
use proj::{Area, Proj};

use crate::error::{Error, Result};

/// The working plane, and the legal grid of the former Bắc Giang: VN-2000 /
/// TM-3 107-00 (easting, northing in metres).
pub const GRID_CRS: &str = "EPSG:9214";
/// The legal grid of the former Bắc Ninh: VN-2000 / TM-3 105-30.
pub const GRID_CRS_BAC_NINH: &str = "EPSG:9209";

/// One of the province's two legal grids (docs/crs.md, "Two grids").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LegalGrid {
    /// VN-2000 / TM-3 107-00, EPSG:9214: the former Bắc Giang (and the
    /// working plane).
    Tm3_107,
    /// VN-2000 / TM-3 105-30, EPSG:9209: the former Bắc Ninh.
    Tm3_105_30,
}

impl LegalGrid {
    /// Both grids.
    pub const ALL: [Self; 2] = [Self::Tm3_107, Self::Tm3_105_30];

    /// `EPSG:9214` or `EPSG:9209`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Tm3_107 => GRID_CRS,
            Self::Tm3_105_30 => GRID_CRS_BAC_NINH,
        }
    }

    /// The EPSG number.
    #[must_use]
    pub fn epsg(self) -> u32 {
        match self {
            Self::Tm3_107 => 9214,
            Self::Tm3_105_30 => 9209,
        }
    }

    /// Its name, e.g. `VN-2000 / TM-3 107-00`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Tm3_107 => "VN-2000 / TM-3 107-00",
            Self::Tm3_105_30 => "VN-2000 / TM-3 105-30",
        }
    }

    /// Reads `EPSG:9214`, `EPSG:9209` (any case, or the bare number, or an
    /// OGC URI ending in the number).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let t = text
            .trim()
            .trim_start_matches(['<', '['])
            .trim_end_matches(['>', ']']);
        let number = t.rsplit([':', '/']).next().unwrap_or(t);
        match number {
            "9214" => Some(Self::Tm3_107),
            "9209" => Some(Self::Tm3_105_30),
            _ => None,
        }
    }

    /// Which legal grid a CRS definition (an EPSG code, a `.prj`'s WKT) is,
    /// if it is one of the two: a point of the province taken through PROJ
    /// from the definition to each grid comes out where it went in (to a
    /// millimetre) only for the grid the definition describes, whatever its
    /// WKT's names say.
    #[must_use]
    pub fn identify(def: &str) -> Option<Self> {
        if let Some(g) = Self::parse(def) {
            return Some(g);
        }
        // a point in each former province, in each grid's own range
        let probe = [(560_000.0, 2_340_000.0), (420_000.0, 2_360_000.0)];
        Self::ALL.into_iter().find(|g| {
            CrsTransform::new(def, g.code()).is_ok_and(|t| {
                probe.iter().all(|&(e, n)| {
                    t.point(e, n)
                        .is_ok_and(|(x, y)| (x - e).hypot(y - n) < 1e-3)
                })
            })
        })
    }
}

impl std::fmt::Display for LegalGrid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
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
    /// The working plane to the former Bắc Ninh's grid and back (made on
    /// first use: most registries hold only the former Bắc Giang's zones).
    bac_ninh: std::sync::OnceLock<Option<(CrsTransform, CrsTransform)>>,
    /// VN-2000 geographic (EPSG:4756) to the working plane and back (made on
    /// first use: only the datum-slip rule needs them).
    vn2000: std::sync::OnceLock<Option<(CrsTransform, CrsTransform)>>,
}

/// A conversion done without the VN-2000 ↔ WGS84 datum shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatumSlip {
    /// VN-2000 geographic coordinates (EPSG:4756) labelled WGS84: the grid
    /// was turned into latitude and longitude by the projection alone.
    Vn2000AsWgs84,
    /// WGS84 coordinates (a GPS) projected to the grid as if they were
    /// VN-2000: the datum shift to VN-2000 was skipped.
    Wgs84AsVn2000,
}

impl DatumSlip {
    /// Both slips.
    pub const ALL: [Self; 2] = [Self::Vn2000AsWgs84, Self::Wgs84AsVn2000];

    /// What was likely done, in words.
    #[must_use]
    pub fn what(self) -> &'static str {
        match self {
            Self::Vn2000AsWgs84 => "VN-2000 latitude/longitude (EPSG:4756) labelled WGS84: the grid was converted to latitude/longitude without the VN-2000 → WGS84 datum shift (the \"VN-2000 nội bộ\" slip)",
            Self::Wgs84AsVn2000 => "WGS84 (GPS) latitude/longitude projected to the grid as if they were VN-2000: the WGS84 → VN-2000 datum shift was skipped",
        }
    }
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
            bac_ninh: std::sync::OnceLock::new(),
            vn2000: std::sync::OnceLock::new(),
        })
    }

    fn vn2000(&self) -> Result<&(CrsTransform, CrsTransform)> {
        self.vn2000
            .get_or_init(|| {
                Some((
                    CrsTransform::new("EPSG:4756", GRID_CRS).ok()?,
                    CrsTransform::new(GRID_CRS, "EPSG:4756").ok()?,
                ))
            })
            .as_ref()
            .ok_or_else(|| Error::Proj {
                from: "EPSG:4756".into(),
                to: GRID_CRS.into(),
                reason:
                    "PROJ cannot convert VN-2000 geographic coordinates; is proj-data installed?"
                        .into(),
            })
    }

    /// Where a working-plane point that was read through `slip` belongs: the
    /// same numbers read as what they really were (through PROJ: EPSG:4756
    /// and EPSG:4326 with the datum shift between them).
    ///
    /// ```
    /// use zoning_core::crs::{DatumSlip, GridTransform};
    /// let t = GridTransform::new().unwrap();
    /// // a point's VN-2000 latitude/longitude read as WGS84 lands ~224 m off
    /// let (e, n) = (416_802.2649, 2_356_377.8997);
    /// let (x, y) = t.unslip(e, n, DatumSlip::Vn2000AsWgs84).unwrap();
    /// let d = ((e - x).powi(2) + (n - y).powi(2)).sqrt();
    /// assert!((200.0..250.0).contains(&d), "{d}");
    /// ```
    ///
    /// # Errors
    /// When PROJ cannot transform the point.
    pub fn unslip(&self, easting: f64, northing: f64, slip: DatumSlip) -> Result<(f64, f64)> {
        let (to_plane, from_plane) = self.vn2000()?;
        match slip {
            DatumSlip::Vn2000AsWgs84 => {
                let (lon, lat) = self.grid_to_wgs84(easting, northing)?;
                to_plane.point(lon, lat)
            }
            DatumSlip::Wgs84AsVn2000 => {
                let (lon, lat) = from_plane.point(easting, northing)?;
                self.wgs84_to_grid(lon, lat)
            }
        }
    }

    fn bac_ninh(&self) -> Result<&(CrsTransform, CrsTransform)> {
        self.bac_ninh
            .get_or_init(|| {
                Some((
                    CrsTransform::new(GRID_CRS, GRID_CRS_BAC_NINH).ok()?,
                    CrsTransform::new(GRID_CRS_BAC_NINH, GRID_CRS).ok()?,
                ))
            })
            .as_ref()
            .ok_or_else(|| Error::Proj {
                from: GRID_CRS.into(),
                to: GRID_CRS_BAC_NINH.into(),
                reason:
                    "PROJ has no operation between the two legal grids; is proj-data installed?"
                        .into(),
            })
    }

    /// A working-plane (EPSG:9214) multipolygon in a legal grid (itself for
    /// EPSG:9214).
    ///
    /// ```
    /// use geo_types::{coord, MultiPolygon, Rect};
    /// use zoning_core::crs::{GridTransform, LegalGrid};
    /// let t = GridTransform::new().unwrap();
    /// let mp = MultiPolygon::new(vec![Rect::new(coord! { x: 400_000.0, y: 2_350_000.0 }, coord! { x: 400_100.0, y: 2_350_100.0 }).to_polygon()]);
    /// let bn = t.to_legal(&mp, LegalGrid::Tm3_105_30).unwrap();
    /// // cs2cs -d 4 EPSG:9214 EPSG:9209 <<< "400000 2350000" → 555690.8061 2349789.8403
    /// let corner = |c: &&geo_types::Coord| (c.x - 555_690.8061).abs() < 1e-3 && (c.y - 2_349_789.8403).abs() < 1e-3;
    /// assert!(bn.0[0].exterior().0.iter().any(|c| corner(&c)));
    /// ```
    ///
    /// # Errors
    /// When PROJ cannot transform a vertex.
    pub fn to_legal<'a>(
        &self,
        plane: &'a MultiPolygon,
        grid: LegalGrid,
    ) -> Result<std::borrow::Cow<'a, MultiPolygon>> {
        match grid {
            LegalGrid::Tm3_107 => Ok(std::borrow::Cow::Borrowed(plane)),
            LegalGrid::Tm3_105_30 => Ok(std::borrow::Cow::Owned(
                self.bac_ninh()?.0.multipolygon(plane)?,
            )),
        }
    }

    /// A working-plane point in a legal grid.
    ///
    /// # Errors
    /// When PROJ cannot transform the point.
    pub fn point_to_legal(
        &self,
        easting: f64,
        northing: f64,
        grid: LegalGrid,
    ) -> Result<(f64, f64)> {
        match grid {
            LegalGrid::Tm3_107 => Ok((easting, northing)),
            LegalGrid::Tm3_105_30 => self.bac_ninh()?.0.point(easting, northing),
        }
    }

    /// A point of a legal grid in the working plane.
    ///
    /// # Errors
    /// When PROJ cannot transform the point.
    pub fn point_from_legal(
        &self,
        easting: f64,
        northing: f64,
        grid: LegalGrid,
    ) -> Result<(f64, f64)> {
        match grid {
            LegalGrid::Tm3_107 => Ok((easting, northing)),
            LegalGrid::Tm3_105_30 => self.bac_ninh()?.1.point(easting, northing),
        }
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

thread_local! {
    static THREAD: std::cell::RefCell<Option<std::rc::Rc<GridTransform>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's [`GridTransform`] (PROJ objects are not shared
/// between threads; each thread makes its own once).
///
/// # Errors
/// When PROJ cannot be set up, or `f` fails.
pub fn with_thread_transform<T, E: From<Error>>(
    f: impl FnOnce(&GridTransform) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let t = THREAD.with(|cell| -> Result<std::rc::Rc<GridTransform>> {
        let mut slot = cell.borrow_mut();
        if let Some(t) = slot.as_ref() {
            return Ok(std::rc::Rc::clone(t));
        }
        let t = std::rc::Rc::new(GridTransform::new()?);
        *slot = Some(std::rc::Rc::clone(&t));
        Ok(t)
    })?;
    f(&t)
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

    // `cs2cs -d 4 EPSG:4326 EPSG:9209` (proj-bin 9.1.1): lat lon → easting northing
    #[test]
    fn the_former_bac_ninh_grid_matches_cs2cs() {
        let t = GridTransform::new().expect("PROJ");
        let to_bn = CrsTransform::new(WGS84_CRS, GRID_CRS_BAC_NINH).expect("PROJ");
        let (e, n) = to_bn.point(106.05, 21.15).expect("point");
        assert!(
            (e - 556_925.3168).abs() < 1e-3 && (n - 2_339_658.1937).abs() < 1e-3,
            "{e} {n}"
        );
        // through the working plane and back
        let (pe, pn) = t.wgs84_to_grid(106.05, 21.15).expect("plane");
        let (be, bnn) = t
            .point_to_legal(pe, pn, LegalGrid::Tm3_105_30)
            .expect("legal");
        assert!((be - e).abs() < 1e-6 && (bnn - n).abs() < 1e-6);
        let (qe, qn) = t
            .point_from_legal(be, bnn, LegalGrid::Tm3_105_30)
            .expect("back");
        assert!((qe - pe).hypot(qn - pn) < 1e-6);
    }

    #[test]
    fn legal_grids_are_recognised_by_code_and_by_wkt() {
        assert_eq!(LegalGrid::parse("EPSG:9209"), Some(LegalGrid::Tm3_105_30));
        assert_eq!(
            LegalGrid::parse("http://www.opengis.net/def/crs/EPSG/0/9214"),
            Some(LegalGrid::Tm3_107)
        );
        assert_eq!(LegalGrid::parse("EPSG:4326"), None);
        // the ESRI WKT a GIS writes beside a shapefile (ogr2ogr -t_srs EPSG:9209)
        let wkt = r#"PROJCS["VN-2000_TM-3_105-30",GEOGCS["GCS_VN-2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.5],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(LegalGrid::identify(wkt), Some(LegalGrid::Tm3_105_30));
        assert_eq!(
            LegalGrid::identify(&wkt.replace("105.5", "107.0")),
            Some(LegalGrid::Tm3_107)
        );
        assert_eq!(LegalGrid::identify("EPSG:32648"), None);
        assert_eq!(LegalGrid::identify("EPSG:4326"), None);
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
