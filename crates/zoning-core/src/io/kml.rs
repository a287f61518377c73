//! KML (Google Earth, and what offices export for the public): each
//! `Placemark` with a `Polygon` (or a `MultiGeometry` of them) is a zone.
//!
//! KML coordinates are WGS84 longitude, latitude (and a height, ignored), as
//! GeoJSON's: a placemark becomes a GeoJSON feature and goes through
//! [`super::geojson::read`], so that codes, field mapping, rings and
//! swapped-axes detection are those of every other door. Properties come from
//! the placemark's `ExtendedData` (`SchemaData/SimpleData` and `Data/value`,
//! as QGIS, GDAL and Google Earth write them); its `<name>` is the property
//! `name` when the data have none, and also its code when it has no code field
//! and the name is one word (a code such as `KCN-DINH-TRAM`, not a sentence).
//! A placemark with another geometry (a point, a line) is reported in its
//! place, as a GeoJSON feature that is not a polygon is.
//!
//! The XML is parsed by `roxmltree` (no DTD, no external entities); a
//! document with more than [`MAX_PLACEMARKS`] placemarks is refused.

use serde_json::{json, Map, Value};

use crate::crs::GridTransform;
use crate::error::{Error, Result};

use super::Input;

/// The most placemarks a KML may hold.
pub const MAX_PLACEMARKS: usize = 100_000;
/// The deepest a KML's elements may nest (folders in folders, geometries in
/// geometries): a few levels in any real file; thousands would exhaust the
/// stack of the code that walks them.
pub const MAX_DEPTH: usize = 100;

/// How deep the elements of an XML text nest, counted from its tags alone
/// (before any parsing), stopping once over `limit`.
fn depth_over(text: &str, limit: usize) -> bool {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(at) = b[i..].iter().position(|c| *c == b'<') {
        let start = i + at;
        let Some(end) = b[start..].iter().position(|c| *c == b'>') else {
            break;
        };
        let tag = &b[start + 1..start + end];
        i = start + end + 1;
        match tag.first() {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b'?' | b'!') | None => {}
            Some(_) if tag.ends_with(b"/") => {}
            Some(_) => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
        }
    }
    false
}

fn fail(file: &str, reason: impl Into<String>) -> Error {
    Error::Format {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

fn named<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Reads a KML document; `file` names it in messages.
///
/// # Errors
/// Not XML, not KML, a coordinate that is not a number (with its line), too
/// many placemarks; and what [`super::geojson::read`] refuses.
pub fn read(text: &str, file: &str, opts: &super::ReadOptions, t: &GridTransform) -> Result<Input> {
    if depth_over(text, MAX_DEPTH) {
        return Err(fail(
            file,
            format!("its elements nest more than {MAX_DEPTH} deep; no zone file needs that many folders in folders"),
        ));
    }
    let max = opts
        .max_features
        .map_or(MAX_PLACEMARKS, |m| m.min(MAX_PLACEMARKS));
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| fail(file, format!("not a KML document: {e}")))?;
    if doc.root_element().tag_name().name() != "kml" {
        return Err(fail(
            file,
            format!(
                "not a KML document: its root element is <{}>, not <kml>",
                doc.root_element().tag_name().name()
            ),
        ));
    }
    if opts.crs.is_some() {
        return Err(fail(
            file,
            "KML is always WGS84 longitude/latitude; --crs does not apply to it",
        ));
    }
    let mut features = Vec::new();
    for (i, pm) in doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Placemark")
        .enumerate()
    {
        if i >= max {
            return Err(fail(
                file,
                format!("has more than {max} placemarks; split it"),
            ));
        }
        features.push(placemark(pm, &doc, file)?);
    }
    if features.is_empty() {
        return Err(fail(
            file,
            "has no Placemark: draw each zone as a polygon placemark",
        ));
    }
    let fc = json!({"type": "FeatureCollection", "features": features});
    let mut input = super::geojson::read(&fc.to_string(), file, opts, t)?;
    file.clone_into(&mut input.file);
    Ok(input)
}

/// Whether a property name is a code's (`code`, or a field recognised as
/// one such as `MA`).
fn is_code_field(k: &str) -> bool {
    let folded: String = k
        .chars()
        .filter(|c| *c != '_' && *c != ' ')
        .flat_map(char::to_uppercase)
        .collect();
    k.eq_ignore_ascii_case("code")
        || super::fields::RECOGNISED
            .iter()
            .any(|(p, names)| *p == "code" && names.contains(&folded.as_str()))
}

/// One placemark as a GeoJSON feature.
fn placemark(pm: roxmltree::Node, doc: &roxmltree::Document, file: &str) -> Result<Value> {
    let mut props = Map::new();
    if let Some(data) = named(pm, "ExtendedData") {
        for d in data.descendants().filter(roxmltree::Node::is_element) {
            let Some(k) = d.attribute("name") else {
                continue;
            };
            match d.tag_name().name() {
                "SimpleData" => {
                    props.insert(k.to_owned(), value(d.text().unwrap_or_default()));
                }
                "Data" => {
                    let v = named(d, "value").and_then(|v| v.text()).unwrap_or_default();
                    props.insert(k.to_owned(), value(v));
                }
                _ => {}
            }
        }
    }
    let name = named(pm, "name")
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(n) = name {
        if !props.keys().any(|k| k.eq_ignore_ascii_case("name")) {
            props.insert("name".into(), Value::String(n.to_owned()));
        }
        if !props.keys().any(|k| is_code_field(k)) && !n.contains(char::is_whitespace) {
            props.insert("code".into(), Value::String(n.to_owned()));
        }
    }
    let mut geometry = None;
    for g in pm.children().filter(roxmltree::Node::is_element) {
        if let Some(v) = geometry_of(g, doc, file)? {
            geometry = Some(v);
            break;
        }
    }
    Ok(json!({"type": "Feature", "properties": props, "geometry": geometry}))
}

/// A text value: a number when it reads as one (KML data are text), but not
/// a code with leading zeros such as `007`.
fn value(s: &str) -> Value {
    let s = s.trim();
    let leading_zero = s.len() > 1 && s.starts_with('0') && !s.starts_with("0.");
    s.parse::<f64>()
        .ok()
        .filter(|_| !leading_zero)
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Value::String(s.to_owned()), Value::Number)
}

/// The GeoJSON geometry of a KML geometry element, `None` for another
/// element.
fn geometry_of(g: roxmltree::Node, doc: &roxmltree::Document, file: &str) -> Result<Option<Value>> {
    Ok(Some(match g.tag_name().name() {
        "Polygon" => json!({"type": "Polygon", "coordinates": rings(g, doc, file)?}),
        "MultiGeometry" => {
            let mut polygons = Vec::new();
            let mut other = None;
            for c in g.children().filter(roxmltree::Node::is_element) {
                match geometry_of(c, doc, file)? {
                    Some(Value::Object(o)) if o["type"] == "Polygon" => {
                        polygons.push(o["coordinates"].clone());
                    }
                    Some(Value::Object(o)) if o["type"] == "MultiPolygon" => {
                        polygons.extend(o["coordinates"].as_array().cloned().unwrap_or_default());
                    }
                    Some(v) => other = other.or(Some(v)),
                    None => {}
                }
            }
            match (polygons.is_empty(), other) {
                (true, Some(v)) => v,
                _ => json!({"type": "MultiPolygon", "coordinates": polygons}),
            }
        }
        "Point" => {
            let c = coordinates(g, doc, file)?;
            json!({"type": "Point", "coordinates": c.first().map(|p| p.to_vec()).unwrap_or_default()})
        }
        "LineString" | "LinearRing" => {
            json!({"type": "LineString", "coordinates": coordinates(g, doc, file)?})
        }
        _ => return Ok(None),
    }))
}

/// The rings of a `Polygon`: outer, then inner.
fn rings(
    poly: roxmltree::Node,
    doc: &roxmltree::Document,
    file: &str,
) -> Result<Vec<Vec<[f64; 2]>>> {
    let mut out = Vec::new();
    for (boundary, outer) in [("outerBoundaryIs", true), ("innerBoundaryIs", false)] {
        for b in poly
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == boundary)
        {
            if let Some(ring) = named(b, "LinearRing") {
                let r = coordinates(ring, doc, file)?;
                if outer {
                    out.insert(0, r);
                } else {
                    out.push(r);
                }
            }
        }
    }
    Ok(out)
}

/// The `coordinates` of an element: `lon,lat[,height]` tuples separated by
/// white space; a tuple that is not one is named with its line.
fn coordinates(
    el: roxmltree::Node,
    doc: &roxmltree::Document,
    file: &str,
) -> Result<Vec<[f64; 2]>> {
    let Some(c) = named(el, "coordinates") else {
        return Ok(Vec::new());
    };
    let text = c.text().unwrap_or_default();
    let start = c.first_child().map_or(c.range().start, |n| n.range().start);
    let mut out = Vec::new();
    let mut offset = 0;
    for tuple in text.split_whitespace() {
        let at = text[offset..].find(tuple).map_or(offset, |i| offset + i);
        offset = at + tuple.len();
        let mut it = tuple.split(',').map(str::trim);
        let mut num = || {
            it.next()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let (Some(lon), Some(lat)) = (num(), num()) else {
            let line = doc.text_pos_at(start + at).row;
            return Err(fail(
                file,
                format!("line {line}: {tuple:?} is not a coordinate (KML writes lon,lat[,height])"),
            ));
        };
        out.push([lon, lat]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KML: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
<Placemark><name>Khu công nghiệp Thử</name>
 <ExtendedData><SchemaData schemaUrl="#z"><SimpleData name="MA">KCN-KML-A</SimpleData>
 <SimpleData name="LOAI">Khu công nghiệp</SimpleData></SchemaData></ExtendedData>
 <Polygon><outerBoundaryIs><LinearRing><coordinates>
  106.20,21.30,0 106.21,21.30,0 106.21,21.31,0 106.20,21.31,0 106.20,21.30,0
 </coordinates></LinearRing></outerBoundaryIs>
 <innerBoundaryIs><LinearRing><coordinates>
  106.204,21.304 106.206,21.304 106.206,21.306 106.204,21.306 106.204,21.304
 </coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark>
<Placemark><name>CCN-KML-B</name><Point><coordinates>106.3,21.3</coordinates></Point></Placemark>
</Folder></Document></kml>"##;

    #[test]
    fn placemarks_become_zones_with_their_data() {
        let t = GridTransform::new().expect("PROJ");
        let input = read(KML, "t.kml", &super::super::ReadOptions::default(), &t).expect("read");
        assert_eq!(input.features.len(), 2);
        let a = input.features[0].as_ref().expect("polygon");
        assert_eq!(a.code, "KCN-KML-A");
        assert_eq!(a.properties["kind"], "KCN");
        assert_eq!(a.properties["name"], "Khu công nghiệp Thử");
        assert_eq!(a.grid.0[0].interiors().len(), 1);
        // the point placemark is named, with its code from its one-word name
        let b = input.features[1].as_ref().expect_err("a point");
        assert_eq!(b.code.as_deref(), Some("CCN-KML-B"));
    }

    #[test]
    fn bad_documents_are_named() {
        let t = GridTransform::new().expect("PROJ");
        let o = super::super::ReadOptions::default();
        let e = read("<html/>", "x.kml", &o, &t)
            .expect_err("not kml")
            .to_string();
        assert!(e.contains("<html>"), "{e}");
        let bad = KML.replace("106.21,21.31,0", "106.21;21.31");
        let e = read(&bad, "x.kml", &o, &t)
            .expect_err("bad number")
            .to_string();
        assert!(e.contains("line 7") && e.contains("106.21;21.31"), "{e}");
        let e = read("<kml", "x.kml", &o, &t)
            .expect_err("not xml")
            .to_string();
        assert!(e.contains("not a KML document"), "{e}");
    }
}
