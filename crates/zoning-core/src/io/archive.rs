//! Zone files as they come in one piece: a ZIP of a shapefile (the `.shp`,
//! `.shx`, `.dbf`, `.prj`, `.cpg` side by side, as offices e-mail them), a KMZ
//! (a zipped KML), and bytes whose format is told by their content (an
//! upload, or a file that is not a `.shp`: [`read_bytes`]): ZIP, DXF
//! ([`super::dxf`]), KML, else GeoJSON.
//!
//! A ZIP is bounded: at most [`MAX_ENTRIES`] entries and [`MAX_UNZIPPED`]
//! bytes unpacked for the files read (a "zip bomb" is refused, not unpacked),
//! and an encrypted entry is refused with what to do.

use std::io::Read;

use crate::crs::GridTransform;
use crate::error::{Error, Result};

use super::{Input, ReadOptions};

/// The most entries a ZIP may list.
pub const MAX_ENTRIES: usize = 1_000;
/// The most bytes the files read from a ZIP may unpack to, together.
pub const MAX_UNZIPPED: u64 = 128 * 1024 * 1024;

fn fail(file: &str, reason: impl Into<String>) -> Error {
    Error::Format {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

/// What the bytes of an upload are, from their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A ZIP (zipped shapefile or KMZ).
    Zip,
    /// A KML document.
    Kml,
    /// A DXF drawing (ASCII or binary).
    Dxf,
    /// GeoJSON (anything else is tried as GeoJSON).
    GeoJson,
}

impl Format {
    /// The format of `bytes`, by content.
    #[must_use]
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") {
            return Self::Zip;
        }
        if super::dxf::looks_like_dxf(bytes) {
            return Self::Dxf;
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        let head = head.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with('<') {
            Self::Kml
        } else {
            Self::GeoJson
        }
    }
}

/// Reads a zone file from memory (an upload): GeoJSON, KML, a ZIP (zipped
/// shapefile or KMZ) or a DXF, told by its content; `file` names it in
/// messages.
///
/// # Errors
/// What the reader of its format refuses.
pub fn read_bytes(
    bytes: &[u8],
    file: &str,
    opts: &ReadOptions,
    t: &GridTransform,
) -> Result<Input> {
    match Format::sniff(bytes) {
        Format::Zip => read_zip(bytes, file, opts, t),
        Format::Kml => super::kml::read(&utf8(bytes, file)?, file, opts, t),
        Format::GeoJson => {
            let text = String::from_utf8(bytes.to_vec()).map_err(|e| Error::NotGeoJson {
                file: file.to_owned(),
                reason: format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            })?;
            super::geojson::read(&text, file, opts, t)
        }
        Format::Dxf => super::dxf::read_bytes(bytes, file, opts, t),
    }
}

fn utf8(bytes: &[u8], file: &str) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        fail(
            file,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// One file of the archive, read within the bound.
fn entry(
    zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    index: usize,
    file: &str,
    (budget, limit): (&mut u64, u64),
) -> Result<Vec<u8>> {
    let f = zip.by_index(index).map_err(|e| {
        fail(
            file,
            format!(
                "a file in it cannot be read ({e}); is it encrypted? send it without a password"
            ),
        )
    })?;
    if f.encrypted() {
        return Err(fail(
            file,
            format!(
                "{} in it is encrypted; send the ZIP without a password",
                f.name()
            ),
        ));
    }
    let name = f.name().to_owned();
    let mut out = Vec::new();
    let read = f
        .take(*budget + 1)
        .read_to_end(&mut out)
        .map_err(|e| fail(file, format!("{name} in it cannot be unpacked: {e}")))?;
    if read as u64 > *budget {
        return Err(fail(
            file,
            format!(
                "unpacks to more than {:.1} MiB; send the shapefile itself, or a smaller one",
                limit as f64 / 1024.0 / 1024.0
            ),
        ));
    }
    *budget -= read as u64;
    Ok(out)
}

/// The name of a file in a ZIP without its folders.
fn base(stem: &str) -> String {
    stem.rsplit('/').next().unwrap_or(stem).to_owned()
}

/// The shapefile (its path without extension) to read of those in a ZIP:
/// the one named by `layer`, else the only one.
fn choose(shps: &[(usize, String)], layer: Option<&str>, file: &str) -> Result<String> {
    // names, with their folders when two have the same name
    let list = || {
        let names: Vec<String> = shps.iter().map(|(_, s)| base(s)).collect();
        let dup = (1..names.len()).any(|i| names[..i].contains(&names[i]));
        if dup {
            shps.iter()
                .map(|(_, s)| s.clone())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            names.join(", ")
        }
    };
    match (layer, shps) {
        (Some(layer), _) => {
            // by its path in the ZIP, else by its name when only one has it
            let exact: Vec<&String> = shps
                .iter()
                .map(|(_, s)| s)
                .filter(|s| s.eq_ignore_ascii_case(layer))
                .collect();
            let named: Vec<&String> = shps
                .iter()
                .map(|(_, s)| s)
                .filter(|s| base(s).eq_ignore_ascii_case(layer))
                .collect();
            match (exact.as_slice(), named.as_slice()) {
                ([one], _) | ([], [one]) => Ok((*one).clone()),
                ([], []) => Err(fail(
                    file,
                    format!("holds no shapefile named {layer}; it holds {}", list()),
                )),
                _ => Err(fail(
                    file,
                    format!(
                        "holds {} shapefiles named {layer} ({}); give the one you mean with its folder, e.g. --layer {} (layer= over HTTP)",
                        named.len(),
                        list(),
                        named[0]
                    ),
                )),
            }
        }
        (None, [(_, one)]) => Ok(one.clone()),
        (None, many) => Err(fail(
            file,
            format!(
                "holds {} shapefiles ({}); say which with --layer NAME (layer= over HTTP)",
                many.len(),
                list()
            ),
        )),
    }
}

/// Reads a ZIP holding one shapefile (or several, one chosen by
/// `opts.layer`, its name without extension) or a KML (a KMZ).
///
/// # Errors
/// Not a ZIP, encrypted, too large, no shapefile or KML in it, several
/// shapefiles and no layer, a shapefile without its `.shx` or `.dbf`; and
/// what the shapefile or KML reader refuses.
pub fn read_zip(bytes: &[u8], file: &str, opts: &ReadOptions, t: &GridTransform) -> Result<Input> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| fail(file, format!("not a ZIP archive that can be read: {e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(fail(
            file,
            format!("lists more than {MAX_ENTRIES} files; send the shapefile alone"),
        ));
    }
    let names: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| zip.name_for_index(i).map(|n| (i, n.to_owned())))
        .filter(|(_, n)| !n.ends_with('/') && !n.starts_with("__MACOSX/"))
        .collect();
    let ext = |n: &str| {
        n.rsplit_once('.')
            .map(|(stem, e)| (stem.to_owned(), e.to_ascii_lowercase()))
    };
    let limit = opts.max_unzipped.unwrap_or(MAX_UNZIPPED);
    let mut budget = limit;
    // a KMZ: its KML (doc.kml first)
    let mut kml: Vec<&(usize, String)> = names
        .iter()
        .filter(|(_, n)| ext(n).is_some_and(|(_, e)| e == "kml"))
        .collect();
    kml.sort_by_key(|(_, n)| !n.eq_ignore_ascii_case("doc.kml"));
    let shps: Vec<(usize, String)> = names
        .iter()
        .filter_map(|(i, n)| {
            ext(n)
                .filter(|(_, e)| e == "shp")
                .map(|(stem, _)| (*i, stem))
        })
        .collect();
    if shps.is_empty() {
        if let Some((i, n)) = kml.first() {
            let text = entry(&mut zip, *i, file, (&mut budget, limit))?;
            let text = utf8(&text, &format!("{file}/{n}"))?;
            return super::kml::read(&text, &format!("{file}/{n}"), opts, t);
        }
        return Err(fail(
            file,
            "holds no shapefile (.shp with its .shx and .dbf) and no KML; zip the shapefile's files together",
        ));
    }
    let stem = choose(&shps, opts.layer.as_deref(), file)?;
    let mut part = |want: &str| -> Result<Option<Vec<u8>>> {
        let Some((i, _)) = names
            .iter()
            .find(|(_, n)| ext(n).is_some_and(|(s, e)| s.eq_ignore_ascii_case(&stem) && e == want))
        else {
            return Ok(None);
        };
        entry(&mut zip, *i, file, (&mut budget, limit)).map(Some)
    };
    let missing = |what: &str| {
        fail(
            file,
            format!("its shapefile {} has no .{what}; a shapefile needs the .shp, .shx and .dbf together", base(&stem)),
        )
    };
    let shp = part("shp")?.ok_or_else(|| missing("shp"))?;
    let shx = part("shx")?.ok_or_else(|| missing("shx"))?;
    let dbf = part("dbf")?.ok_or_else(|| missing("dbf"))?;
    let prj = part("prj")?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let cpg = part("cpg")?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let name = format!("{file}/{}.shp", base(&stem));
    super::shapefile::read_parts(
        &name,
        super::shapefile::Parts {
            shp: &shp,
            shx: &shx,
            dbf: &dbf,
            prj: prj.as_deref(),
            cpg: cpg.as_deref(),
        },
        opts,
        t,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content() {
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(Format::sniff(b"\xef\xbb\xbf<?xml version"), Format::Kml);
        assert_eq!(Format::sniff(b"  0\nSECTION\n  2\nHEADER"), Format::Dxf);
        assert_eq!(Format::sniff(b"AutoCAD Binary DXF\r\n\x1a\0"), Format::Dxf);
        assert_eq!(
            Format::sniff(b"{\"type\":\"FeatureCollection\"}"),
            Format::GeoJson
        );
    }

    #[test]
    fn a_zip_without_a_shapefile_is_named() {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            w.start_file("readme.txt", zip::write::SimpleFileOptions::default())
                .expect("zip");
            std::io::Write::write_all(&mut w, b"hello").expect("zip");
            w.finish().expect("zip");
        }
        let t = GridTransform::new().expect("PROJ");
        let e = read_zip(buf.get_ref(), "z.zip", &ReadOptions::default(), &t)
            .expect_err("no shapefile")
            .to_string();
        assert!(e.contains("no shapefile"), "{e}");
        let e = read_zip(b"PK\x03\x04garbage", "z.zip", &ReadOptions::default(), &t)
            .expect_err("damaged")
            .to_string();
        assert!(e.contains("not a ZIP"), "{e}");
    }
}
