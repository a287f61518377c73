//! GeoJSON (RFC 7946, WGS84 lon/lat) in and out.
//!
//! A feature's code is its `id`, else its `code` property. A boundary must be a
//! Polygon or MultiPolygon whose rings are closed, have at least four positions,
//! and stay within WGS84's range; anything else is refused with the file, the
//! feature and what to do.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{feature::Id, Feature, FeatureCollection, GeoJson, GeometryValue, Position};
use unicode_normalization::UnicodeNormalization;

use super::{FeatureError, Input, InputFeature};
use crate::crs::{CrsTransform, GridTransform, GRID_CRS};
use crate::error::{Error, Result};
use crate::zone::{Zone, ZoneProperties};

/// Reads a GeoJSON FeatureCollection; `file` names it in messages.
///
/// The coordinates are WGS84 (lon, lat) as RFC 7946 requires, unless `crs`
/// says otherwise or the collection carries a legacy `crs` member naming
/// another CRS (as QGIS writes for VN-2000 layers).
///
/// # Errors
/// When the text is not a FeatureCollection or its CRS is unknown to PROJ.
/// Problems of single features are [`FeatureError`]s in the result.
pub fn read(text: &str, file: &str, opts: &super::ReadOptions, t: &GridTransform) -> Result<Input> {
    let crs = opts.crs.as_deref();
    let not_geojson = |reason: String| Error::NotGeoJson {
        file: file.to_owned(),
        reason,
    };
    let text = text.trim_start_matches('\u{feff}');
    let collection = match collection_in_parallel(text) {
        Some(fc) => fc,
        // not a plain FeatureCollection: the whole text through `geojson`,
        // whose message says what it is instead
        None => match text.parse::<GeoJson>() {
            Ok(GeoJson::FeatureCollection(fc)) => fc,
            Ok(GeoJson::Feature(_)) => return Err(not_geojson("it is a single Feature".into())),
            Ok(GeoJson::Geometry(_)) => return Err(not_geojson("it is a bare Geometry".into())),
            Err(e) => return Err(not_geojson(e.to_string())),
        },
    };
    let declared = legacy_crs(&collection);
    let source = crs.map(str::to_owned).or(declared);
    let to_grid = match source.as_deref() {
        None => None,
        Some(c) if is_wgs84(c) => None,
        Some(c) => Some(
            CrsTransform::new(c, GRID_CRS).map_err(|e| Error::NotGeoJson {
                file: file.to_owned(),
                reason: format!("its CRS {c} is unknown: {e}"),
            })?,
        ),
    };
    let (features, mapping) = match &to_grid {
        // WGS84, the usual case: the features on every core, each thread
        // with its own PROJ objects, in order
        None => read_in_parallel(collection.features, &opts.fields),
        // a CRS of the file's own: its transformation is one PROJ object
        Some(to_grid) => {
            let mut mapping = super::Mapping::default();
            let features = collection
                .features
                .into_iter()
                .enumerate()
                .map(|(i, f)| read_feature(f, i + 1, Some(to_grid), &opts.fields, &mut mapping, t))
                .collect();
            (features, mapping)
        }
    };
    let mut input = Input {
        file: file.to_owned(),
        features,
        warnings: Vec::new(),
        grid: source
            .as_deref()
            .filter(|c| !is_wgs84(c))
            .and_then(crate::crs::LegalGrid::identify),
        fields: Vec::new(),
    };
    mapping.finish(&opts.fields, &mut input)?;
    Ok(input)
}

/// The members of a FeatureCollection that the reading uses, its features
/// still text ([`RawValue`](serde_json::value::RawValue): the text is only
/// scanned, on one core).
#[derive(serde::Deserialize)]
struct Collection<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    features: Vec<&'a serde_json::value::RawValue>,
    crs: Option<serde_json::Value>,
}

/// A FeatureCollection whose features are parsed on every core (`rayon`),
/// in order; `None` when the text is not a FeatureCollection whose every
/// feature `geojson` reads (the caller then parses it whole for its message).
fn collection_in_parallel(text: &str) -> Option<FeatureCollection> {
    use rayon::prelude::*;
    let top: Collection = serde_json::from_str(text).ok()?;
    if top.kind != "FeatureCollection" {
        return None;
    }
    let features = top
        .features
        .par_iter()
        .map(|raw| serde_json::from_str::<Feature>(raw.get()).ok())
        .collect::<Option<Vec<Feature>>>()?;
    Some(FeatureCollection {
        bbox: None,
        features,
        foreign_members: top.crs.map(|crs| {
            let mut members = geojson::JsonObject::new();
            members.insert("crs".into(), crs);
            members
        }),
    })
}

type Read = Vec<std::result::Result<InputFeature, FeatureError>>;

/// The features of a WGS84 file read on every core (rayon), in order, with
/// their field mapping gathered as a sequential read gathers it.
fn read_in_parallel(
    features: Vec<Feature>,
    map: &super::fields::FieldMap,
) -> (Read, super::Mapping) {
    use rayon::prelude::*;
    features
        .into_par_iter()
        .enumerate()
        .fold(
            || (Vec::new(), super::Mapping::default()),
            |(mut read, mut mapping), (i, f)| {
                let one = crate::crs::with_thread_transform(|t| {
                    Ok::<_, crate::Error>(read_feature(f, i + 1, None, map, &mut mapping, t))
                });
                read.push(one.unwrap_or_else(|e| {
                    Err(FeatureError {
                        index: i + 1,
                        code: None,
                        reason: e.to_string(),
                        geometry: true,
                    })
                }));
                (read, mapping)
            },
        )
        .reduce(
            || (Vec::new(), super::Mapping::default()),
            |(mut a, mut ma), (b, mb)| {
                a.extend(b);
                ma.merge(mb);
                (a, ma)
            },
        )
}

/// Reads a WGS84 GeoJSON FeatureCollection and refuses it at the first
/// feature that cannot be used.
///
/// # Errors
/// When the text is not a FeatureCollection, or a feature has no code, no
/// geometry, a geometry other than (Multi)Polygon, an unclosed or short ring,
/// or a position outside WGS84's range.
pub fn read_features(text: &str, file: &str, t: &GridTransform) -> Result<Vec<InputFeature>> {
    read(text, file, &super::ReadOptions::default(), t)?.into_features()
}

/// The CRS named by a legacy (2008) GeoJSON `crs` member, if any.
fn legacy_crs(fc: &FeatureCollection) -> Option<String> {
    let crs = fc.foreign_members.as_ref()?.get("crs")?;
    let name = crs.get("properties")?.get("name")?.as_str()?;
    Some(name.to_owned())
}

fn is_wgs84(crs: &str) -> bool {
    let c = crs.to_ascii_uppercase();
    c.ends_with("CRS84") || c.ends_with(":4326") || c.ends_with("::4326") || c == "WGS84"
}

/// Reads one Feature (as posted to the service): its boundary in both CRSs.
/// `crs` is the CRS of its coordinates when not WGS84 (`Content-Crs`).
///
/// # Errors
/// What is wrong with the feature, as for a file.
pub fn read_one(
    f: Feature,
    crs: Option<&str>,
    t: &GridTransform,
) -> std::result::Result<InputFeature, FeatureError> {
    let to_grid = match crs {
        Some(c) if !is_wgs84(c) => {
            Some(CrsTransform::new(c, GRID_CRS).map_err(|e| FeatureError {
                index: 1,
                code: None,
                reason: format!("its CRS {c} is unknown: {e}"),
                geometry: true,
            })?)
        }
        _ => None,
    };
    read_feature(
        f,
        1,
        to_grid.as_ref(),
        &super::fields::FieldMap::default(),
        &mut super::Mapping::default(),
        t,
    )
}

fn read_feature(
    f: Feature,
    index: usize,
    to_grid: Option<&CrsTransform>,
    map: &super::fields::FieldMap,
    mapping: &mut super::Mapping,
    t: &GridTransform,
) -> std::result::Result<InputFeature, FeatureError> {
    let mut properties = f.properties.unwrap_or_default();
    mapping.saw(&properties);
    // codes are compared as text: compose any combining marks (NFC)
    let code = match &f.id {
        Some(Id::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Id::Number(n)) => Some(n.to_string()),
        _ => super::Mapping::code_of(map, &properties, &[]),
    }
    .map(|c| c.nfc().collect::<String>());
    let err = |reason: String, geometry: bool| FeatureError {
        index,
        code: code.clone(),
        reason,
        geometry,
    };
    let geometry = f.geometry.ok_or_else(|| {
        err(
            "has no geometry (null): draw its boundary or leave the feature out".into(),
            true,
        )
    })?;
    let mut value = geometry.value;
    let swapped_axes = swap_positions(&mut value, to_grid.is_none());
    let source = multipolygon(&value, to_grid.is_none()).map_err(|r| err(r, true))?;
    let proj = |e: Error| err(e.to_string(), true);
    let (grid, wgs84) = match to_grid {
        None => (t.multipolygon_to_grid(&source).map_err(proj)?, source),
        Some(p) => {
            let grid = p.multipolygon(&source).map_err(proj)?;
            let wgs84 = t.multipolygon_to_wgs84(&grid).map_err(proj)?;
            (grid, wgs84)
        }
    };
    let Some(code) = code.clone() else {
        return Err(err(
            "has no code: give the feature an \"id\" or a \"code\" property".into(),
            false,
        ));
    };
    mapping.apply(
        map,
        &mut properties,
        &format!("feature #{index} ({code})"),
        &grid,
    );
    Ok(InputFeature {
        index,
        code,
        properties,
        wgs84,
        grid,
        swapped_axes,
    })
}

/// Exchanges the two numbers of every position when all of them look
/// exchanged ([`super::looks_swapped`]); whether it did.
fn swap_positions(value: &mut GeometryValue, geographic: bool) -> bool {
    let rings: Vec<&mut Vec<Position>> = match value {
        GeometryValue::Polygon { coordinates } => coordinates.iter_mut().collect(),
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter_mut().flatten().collect(),
        _ => return false,
    };
    let pairs = rings.iter().flat_map(|r| r.iter()).map(|p| {
        let p = p.as_slice();
        (
            p.first().copied().unwrap_or(f64::NAN),
            p.get(1).copied().unwrap_or(f64::NAN),
        )
    });
    if !super::looks_swapped(pairs, geographic) {
        return false;
    }
    for r in rings {
        for p in r.iter_mut() {
            if p.len() >= 2 {
                p.as_slice_mut().swap(0, 1);
            }
        }
    }
    true
}

fn multipolygon(value: &GeometryValue, wgs84: bool) -> std::result::Result<MultiPolygon, String> {
    match value {
        GeometryValue::Polygon { coordinates } => {
            Ok(MultiPolygon::new(vec![polygon(coordinates, None, wgs84)?]))
        }
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .enumerate()
            .map(|(i, p)| polygon(p, Some(i + 1), wgs84))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(MultiPolygon::new),
        other => Err(format!(
            "geometry is a {}; a zone boundary must be a Polygon or MultiPolygon",
            other.type_name()
        )),
    }
}

fn polygon(
    rings: &[Vec<Position>],
    part: Option<usize>,
    wgs84: bool,
) -> std::result::Result<Polygon, String> {
    let part = part.map(|p| format!(" of polygon {p}")).unwrap_or_default();
    if rings.is_empty() {
        return Err(format!("polygon{part} has no rings"));
    }
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let which = if r == 0 {
            format!("exterior ring{part}")
        } else {
            format!("interior ring {r}{part}")
        };
        let mut coords = Vec::with_capacity(ring.len());
        for (i, pos) in ring.iter().enumerate() {
            let p = pos.as_slice();
            let (Some(&lon), Some(&lat)) = (p.first(), p.get(1)) else {
                return Err(format!(
                    "{which}, position {}: fewer than two numbers",
                    i + 1
                ));
            };
            if !lon.is_finite() || !lat.is_finite() {
                return Err(format!("{which}, position {}: not a finite number", i + 1));
            }
            if wgs84 && (!(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat)) {
                return Err(format!(
                    "{which}, position {}: [{lon}, {lat}] is outside WGS84's range \
                     (longitude −180…180, latitude −90…90); GeoJSON must be WGS84 lon/lat \
                     — were grid metres written as degrees, or lat/lon swapped?",
                    i + 1
                ));
            }
            coords.push(Coord { x: lon, y: lat });
        }
        if coords.len() < 4 {
            return Err(format!(
                "{which} has {} positions; a ring needs at least 4 (3 corners and the first repeated)",
                coords.len()
            ));
        }
        if coords.first() != coords.last() {
            return Err(format!(
                "{which} is not closed: its last position differs from its first; \
                 repeat the first position at the end (RFC 7946 §3.1.6)"
            ));
        }
        out.push(LineString::new(coords));
    }
    let exterior = out.remove(0);
    Ok(Polygon::new(exterior, out))
}

/// Reads registry zones: a FeatureCollection whose properties carry the zone
/// model (`kind`, `name_vi`, `declared_area_ha`, `plan_action`,
/// `geometry_source`, …; see `docs/data.md`).
///
/// # Errors
/// As [`read_features`], and when a property is missing or has a wrong value.
pub fn read_zones(text: &str, file: &str, t: &GridTransform) -> Result<Vec<Zone>> {
    read_features(text, file, t)?
        .into_iter()
        .map(|f| zone_from_feature(f, file))
        .collect()
}

fn zone_from_feature(f: InputFeature, file: &str) -> Result<Zone> {
    let label = f.label();
    ZoneProperties::from_json(f.properties)
        .and_then(|p| p.into_zone(f.code, f.grid))
        .map_err(|reason| Error::Feature {
            file: file.to_owned(),
            feature: label,
            reason,
        })
}

/// Decimal places of degrees written to GeoJSON: 1e-9° is about 0.1 mm.
const DEGREE_DECIMALS: i32 = 9;

fn round(v: f64) -> f64 {
    let k = 10f64.powi(DEGREE_DECIMALS);
    (v * k).round() / k
}

/// Writes zones as a GeoJSON FeatureCollection in WGS84, with the zone model
/// in the properties (the inverse of [`read_zones`]).
///
/// # Errors
/// When PROJ cannot transform a vertex.
pub fn write_zones(zones: &[Zone], t: &GridTransform) -> Result<String> {
    let mut features = Vec::with_capacity(zones.len());
    for z in zones {
        let wgs84 = t.multipolygon_to_wgs84(&z.grid)?;
        let wgs84 = {
            use geo::MapCoords;
            wgs84.map_coords(|c| Coord {
                x: round(c.x),
                y: round(c.y),
            })
        };
        let props = ZoneProperties::from_zone(z);
        let properties = match serde_json::to_value(props) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        };
        features.push(Feature {
            bbox: None,
            geometry: Some(geojson::Geometry::new(GeometryValue::from(&wgs84))),
            id: Some(Id::String(z.code.clone())),
            properties,
            foreign_members: None,
        });
    }
    let fc = FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    serde_json::to_string_pretty(&fc).map_err(|e| Error::NotGeoJson {
        file: "(output)".into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<InputFeature>> {
        let t = GridTransform::new().expect("PROJ");
        read_features(text, "in.geojson", &t)
    }

    const SQUARE: &str = "[[[106.2,21.3],[106.21,21.3],[106.21,21.31],[106.2,21.31],[106.2,21.3]]]";

    /// The features parsed on every core are those the `geojson` crate
    /// parses from the whole text, in order, with the legacy `crs` member;
    /// what is not a FeatureCollection of readable features is left to it.
    #[test]
    fn features_parsed_in_parallel_are_those_of_a_whole_parse() {
        let shipped = include_str!("../../../../data/zones.geojson");
        let crs = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9214"}},"features":[{"type":"Feature","id":"A","properties":{"n":1},"geometry":null}]}"#;
        for text in [shipped, crs] {
            let Ok(GeoJson::FeatureCollection(whole)) = text.parse::<GeoJson>() else {
                panic!("the sample is a FeatureCollection");
            };
            let parallel = collection_in_parallel(text).expect("read in parallel");
            assert!(!whole.features.is_empty());
            assert_eq!(parallel.features, whole.features);
            assert_eq!(legacy_crs(&parallel), legacy_crs(&whole));
        }
        assert!(legacy_crs(&collection_in_parallel(crs).expect("crs")).is_some());
        let point = r#"{"type":"Point","coordinates":[1,2]}"#;
        let one = r#"{"type":"Feature","properties":{},"geometry":null}"#;
        let bad = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Blob"}}]}"#;
        for text in [point, one, bad, "[1,2]", "{", ""] {
            assert!(collection_in_parallel(text).is_none(), "{text}");
        }
    }

    #[test]
    fn code_from_id_then_property() {
        let fc = format!(
            r#"{{"type":"FeatureCollection","features":[
              {{"type":"Feature","id":"A","properties":{{"code":"B"}},"geometry":{{"type":"Polygon","coordinates":{SQUARE}}}}},
              {{"type":"Feature","properties":{{"code":"C"}},"geometry":{{"type":"Polygon","coordinates":{SQUARE}}}}}]}}"#
        );
        let f = read(&fc).expect("reads");
        assert_eq!(f[0].code, "A");
        assert_eq!(f[1].code, "C");
    }

    fn message(geometry: &str, props: &str) -> String {
        let fc = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{props},"geometry":{geometry}}}]}}"#
        );
        read(&fc).expect_err("must be refused").to_string()
    }

    #[test]
    fn bad_features_are_named_with_what_to_do() {
        let m = message("null", r#"{"code":"Z1"}"#);
        assert!(
            m.contains("in.geojson: feature #1 (Z1): has no geometry"),
            "{m}"
        );
        let poly = format!(r#"{{"type":"Polygon","coordinates":{SQUARE}}}"#);
        let m = message(&poly, "{}");
        assert!(m.contains("feature #1: has no code"), "{m}");
        let m = message(
            r#"{"type":"Polygon","coordinates":[[[106.2,21.3],[106.21,21.3],[106.21,21.31],[106.2,21.31]]]}"#,
            r#"{"code":"Z1"}"#,
        );
        assert!(m.contains("exterior ring is not closed"), "{m}");
        let m = message(
            r#"{"type":"Polygon","coordinates":[[[416802,2356377],[416902,2356377],[416902,2356477],[416802,2356377]]]}"#,
            r#"{"code":"Z1"}"#,
        );
        assert!(m.contains("outside WGS84's range"), "{m}");
        let m = message(
            r#"{"type":"Point","coordinates":[106.2,21.3]}"#,
            r#"{"code":"Z1"}"#,
        );
        assert!(m.contains("Polygon or MultiPolygon"), "{m}");
    }

    #[test]
    fn not_geojson_is_refused() {
        let m = read("id,x,y\n1,2,3\n").expect_err("refused").to_string();
        assert!(
            m.starts_with("in.geojson: not a GeoJSON FeatureCollection"),
            "{m}"
        );
    }
}
