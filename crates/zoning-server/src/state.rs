//! Shared state: the store, the province boundary, and a cache of the current
//! zones as ready-made GeoJSON (WGS84 and grid), kept up to date on every write.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};

use geo::BoundingRect;
use geo_types::MultiPolygon;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};
use zoning_core::admin::Admin;
use zoning_core::area::Areas;
use zoning_core::checks::Bounds;
use zoning_core::crs::{GridTransform, LegalGrid};
use zoning_core::store::{CurrentZone, Status, Store, View, ZoneVersion};

use crate::config::Config;
use crate::error::{ApiError, ApiResult};

/// Runs `f` with this thread's PROJ transformation (PROJ objects are not
/// shared between threads).
///
/// # Errors
/// When PROJ cannot be set up.
pub fn with_grid<T>(f: impl FnOnce(&GridTransform) -> ApiResult<T>) -> ApiResult<T> {
    zoning_core::crs::with_thread_transform(f)
}

/// A zone version ready to serve. What every request may need is made when
/// the entry is (its code, boundary in the working plane and box there, for
/// the R-tree); the rest on first use, once: its properties (parsed from the
/// stored text), the forms PROJ makes from WGS84 on (the areas, the WGS84
/// Feature, the Mercator form of tiles). A server starts without parsing or
/// projecting every zone, and a zone nobody asks for takes little more than
/// its stored form.
#[derive(Debug)]
pub struct CachedZone {
    /// The zone's code.
    pub code: String,
    /// The version's id (the `ETag`).
    pub version_id: i64,
    /// Bounding box in the grid `[minE, minN, maxE, maxN]`.
    pub bbox_grid: [f64; 4],
    /// The boundary in the working plane, EPSG:9214 (for checks).
    pub grid: MultiPolygon,
    /// The properties as stored and the version's bookkeeping, when the
    /// entry was made from them ([`CachedZone::stored`]), until parsed.
    stored: Option<Stored>,
    /// The properties as served but the two computed areas
    /// ([`CachedZone::properties`]).
    properties: OnceLock<Map<String, Value>>,
    /// The forms made from the WGS84 boundary, on first use (a PROJ failure
    /// is kept too: it is not tried again on every request).
    projected: OnceLock<Result<Projected, String>>,
    /// The Feature in WGS84, on first use.
    json_wgs84: OnceLock<String>,
    /// The Feature in EPSG:9214 and EPSG:9209, each made on first use
    /// ([`CachedZone::json_grid`]).
    grid_json: [OnceLock<String>; 2],
}

/// A version's properties as stored (a JSON object) and the rest of the
/// version but its boundary, for [`served_properties`].
#[derive(Debug)]
struct Stored {
    text: Box<str>,
    version: ZoneVersion,
}

/// A zone's forms made from its WGS84 boundary (one PROJ pass).
#[derive(Debug)]
pub struct Projected {
    /// The boundary in WGS84.
    pub wgs84: MultiPolygon,
    /// Bounding box in WGS84 `[w, s, e, n]`.
    pub bbox_wgs84: [f64; 4],
    /// The boundary in EPSG:3857 (spherical Mercator of the WGS84 form), for
    /// vector tiles.
    pub mercator: MultiPolygon,
    /// Its box in EPSG:3857 `[minx, miny, maxx, maxy]`.
    pub bbox_mercator: [f64; 4],
    /// Its grid (in its legal grid) and geodesic areas (served, and summed
    /// by `/report`).
    pub areas: Areas,
}

fn bbox(mp: &MultiPolygon) -> [f64; 4] {
    mp.bounding_rect()
        .map_or([0.0; 4], |r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The properties served for a zone version but its computed areas: the
/// zone model (taken out of `v`) and its version bookkeeping.
#[must_use]
pub fn served_properties(v: &mut ZoneVersion) -> Map<String, Value> {
    let mut p = std::mem::take(&mut v.properties);
    p.insert("code".into(), json!(v.code));
    p.insert("status".into(), json!(v.status.as_str()));
    p.insert("version".into(), json!(v.version));
    p.insert("version_id".into(), json!(v.id));
    p.insert("recorded_at".into(), json!(v.recorded_at));
    p.insert("recorded_by".into(), json!(v.change.author));
    if let Some(d) = &v.change.decision {
        p.insert("decision".into(), json!(d));
    }
    if let Some(r) = &v.change.reason {
        p.insert("change_reason".into(), json!(r));
    }
    p
}

/// `properties` with both computed areas, as a Feature serves them.
fn with_areas(properties: &Map<String, Value>, areas: Areas) -> Map<String, Value> {
    let mut p = properties.clone();
    p.insert("grid_area_ha".into(), json!(areas.grid_area_ha));
    p.insert("geodesic_area_ha".into(), json!(areas.geodesic_area_ha));
    p
}

/// A GeoJSON Feature as served; keys in alphabetical order, as `serde_json`
/// writes a `Map`.
#[derive(Serialize)]
struct Feature<'a> {
    geometry: geojson::Geometry,
    id: &'a str,
    properties: &'a Map<String, Value>,
    #[serde(rename = "type")]
    kind: &'static str,
}

fn feature(
    id: &str,
    geometry: &MultiPolygon,
    properties: &Map<String, Value>,
    decimals: i32,
) -> String {
    use geo::MapCoords;
    let k = 10f64.powi(decimals);
    let g = geometry.map_coords(|c| geo_types::Coord {
        x: (c.x * k).round() / k,
        y: (c.y * k).round() / k,
    });
    let f = Feature {
        geometry: geojson::Geometry::new(geojson::GeometryValue::from(&g)),
        id,
        properties,
        kind: "Feature",
    };
    // a Feature of plain numbers and strings always serialises
    serde_json::to_string(&f).unwrap_or_default()
}

/// What a PROJ failure is to a caller.
fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

impl CachedZone {
    /// The forms made from the WGS84 boundary (made on first use).
    ///
    /// # Errors
    /// When PROJ cannot transform the boundary.
    pub fn projected(&self) -> ApiResult<&Projected> {
        // made inside the cell: a caller asking while another makes it waits
        // for that one instead of making it again
        self.projected
            .get_or_init(|| {
                let legal = self.legal_grid();
                with_grid(|t| {
                    let wgs84 = t.multipolygon_to_wgs84(&self.grid).map_err(internal)?;
                    let areas = Areas::in_grid(&self.grid, &wgs84, legal, t).map_err(internal)?;
                    let mercator = crate::tile::multipolygon_to_mercator(&wgs84);
                    Ok(Projected {
                        bbox_wgs84: bbox(&wgs84),
                        bbox_mercator: bbox(&mercator),
                        wgs84,
                        mercator,
                        areas,
                    })
                })
                .map_err(|e| format!("zone {}: {e}", self.code))
            })
            .as_ref()
            .map_err(|e| ApiError::Internal(e.clone()))
    }

    /// Whether [`CachedZone::properties`] have been parsed.
    #[must_use]
    pub fn is_parsed(&self) -> bool {
        self.properties.get().is_some()
    }

    /// Whether [`CachedZone::projected`] has been made.
    #[must_use]
    pub fn is_projected(&self) -> bool {
        self.projected.get().is_some()
    }

    /// Its grid and geodesic areas.
    ///
    /// # Errors
    /// When PROJ cannot transform the boundary.
    pub fn areas(&self) -> ApiResult<Areas> {
        Ok(self.projected()?.areas)
    }

    /// The Feature in WGS84 (made on first use).
    ///
    /// # Errors
    /// When PROJ cannot transform the boundary.
    pub fn json_wgs84(&self) -> ApiResult<&str> {
        if let Some(s) = self.json_wgs84.get() {
            return Ok(s);
        }
        let made = self.make_json_wgs84()?;
        Ok(self.json_wgs84.get_or_init(|| made))
    }

    /// The Feature in WGS84: the one kept, else made for this caller only
    /// and not kept (a whole-registry export does not keep a Feature of
    /// every zone in memory).
    ///
    /// # Errors
    /// When PROJ cannot transform the boundary.
    pub fn json_wgs84_once(&self) -> ApiResult<std::borrow::Cow<'_, str>> {
        match self.json_wgs84.get() {
            Some(s) => Ok(std::borrow::Cow::Borrowed(s)),
            None => self.make_json_wgs84().map(std::borrow::Cow::Owned),
        }
    }

    fn make_json_wgs84(&self) -> ApiResult<String> {
        let p = self.projected()?;
        Ok(feature(
            &self.code,
            &p.wgs84,
            &with_areas(self.properties(), p.areas),
            9,
        ))
    }

    /// The Feature in a legal grid (made on first use: most clients never ask).
    ///
    /// # Errors
    /// When PROJ cannot transform the boundary.
    pub fn json_grid(&self, grid: LegalGrid) -> ApiResult<&str> {
        let slot = &self.grid_json[usize::from(grid == LegalGrid::Tm3_105_30)];
        if let Some(s) = slot.get() {
            return Ok(s);
        }
        let areas = self.areas()?;
        let g = with_grid(|t| {
            t.to_legal(&self.grid, grid)
                .map(std::borrow::Cow::into_owned)
                .map_err(internal)
        })?;
        let made = feature(&self.code, &g, &with_areas(self.properties(), areas), 4);
        Ok(slot.get_or_init(|| made))
    }

    /// Makes the entry of a version: its properties and box; the rest on
    /// first use. A version recorded before zones were placed in the 2025
    /// communes is placed here with `admin`, for serving only (its record is
    /// not changed; its next write records it).
    #[must_use]
    pub fn new(mut v: ZoneVersion, admin: Option<&Admin>) -> Self {
        let mut properties = served_properties(&mut v);
        if let Some(a) = admin.filter(|_| !properties.contains_key("communes")) {
            let legal = legal_grid_of(&properties);
            let p = a.locate(&v.grid);
            properties.extend(p.properties());
            properties
                .entry("grid_crs")
                .or_insert_with(|| json!(legal.code()));
            properties
                .entry("target_set")
                .or_insert_with(|| json!(zoning_core::zone::BAC_GIANG_TARGETS));
        }
        Self::entry(v.code, v.id, v.grid, None, OnceLock::from(properties))
    }

    /// An entry with none of its forms made yet.
    fn entry(
        code: String,
        version_id: i64,
        grid: MultiPolygon,
        stored: Option<Stored>,
        properties: OnceLock<Map<String, Value>>,
    ) -> Self {
        Self {
            bbox_grid: bbox(&grid),
            code,
            version_id,
            grid,
            stored,
            properties,
            projected: OnceLock::new(),
            json_wgs84: OnceLock::new(),
            grid_json: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// Makes the entry of a version read by `current_zones`, its properties
    /// parsed on first use ([`CachedZone::properties`]). A version whose
    /// stored properties have no `communes` (recorded before zones were
    /// placed in the 2025 communes) is parsed now and placed with `admin`,
    /// as [`CachedZone::new`] does.
    #[must_use]
    pub fn stored(c: CurrentZone, admin: Option<&Admin>) -> Self {
        if !placed(&c.properties) {
            let mut v = c.version;
            v.properties = parse_properties(&v.code, &c.properties);
            return Self::new(v, admin);
        }
        let mut version = c.version;
        let grid = std::mem::replace(&mut version.grid, MultiPolygon::new(vec![]));
        let (code, id) = (version.code.clone(), version.id);
        let stored = Stored {
            text: c.properties.into_boxed_str(),
            version,
        };
        Self::entry(code, id, grid, Some(stored), OnceLock::new())
    }

    /// The properties as served but the two computed areas (which
    /// [`CachedZone::areas`] gives; the served Features carry them), parsed
    /// from the stored text on first use.
    pub fn properties(&self) -> &Map<String, Value> {
        self.properties.get_or_init(|| {
            let Some(s) = &self.stored else {
                return Map::new();
            };
            let mut v = s.version.clone();
            v.properties = parse_properties(&self.code, &s.text);
            served_properties(&mut v)
        })
    }

    /// The entry of a version with every form made now (for a response
    /// about a version that is not cached: history, `datetime=`).
    ///
    /// # Errors
    /// When PROJ cannot transform the boundary.
    pub fn made(v: &ZoneVersion) -> ApiResult<Self> {
        let z = Self::new(v.clone(), None);
        z.json_wgs84()?;
        Ok(z)
    }
}

impl CachedZone {
    /// Its legal grid (EPSG:9214 when its record does not say).
    #[must_use]
    pub fn legal_grid(&self) -> LegalGrid {
        match (self.properties.get(), &self.stored) {
            (Some(p), _) => legal_grid_of(p),
            (None, None) => LegalGrid::Tm3_107,
            // read from the stored text without parsing the properties (the
            // warm thread projects every zone; their properties wait for a
            // request that needs them)
            (None, Some(s)) => serde_json::from_str::<GridCrs>(&s.text)
                .ok()
                .and_then(|g| g.grid_crs)
                .as_deref()
                .and_then(LegalGrid::parse)
                .unwrap_or(LegalGrid::Tm3_107),
        }
    }
}

/// The one member of stored properties that the projected forms need.
#[derive(serde::Deserialize)]
struct GridCrs {
    grid_crs: Option<String>,
}

/// The legal grid `grid_crs` names (EPSG:9214 when it names none).
fn legal_grid_of(properties: &Map<String, Value>) -> LegalGrid {
    properties
        .get("grid_crs")
        .and_then(Value::as_str)
        .and_then(LegalGrid::parse)
        .unwrap_or(LegalGrid::Tm3_107)
}

/// Whether stored properties (JSON as the store writes it: no blanks) have a
/// `communes` member: a version recorded since zones are placed in the 2025
/// communes. (Inside a JSON string the quotes would be escaped, so only a
/// member name matches.)
fn placed(stored: &str) -> bool {
    stored.contains("\"communes\":")
}

/// Stored properties parsed; an unreadable text (never written by a store)
/// is logged and served as none.
fn parse_properties(code: &str, text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap_or_else(|e| {
        tracing::warn!(%code, error = %e, "stored properties that are not a JSON object");
        Map::new()
    })
}

impl zoning_core::checks::Neighbour for CachedZone {
    fn code(&self) -> &str {
        &self.code
    }
    fn bbox(&self) -> [f64; 4] {
        self.bbox_grid
    }
    /// What the checks need of this zone, as a neighbour of the ones checked
    /// (its declared area is not re-checked here).
    fn subject(&self, index: usize) -> zoning_core::checks::Subject {
        zoning_core::checks::Subject {
            declared_area_ha: None,
            ..zoning_core::checks::Subject::from_properties(
                &self.code,
                index,
                self.grid.clone(),
                self.properties(),
            )
        }
    }
}

/// A commune of the province since 2025, ready to serve.
#[derive(Debug)]
pub struct CachedCommune {
    /// Its 5-digit code (Decision 19/2025/QĐ-TTg).
    pub code: String,
    /// Its properties as served (code, name, type, the units merged into it).
    pub properties: Map<String, Value>,
    /// Its boundary in the working plane (EPSG:9214).
    pub grid: MultiPolygon,
    /// Bounding box in the working plane.
    pub bbox_grid: [f64; 4],
    json_wgs84: String,
    grid_json: [OnceLock<String>; 2],
}

impl CachedCommune {
    /// The Feature in `crs`.
    ///
    /// # Errors
    /// When PROJ cannot transform the boundary.
    pub fn json(&self, crs: crate::routes::Crs) -> ApiResult<String> {
        match crs {
            crate::routes::Crs::Crs84 => Ok(self.json_wgs84.clone()),
            crate::routes::Crs::Grid(g) => {
                let slot = &self.grid_json[usize::from(g == LegalGrid::Tm3_105_30)];
                if let Some(s) = slot.get() {
                    return Ok(s.clone());
                }
                let legal = with_grid(|t| {
                    t.to_legal(&self.grid, g)
                        .map(std::borrow::Cow::into_owned)
                        .map_err(|e| ApiError::Internal(e.to_string()))
                })?;
                Ok(slot
                    .get_or_init(|| feature(&self.code, &legal, &self.properties, 4))
                    .clone())
            }
        }
    }
}

/// The communes, ready to serve.
fn serve_communes(admin: &Admin) -> Vec<CachedCommune> {
    admin
        .communes()
        .iter()
        .map(|c| CachedCommune {
            json_wgs84: feature(&c.code, &c.wgs84, &c.properties, 6),
            bbox_grid: bbox(&c.grid),
            code: c.code.clone(),
            properties: c.properties.clone(),
            grid: c.grid.clone(),
            grid_json: [OnceLock::new(), OnceLock::new()],
        })
        .collect()
}

/// A zone in a view's R-tree, under its bounding box in the working plane
/// (EPSG:9214), the box a `bbox` query is compared with.
#[derive(Debug, Clone)]
struct Boxed(Arc<CachedZone>);

impl rstar::RTreeObject for Boxed {
    type Envelope = rstar::AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        let [x0, y0, x1, y1] = self.0.bbox_grid;
        rstar::AABB::from_corners([x0, y0], [x1, y1])
    }
}

/// The same cache entry (what the tree removes on a write).
impl PartialEq for Boxed {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The current zones of one view, by code, and an R-tree (`rstar`) of their
/// boxes in the working plane, kept in step on every change, so that a `bbox`
/// query visits only the zones whose box meets it.
#[derive(Debug, Default)]
pub struct ViewCache {
    zones: BTreeMap<String, Arc<CachedZone>>,
    index: rstar::RTree<Boxed>,
    /// Zones whose box is not finite (none that the intake accepts): outside
    /// the tree, which cannot order them, and looked at by every query.
    unboxed: Vec<Arc<CachedZone>>,
}

fn finite(z: &CachedZone) -> bool {
    z.bbox_grid.iter().all(|c| c.is_finite())
}

impl ViewCache {
    /// A view of these zones, its tree bulk-loaded.
    #[must_use]
    pub fn new(zones: BTreeMap<String, Arc<CachedZone>>) -> Self {
        let (boxed, unboxed): (Vec<&Arc<CachedZone>>, Vec<&Arc<CachedZone>>) =
            zones.values().partition(|z| finite(z));
        Self {
            index: rstar::RTree::bulk_load(boxed.into_iter().cloned().map(Boxed).collect()),
            unboxed: unboxed.into_iter().cloned().collect(),
            zones,
        }
    }

    /// The zones by code.
    #[must_use]
    pub fn zones(&self) -> &BTreeMap<String, Arc<CachedZone>> {
        &self.zones
    }

    /// Puts a zone's entry in place of its former one (`None`: takes it out).
    pub fn put(&mut self, code: &str, entry: Option<Arc<CachedZone>>) {
        let old = match entry {
            Some(z) => {
                if finite(&z) {
                    self.index.insert(Boxed(Arc::clone(&z)));
                } else {
                    self.unboxed.push(Arc::clone(&z));
                }
                self.zones.insert(code.to_owned(), z)
            }
            None => self.zones.remove(code),
        };
        if let Some(old) = old {
            if finite(&old) {
                self.index.remove(&Boxed(old));
            } else {
                self.unboxed.retain(|z| !Arc::ptr_eq(z, &old));
            }
        }
    }

    /// The zones whose box in the working plane meets `bbox` (`[minx, miny,
    /// maxx, maxy]`, edges included, as [`crate::routes::ogc::boxes_meet`]),
    /// in the order of their codes, as a scan of [`ViewCache::zones`] gives
    /// them.
    #[must_use]
    pub fn meeting(&self, bbox: [f64; 4]) -> Vec<Arc<CachedZone>> {
        let [x0, y0, x1, y1] = bbox;
        let mut out: Vec<Arc<CachedZone>> = if bbox.iter().any(|c| c.is_nan()) || x0 > x1 || y0 > y1
        {
            Vec::new()
        } else {
            self.index
                .locate_in_envelope_intersecting(&rstar::AABB::from_corners([x0, y0], [x1, y1]))
                .map(|b| Arc::clone(&b.0))
                .collect()
        };
        out.extend(
            self.unboxed
                .iter()
                .filter(|z| crate::routes::ogc::boxes_meet(z.bbox_grid, bbox))
                .cloned(),
        );
        out.sort_unstable_by(|a, b| a.code.cmp(&b.code));
        out
    }
}

/// The current zones of both views.
#[derive(Debug, Default)]
pub struct Cache {
    /// What the public sees.
    pub public: ViewCache,
    /// What planners see.
    pub planner: ViewCache,
    /// The id of the newest version of each code a refresh has read, so
    /// that a slower refresh (the one after a local write, the one after
    /// another server's announcement) never puts back an older state.
    newest: HashMap<String, i64>,
}

impl Cache {
    /// The zones of a view.
    #[must_use]
    pub fn view(&self, view: View) -> &ViewCache {
        match view {
            View::Public => &self.public,
            View::Planner => &self.planner,
        }
    }
}

/// Makes the cache entries of many versions in parallel (`rayon`); the order
/// is kept.
fn build(versions: Vec<CurrentZone>, admin: Option<&Admin>) -> Vec<Arc<CachedZone>> {
    versions
        .into_par_iter()
        .map(|v| Arc::new(CachedZone::stored(v, admin)))
        .collect()
}

/// The communes, when some version was recorded without its own (before
/// zones were placed): read then, not otherwise.
fn admin_for<'a>(state: &'a AppState, versions: &[CurrentZone]) -> ApiResult<Option<&'a Admin>> {
    if versions.iter().any(|v| !placed(&v.properties)) {
        state.admin().map(Some)
    } else {
        Ok(None)
    }
}

/// Everything handlers share.
pub struct AppState {
    /// The registry.
    pub store: Arc<dyn Store>,
    /// The province (dissolved from its communes) and the former Bắc Giang,
    /// the territory of the resolution's target set, in the working plane
    /// (for the checks).
    pub bounds: Bounds,
    /// The `province` collection's items: the province, then the former
    /// Bắc Giang (WGS84 Features).
    pub province_features: Vec<Value>,
    /// The current zones.
    pub cache: RwLock<Cache>,
    /// The communes since 2025 (read-only), read on first use
    /// ([`AppState::admin`]): 155,000 vertices through PROJ are not worth a
    /// slower start for a server that is never asked for them or written to.
    admin: OnceLock<Admin>,
    communes: OnceLock<Vec<CachedCommune>>,
    /// Settings.
    pub config: Config,
    /// Validations running now (bounded by `max_concurrent_validations`).
    pub validations: std::sync::atomic::AtomicUsize,
    /// Password verifications running now (bounded by `login_max_concurrent`).
    pub verifications: std::sync::atomic::AtomicUsize,
    /// Failed sign-ins per address and per name (`POST /login`).
    pub logins: crate::limiter::LoginLimiter,
    /// Heavy vector tiles made lately, each with the zone versions it was
    /// made of (reused while those are the tile's zones).
    pub tiles: crate::routes::tiles::Memo,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Loads the province and fills the cache from the store.
    ///
    /// # Errors
    /// When the store or PROJ fails.
    pub fn new(store: Arc<dyn Store>, config: Config) -> ApiResult<Self> {
        let bounds = with_grid(|t| crate::shipped::bounds(t).map_err(ApiError::Internal))?;
        let province_features = crate::shipped::province_features().map_err(ApiError::Internal)?;
        let state = Self {
            store,
            bounds,
            province_features,
            cache: RwLock::new(Cache::default()),
            admin: OnceLock::new(),
            communes: OnceLock::new(),
            logins: crate::limiter::LoginLimiter::new(
                config.login_max_failures,
                std::time::Duration::from_secs(config.login_window_secs),
            ),
            config,
            validations: std::sync::atomic::AtomicUsize::new(0),
            verifications: std::sync::atomic::AtomicUsize::new(0),
            tiles: crate::routes::tiles::Memo::default(),
        };
        state.reload()?;
        Ok(state)
    }

    /// The communes since 2025, read on first use (blocking: call it on a
    /// blocking thread the first time).
    ///
    /// # Errors
    /// When the shipped file cannot be read or PROJ fails.
    pub fn communes(&self) -> ApiResult<&[CachedCommune]> {
        let admin = self.admin()?;
        Ok(self.communes.get_or_init(|| serve_communes(admin)))
    }

    /// The communes since 2025 as the intake places zones with them, read on
    /// first use (blocking: call it on a blocking thread the first time).
    ///
    /// # Errors
    /// When the shipped file cannot be read or PROJ fails.
    pub fn admin(&self) -> ApiResult<&Admin> {
        if self.admin.get().is_none() {
            // two first callers may both read them; one result is kept
            let read = with_grid(|t| crate::shipped::admin(t).map_err(ApiError::Internal))?;
            let _ = self.admin.set(read);
        }
        self.admin
            .get()
            .ok_or_else(|| ApiError::Internal("the communes could not be kept".into()))
    }

    /// What the intake needs: the limits and the communes.
    ///
    /// # Errors
    /// When the communes cannot be read.
    pub fn intake(&self) -> ApiResult<zoning_core::intake::Context<'_>> {
        Ok(zoning_core::intake::Context::new(self.config.limits()).with_admin(self.admin()?))
    }

    /// Rebuilds the whole cache from the store.
    ///
    /// # Errors
    /// When the store or PROJ fails.
    pub fn reload(&self) -> ApiResult<()> {
        // The planners' view is read and built first. A zone whose planners'
        // version is approved is the latest version of its code, so it is
        // also the public one, and both views share its entry. Only a zone
        // with a draft on top has another public version (or none): the
        // public view is read from the store for those, and only when there
        // are some.
        let started = std::time::Instant::now();
        let planner = self.store.current_zones(View::Planner)?;
        let read = started.elapsed();
        let drafts: HashSet<String> = planner
            .iter()
            .filter(|v| v.version.status != Status::Approved)
            .map(|v| v.version.code.clone())
            .collect();
        let admin = admin_for(self, &planner)?;
        let built = build(planner, admin);
        let made = started.elapsed().saturating_sub(read);
        let mut public: Vec<(String, Arc<CachedZone>)> = built
            .iter()
            .filter(|z| !drafts.contains(&z.code))
            .map(|z| (z.code.clone(), Arc::clone(z)))
            .collect();
        if !drafts.is_empty() {
            let mut own = self.store.current_zones(View::Public)?;
            own.retain(|v| drafts.contains(&v.version.code));
            let admin = admin_for(self, &own)?;
            public.extend(build(own, admin).into_iter().map(|z| (z.code.clone(), z)));
        }
        let planner = built.into_iter().map(|z| (z.code.clone(), z));
        // a map built from a list at once (sorted, then filled) rather than
        // by 100k inserts
        let (public, planner) = rayon::join(
            || ViewCache::new(public.into_iter().collect()),
            || ViewCache::new(planner.collect()),
        );
        let cache = Cache {
            public,
            planner,
            newest: HashMap::new(),
        };
        tracing::info!(
            zones = cache.planner.zones().len(),
            read_ms = read.as_millis(),
            built_ms = made.as_millis(),
            total_ms = started.elapsed().as_millis(),
            "the cache is loaded (read: the planners' view from the store; built: the entries and their boxes; properties and WGS84 forms follow on first use)"
        );
        *self
            .cache
            .write()
            .map_err(|_| ApiError::Internal("cache lock poisoned".into()))? = cache;
        Ok(())
    }

    /// Makes the WGS84 and Mercator forms (and areas) of every cached zone
    /// that lacks them, one zone after another on the calling thread: `serve`
    /// runs it on a thread of its own once it listens and after every reload
    /// ([`crate::warm_thread`]), so that the first tiles and reports do not
    /// wait for them, and neither does the start nor following other servers.
    pub fn warm(&self) {
        let started = std::time::Instant::now();
        let mut made = 0usize;
        for view in [View::Planner, View::Public] {
            let Ok(zones) = self.zones(view) else { return };
            for z in zones.iter().filter(|z| !z.is_projected()) {
                if let Err(e) = z.projected() {
                    let code = &z.code;
                    tracing::warn!(%code, error = %e, "no WGS84 form");
                } else {
                    made += 1;
                }
            }
        }
        tracing::info!(
            zones = made,
            ms = started.elapsed().as_millis(),
            "the WGS84 and Mercator forms of the cached zones are made"
        );
    }

    /// Brings one zone's cache entries up to date after a write.
    ///
    /// # Errors
    /// When the store or PROJ fails.
    pub fn refresh(&self, code: &str) -> ApiResult<()> {
        let history = self.store.history(code)?;
        let planner = history.last().filter(|v| v.status != Status::Retired);
        let public = history
            .iter()
            .rev()
            .find(|v| v.status != Status::Draft)
            .filter(|v| v.status == Status::Approved);
        let admin = if planner
            .iter()
            .chain(public.iter())
            .any(|v| !v.properties.contains_key("communes"))
        {
            Some(self.admin()?)
        } else {
            None
        };
        // made now, not on first use: a write's served forms are ready (and a
        // PROJ failure is the write's) before the cache serves them
        let entry = |v: &ZoneVersion| -> ApiResult<Arc<CachedZone>> {
            let z = CachedZone::new(v.clone(), admin);
            z.json_wgs84()?;
            Ok(Arc::new(z))
        };
        let planner = planner.map(entry).transpose()?;
        let public = match (public, &planner) {
            // no draft: both views serve the same version
            (Some(v), Some(p)) if p.version_id == v.id => Some(Arc::clone(p)),
            (v, _) => v.map(entry).transpose()?,
        };
        let mut guard = self
            .cache
            .write()
            .map_err(|_| ApiError::Internal("cache lock poisoned".into()))?;
        let cache = &mut *guard;
        if let Some(newest) = history.last().map(|v| v.id) {
            if cache.newest.get(code).is_some_and(|seen| *seen > newest) {
                return Ok(());
            }
            cache.newest.insert(code.to_owned(), newest);
        }
        cache.planner.put(code, planner);
        cache.public.put(code, public);
        Ok(())
    }

    /// A snapshot of a view's zones.
    ///
    /// # Errors
    /// When the cache lock is poisoned.
    pub fn zones(&self, view: View) -> ApiResult<Vec<Arc<CachedZone>>> {
        let cache = self
            .cache
            .read()
            .map_err(|_| ApiError::Internal("cache lock poisoned".into()))?;
        Ok(cache.view(view).zones().values().cloned().collect())
    }

    /// The zones of a view whose box in the working plane meets `bbox`
    /// (`[minx, miny, maxx, maxy]`), in the order of their codes, found in
    /// the view's R-tree.
    ///
    /// # Errors
    /// When the cache lock is poisoned.
    pub fn zones_meeting(&self, view: View, bbox: [f64; 4]) -> ApiResult<Vec<Arc<CachedZone>>> {
        let cache = self
            .cache
            .read()
            .map_err(|_| ApiError::Internal("cache lock poisoned".into()))?;
        Ok(cache.view(view).meeting(bbox))
    }

    /// One zone of a view.
    ///
    /// # Errors
    /// When the cache lock is poisoned.
    pub fn zone(&self, view: View, code: &str) -> ApiResult<Option<Arc<CachedZone>>> {
        let cache = self
            .cache
            .read()
            .map_err(|_| ApiError::Internal("cache lock poisoned".into()))?;
        Ok(cache.view(view).zones().get(code).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::ogc::boxes_meet;
    use proptest::prelude::*;

    fn zone(code: &str, bbox_grid: [f64; 4]) -> Arc<CachedZone> {
        Arc::new(CachedZone {
            code: code.to_owned(),
            version_id: 0,
            bbox_grid,
            properties: OnceLock::from(Map::new()),
            grid: MultiPolygon::new(vec![]),
            stored: None,
            projected: OnceLock::new(),
            json_wgs84: OnceLock::new(),
            grid_json: [OnceLock::new(), OnceLock::new()],
        })
    }

    /// The codes a scan of every zone selects, in the order of the codes.
    fn scan(view: &ViewCache, bbox: [f64; 4]) -> Vec<String> {
        view.zones()
            .values()
            .filter(|z| boxes_meet(z.bbox_grid, bbox))
            .map(|z| z.code.clone())
            .collect()
    }

    fn codes(zones: &[Arc<CachedZone>]) -> Vec<String> {
        zones.iter().map(|z| z.code.clone()).collect()
    }

    /// A box on a coarse lattice (so that boxes often share an edge or a
    /// corner, or are a line or a point), now and then one that is not finite.
    fn a_box() -> impl Strategy<Value = [f64; 4]> {
        prop_oneof![
            20 => (0u8..40, 0u8..40, 0u8..12, 0u8..12).prop_map(|(x, y, w, h)| {
                let (x, y) = (f64::from(x), f64::from(y));
                [x, y, x + f64::from(w), y + f64::from(h)]
            }),
            1 => Just([f64::NAN, 1.0, f64::NAN, 2.0]),
            1 => Just([f64::NEG_INFINITY, 3.0, f64::INFINITY, 4.0]),
        ]
    }

    fn a_query() -> impl Strategy<Value = [f64; 4]> {
        (-5i8..50, -5i8..50, 0u8..30, 0u8..30).prop_map(|(x, y, w, h)| {
            let (x, y) = (f64::from(x), f64::from(y));
            [x, y, x + f64::from(w), y + f64::from(h)]
        })
    }

    /// A version in the working plane near Bắc Giang, with these properties.
    fn version(properties: &serde_json::Value) -> ZoneVersion {
        use geo_types::{coord, Rect};
        ZoneVersion {
            id: 7,
            code: "KCN-X".into(),
            version: 2,
            status: Status::Approved,
            properties: properties.as_object().cloned().unwrap_or_default(),
            grid: MultiPolygon::new(vec![Rect::new(
                coord! { x: 417_000.0, y: 2_360_000.0 },
                coord! { x: 417_800.0, y: 2_360_500.0 },
            )
            .to_polygon()]),
            recorded_at: "2026-12-07T00:00:00Z".into(),
            change: zoning_core::store::Change {
                author: "lan".into(),
                reason: Some("r".into()),
                decision: None,
            },
            findings: serde_json::Value::Null,
        }
    }

    /// An entry made from the stored text serves what an entry made from
    /// the parsed version serves (properties, legal grid, areas, Features),
    /// parsing the text only when first asked.
    #[test]
    fn an_entry_from_stored_text_serves_what_a_parsed_one_does() {
        let v = version(&json!({
            "kind": "KCN", "name_vi": "Khu X", "grid_crs": "EPSG:9209",
            "communes": [{"code": "07210", "name": "Phường Y"}],
        }));
        let eager = CachedZone::new(v.clone(), None);
        let stored = CachedZone::stored(
            CurrentZone {
                properties: serde_json::Value::Object(v.properties.clone()).to_string(),
                version: ZoneVersion {
                    properties: Map::new(),
                    ..v
                },
            },
            None,
        );
        assert!(
            stored.properties.get().is_none(),
            "parsed before it was asked"
        );
        assert_eq!(stored.properties(), eager.properties());
        assert_eq!(stored.legal_grid(), LegalGrid::Tm3_105_30);
        assert_eq!(
            stored.bbox_grid.map(f64::to_bits),
            eager.bbox_grid.map(f64::to_bits)
        );
        assert_eq!(
            stored.json_wgs84().expect("wgs84"),
            eager.json_wgs84().expect("wgs84")
        );
        assert_eq!(
            stored.json_grid(LegalGrid::Tm3_105_30).expect("9209"),
            eager.json_grid(LegalGrid::Tm3_105_30).expect("9209")
        );
        let f: Value = serde_json::from_str(stored.json_wgs84().expect("wgs84")).expect("json");
        assert_eq!(f["properties"]["version_id"], 7);
        assert_eq!(f["properties"]["change_reason"], "r");
        assert!(f["properties"]["grid_area_ha"]
            .as_f64()
            .is_some_and(|a| a > 39.0 && a < 41.0));
    }

    /// Stored properties without `communes` are parsed at once (to be placed
    /// in the communes); the text test sees only member names.
    #[test]
    fn only_a_communes_member_counts_as_placed() {
        assert!(placed(r#"{"communes":[],"kind":"KCN"}"#));
        assert!(!placed(r#"{"kind":"KCN"}"#));
        assert!(!placed(r#"{"name_vi":"\"communes\":"}"#));
        let v = version(&json!({"kind": "KCN"}));
        let z = CachedZone::stored(
            CurrentZone {
                properties: serde_json::Value::Object(v.properties.clone()).to_string(),
                version: v,
            },
            None,
        );
        assert!(z.properties.get().is_some());
        assert_eq!(z.properties()["kind"], "KCN");
    }

    proptest! {
        /// The R-tree answers a bbox query with exactly the zones, in the
        /// same order, that a scan of every zone with `boxes_meet` gives,
        /// after a bulk load and after writes that replace, add and remove
        /// zones.
        #[test]
        fn the_rtree_selects_what_a_scan_selects(
            initial in proptest::collection::vec(a_box(), 0..200),
            writes in proptest::collection::vec((0usize..250, proptest::option::of(a_box())), 0..60),
            queries in proptest::collection::vec(a_query(), 1..20),
        ) {
            let code = |i: usize| format!("Z{i:03}");
            let mut view = ViewCache::new(
                initial.iter().enumerate().map(|(i, b)| (code(i), zone(&code(i), *b))).collect(),
            );
            for q in &queries {
                prop_assert_eq!(codes(&view.meeting(*q)), scan(&view, *q));
            }
            for (i, b) in writes {
                view.put(&code(i), b.map(|b| zone(&code(i), b)));
            }
            prop_assert_eq!(view.index.size() + view.unboxed.len(), view.zones().len());
            for q in &queries {
                prop_assert_eq!(codes(&view.meeting(*q)), scan(&view, *q));
            }
        }
    }
}
