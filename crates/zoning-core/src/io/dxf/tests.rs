//! Drawings written pair by pair, as the DXF reference lays them out.

use std::fmt::Write as _;

use geo::Area;

use super::*;
use crate::io::ReadOptions;

/// A drawing of `entities` (pairs as `(code, value)`), with a HEADER and a
/// LAYER table.
fn drawing(entities: &[(i32, String)]) -> String {
    let mut s = String::from(
        "999\nmade by hand\n0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1015\n9\n$INSUNITS\n70\n6\n0\nENDSEC\n\
         0\nSECTION\n2\nTABLES\n0\nTABLE\n2\nLAYER\n0\nLAYER\n2\nRANH_GIOI\n0\nLAYER\n2\nEMPTY\n0\nENDTAB\n0\nENDSEC\n\
         0\nSECTION\n2\nENTITIES\n",
    );
    for (c, v) in entities {
        write!(s, "{c:>3}\n{v}\n").expect("to a String");
    }
    s.push_str("  0\nENDSEC\n  0\nEOF\n");
    s
}

fn pairs_of(text: &str) -> Vec<(i32, String)> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(2)
        .map(|c| (c[0].trim().parse().expect("code"), c[1].to_owned()))
        .collect()
}

/// An LWPOLYLINE through `pts` (with bulges), `closed` by flag.
fn lwpolyline(handle: &str, layer: &str, pts: &[(f64, f64, f64)], closed: bool) -> String {
    let mut s = format!(
        "0\nLWPOLYLINE\n5\n{handle}\n100\nAcDbEntity\n8\n{layer}\n100\nAcDbPolyline\n90\n{}\n70\n{}\n",
        pts.len(),
        i32::from(closed)
    );
    for (x, y, b) in pts {
        write!(s, "10\n{x}\n20\n{y}\n").expect("to a String");
        if *b != 0.0 {
            write!(s, "42\n{b}\n").expect("to a String");
        }
    }
    s
}

fn text(x: f64, y: f64, value: &str) -> String {
    format!("0\nTEXT\n8\nCHU\n10\n{x}\n20\n{y}\n40\n5\n1\n{value}\n")
}

const E: f64 = 420_000.0;
const N: f64 = 2_350_000.0;

fn square(x: f64, y: f64, s: f64) -> Vec<(f64, f64, f64)> {
    vec![
        (x, y, 0.0),
        (x + s, y, 0.0),
        (x + s, y + s, 0.0),
        (x, y + s, 0.0),
    ]
}

fn read_text(text: &str, opts: &ReadOptions) -> Result<Input> {
    let t = GridTransform::new().expect("PROJ");
    read_bytes(text.as_bytes(), "in.dxf", opts, &t)
}

fn opts() -> ReadOptions {
    ReadOptions::with_crs(Some("EPSG:9214"))
}

fn grid_area(f: &InputFeature) -> f64 {
    f.grid.unsigned_area()
}

#[test]
fn closed_polylines_with_codes_from_texts_and_numbers_otherwise() {
    let body = [
        lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
        text(E + 100.0, N + 100.0, "KCN-01"),
        text(E + 200.0, N + 200.0, "Khu công nghiệp Thử"),
        lwpolyline("30", "RANH_GIOI", &square(E + 1000.0, N, 300.0), false),
        // closed by repeating the first vertex
        lwpolyline(
            "31",
            "RANH_GIOI",
            &[
                (E + 2000.0, N, 0.0),
                (E + 2100.0, N, 0.0),
                (E + 2100.0, N + 100.0, 0.0),
                (E + 2000.0, N, 0.0),
            ],
            false,
        ),
    ]
    .concat();
    let input = read_text(&drawing(&pairs_of(&body)), &opts()).expect("reads");
    let f = input.into_features_ok();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].code, "KCN-01");
    assert_eq!(f[0].properties["TEXT2"], "Khu công nghiệp Thử");
    assert_eq!(f[0].properties["LAYER"], "RANH_GIOI");
    assert_eq!(f[0].properties["HANDLE"], "2F");
    assert!((grid_area(&f[0]) - 250_000.0).abs() < 1e-3);
    assert_eq!(f[1].code, "DXF-1");
    assert!((grid_area(&f[1]) - 5_000.0).abs() < 1e-3);
}

impl Input {
    fn into_features_ok(self) -> Vec<InputFeature> {
        self.into_features().expect("every feature reads")
    }
}

#[test]
fn unclosed_and_numbered_are_warned_about_by_handle_and_layer() {
    let body = [
        lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
        lwpolyline("30", "RANH_GIOI", &square(E + 1000.0, N, 300.0), false),
    ]
    .concat();
    let input = read_text(&drawing(&pairs_of(&body)), &opts()).expect("reads");
    let w = input.warnings.join("\n");
    assert!(
        w.contains("LWPOLYLINE 30 (layer RANH_GIOI, line ") && w.contains("is not closed"),
        "{w}"
    );
    assert!(w.contains("numbered DXF-1"), "{w}");
}

#[test]
fn crs_is_required_and_must_be_a_legal_grid() {
    let body = lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true);
    let d = drawing(&pairs_of(&body));
    let m = read_text(&d, &ReadOptions::default())
        .expect_err("refused")
        .to_string();
    assert!(
        m.starts_with("in.dxf: ") && m.contains("--crs") && m.contains("EPSG:9214"),
        "{m}"
    );
    let m = read_text(&d, &ReadOptions::with_crs(Some("EPSG:32648")))
        .expect_err("refused")
        .to_string();
    assert!(
        m.contains("--crs EPSG:32648") && m.contains("EPSG:9209"),
        "{m}"
    );
    // the other grid is taken, and recorded as the file's grid
    let input = read_text(&d, &ReadOptions::with_crs(Some("EPSG:9209"))).expect("reads");
    assert_eq!(input.grid, Some(LegalGrid::Tm3_105_30));
}

#[test]
fn a_layer_is_selected_or_the_layers_are_listed() {
    let body = [
        lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
        lwpolyline("30", "KHAC", &square(E + 1000.0, N, 300.0), true),
        lwpolyline("31", "DUONG", &square(E + 2000.0, N, 300.0), false),
    ]
    .concat();
    let d = drawing(&pairs_of(&body));
    let mut o = opts();
    o.layer = Some("ranh_gioi".into());
    let f = read_text(&d, &o).expect("reads").into_features_ok();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].properties["HANDLE"], "2F");
    o.layer = Some("NOPE".into());
    let m = read_text(&d, &o).expect_err("refused").to_string();
    assert!(m.contains("no layer \"NOPE\""), "{m}");
    assert!(
        m.contains("RANH_GIOI (1 closed boundary)")
            && m.contains("KHAC (1 closed boundary)")
            && m.contains("DUONG (1 other entity)")
            && m.contains("EMPTY (empty)"),
        "{m}"
    );
    o.layer = Some("DUONG".into());
    let m = read_text(&d, &o).expect_err("refused").to_string();
    assert!(m.contains("layer \"DUONG\" has no closed polyline"), "{m}");
}

#[test]
fn old_polylines_with_bulges_are_arcs() {
    // a 200 m square whose top edge bulges out by a half circle (bulge 1 on
    // the edge from the top-right to the top-left corner)
    let mut s =
        String::from("0\nPOLYLINE\n5\nA1\n8\nRANH_GIOI\n66\n1\n70\n1\n10\n0\n20\n0\n30\n0\n");
    for (x, y, b) in [
        (E, N, 0.0),
        (E + 200.0, N, 0.0),
        (E + 200.0, N + 200.0, 1.0),
        (E, N + 200.0, 0.0),
    ] {
        write!(s, "0\nVERTEX\n8\nRANH_GIOI\n10\n{x}\n20\n{y}\n42\n{b}\n").expect("to a String");
    }
    s.push_str("0\nSEQEND\n");
    s.push_str(&text(E + 100.0, N + 250.0, "CCN-02"));
    let f = read_text(&drawing(&pairs_of(&s)), &opts())
        .expect("reads")
        .into_features_ok();
    assert_eq!(f.len(), 1);
    // the text is inside the half circle, above the square
    assert_eq!(f[0].code, "CCN-02");
    let exact = 200.0 * 200.0 + std::f64::consts::PI * 100.0 * 100.0 / 2.0;
    let a = grid_area(&f[0]);
    assert!((a - exact).abs() < 0.01, "{a} vs {exact}");
}

fn hatch(handle: &str, paths: &str, n: usize) -> String {
    format!(
        "0\nHATCH\n5\n{handle}\n100\nAcDbEntity\n8\nRANH_GIOI\n100\nAcDbHatch\n10\n0\n20\n0\n30\n0\n\
         210\n0\n220\n0\n230\n1\n2\nSOLID\n70\n1\n71\n0\n91\n{n}\n{paths}75\n1\n76\n1\n98\n0\n"
    )
}

#[test]
fn hatch_polyline_paths_nest_into_holes() {
    let outer = format!(
        "92\n3\n72\n0\n73\n1\n93\n4\n10\n{E}\n20\n{N}\n10\n{}\n20\n{N}\n10\n{}\n20\n{}\n10\n{E}\n20\n{}\n97\n0\n",
        E + 400.0,
        E + 400.0,
        N + 400.0,
        N + 400.0
    );
    let inner = format!(
        "92\n2\n72\n0\n73\n1\n93\n4\n10\n{}\n20\n{}\n10\n{}\n20\n{}\n10\n{}\n20\n{}\n10\n{}\n20\n{}\n97\n0\n",
        E + 100.0,
        N + 100.0,
        E + 200.0,
        N + 100.0,
        E + 200.0,
        N + 200.0,
        E + 100.0,
        N + 200.0
    );
    let body = [
        hatch("H1", &format!("{outer}{inner}"), 2),
        // a text in the hole belongs to nothing; one in the hatch is its code
        text(E + 150.0, N + 150.0, "IN-HOLE"),
        text(E + 300.0, N + 300.0, "KCN-03"),
    ]
    .concat();
    let f = read_text(&drawing(&pairs_of(&body)), &opts())
        .expect("reads")
        .into_features_ok();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, "KCN-03");
    assert!(f[0].properties.get("TEXT2").is_none());
    assert_eq!(f[0].properties["ENTITY"], "HATCH");
    assert!((grid_area(&f[0]) - (160_000.0 - 10_000.0)).abs() < 1e-3);
}

#[test]
fn hatch_edge_paths_with_lines_and_arcs() {
    // a 100 m square, its right side replaced by a counter-clockwise half
    // circle (centre at the side's middle), and its left side by a
    // clockwise one bulging inwards (angles stored as 360° − angle)
    let r = 50.0;
    let edges = format!(
        "92\n1\n93\n4\n\
         72\n1\n10\n{E}\n20\n{N}\n11\n{}\n21\n{N}\n\
         72\n2\n10\n{}\n20\n{}\n40\n{r}\n50\n270\n51\n90\n73\n1\n\
         72\n1\n10\n{}\n21\n{}\n11\n{E}\n21\n{}\n",
        E + 100.0,
        E + 100.0,
        N + 50.0,
        E + 100.0,
        N + 100.0,
        N + 100.0
    );
    // the line edge above is deliberately wrong (21 for 20): the hatch is
    // skipped with a warning, not a panic
    let body = hatch("H2", &format!("{edges}97\n0\n"), 1);
    let input = read_text(&drawing(&pairs_of(&body)), &opts());
    let m = input.expect_err("no boundary left").to_string();
    assert!(m.contains("no closed polyline or HATCH"), "{m}");

    let edges = format!(
        "92\n1\n93\n4\n\
         72\n1\n10\n{E}\n20\n{N}\n11\n{}\n21\n{N}\n\
         72\n2\n10\n{}\n20\n{}\n40\n{r}\n50\n270\n51\n90\n73\n1\n\
         72\n1\n10\n{}\n20\n{}\n11\n{E}\n21\n{}\n\
         72\n2\n10\n{E}\n20\n{}\n40\n{r}\n50\n270\n51\n90\n73\n0\n97\n0\n",
        E + 100.0,
        E + 100.0,
        N + 50.0,
        E + 100.0,
        N + 100.0,
        N + 100.0,
        N + 50.0,
    );
    let body = [hatch("H3", &edges, 1), text(E + 140.0, N + 50.0, "Z")].concat();
    let f = read_text(&drawing(&pairs_of(&body)), &opts())
        .expect("reads")
        .into_features_ok();
    assert_eq!(f.len(), 1);
    // the text is in the right half circle
    assert_eq!(f[0].code, "Z");
    // the clockwise arc from (E, N+100) to (E, N) through angle 0 cuts the
    // same half circle out of the left side as the right one adds
    let a = grid_area(&f[0]);
    assert!((a - 10_000.0).abs() < 0.01, "{a}");
    let ring = &f[0].grid.0[0].exterior().0;
    assert!(ring.iter().any(|c| c.x > E + 149.0));
    assert!(ring
        .iter()
        .any(|c| c.x > E + 49.0 && c.x < E + 51.0 && (c.y - N - 50.0).abs() < 1.0));
}

#[test]
fn associative_hatches_are_read_once() {
    let body = [
        lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
        hatch(
            "H1",
            &format!(
                "92\n7\n72\n0\n73\n1\n93\n4\n10\n{E}\n20\n{N}\n10\n{}\n20\n{N}\n10\n{}\n20\n{}\n10\n{E}\n20\n{}\n97\n1\n330\n2F\n",
                E + 500.0,
                E + 500.0,
                N + 500.0,
                N + 500.0
            ),
            1,
        ),
    ]
    .concat();
    let input = read_text(&drawing(&pairs_of(&body)), &opts()).expect("reads");
    assert!(input
        .warnings
        .iter()
        .any(|w| w.contains("repeats the boundary of LWPOLYLINE 2F")));
    assert_eq!(input.into_features_ok().len(), 1);
}

#[test]
fn a_polyline_inside_another_on_its_layer_is_its_hole() {
    let body = [
        lwpolyline("A", "RANH_GIOI", &square(E, N, 500.0), true),
        lwpolyline("B", "RANH_GIOI", &square(E + 100.0, N + 100.0, 100.0), true),
        // on another layer it is a zone of its own
        lwpolyline("C", "KHAC", &square(E + 300.0, N + 300.0, 100.0), true),
    ]
    .concat();
    let input = read_text(&drawing(&pairs_of(&body)), &opts()).expect("reads");
    assert!(input
        .warnings
        .iter()
        .any(|w| w.contains("LWPOLYLINE B (layer RANH_GIOI") && w.contains("read as its hole")));
    let f = input.into_features_ok();
    assert_eq!(f.len(), 2);
    assert!((grid_area(&f[0]) - (250_000.0 - 10_000.0)).abs() < 1e-3);
    assert!((grid_area(&f[1]) - 10_000.0).abs() < 1e-3);
}

#[test]
fn block_attributes_feed_the_field_mapping() {
    let body = [
        lwpolyline("2F", "KCN", &square(E, N, 500.0), true),
        format!(
            "0\nINSERT\n8\nCHU\n2\nNHAN_KHU\n10\n{}\n20\n{}\n66\n1\n\
             0\nATTRIB\n8\nCHU\n10\n0\n20\n0\n1\nKCN-07\n2\nMA\n\
             0\nATTRIB\n8\nCHU\n10\n0\n20\n0\n1\nKhu c\\U+00F4ng nghi\\U+1EC7p Đình Trám\n2\nTEN\n\
             0\nATTRIB\n8\nCHU\n10\n0\n20\n0\n1\nKhu công nghiệp\n2\nLOAI\n0\nSEQEND\n",
            E + 250.0,
            N + 250.0
        ),
        text(E + 10.0, N + 10.0, "ignored as code"),
    ]
    .concat();
    let input = read_text(&drawing(&pairs_of(&body)), &opts()).expect("reads");
    assert!(input
        .fields
        .iter()
        .any(|u| u.property == "code" && u.field == "MA"));
    let f = input.into_features_ok();
    assert_eq!(f[0].code, "KCN-07");
    assert_eq!(f[0].properties["name_vi"], "Khu công nghiệp Đình Trám");
    assert_eq!(f[0].properties["kind"], "KCN");
    // --field kind=LAYER takes the kind from the layer's name
    let mut o = opts();
    o.fields = crate::io::fields::FieldMap::parse(["kind=LAYER"], None).expect("mapping");
    let body = lwpolyline("2F", "CCN", &square(E, N, 500.0), true);
    let f = read_text(&drawing(&pairs_of(&body)), &o)
        .expect("reads")
        .into_features_ok();
    assert_eq!(f[0].properties["kind"], "CCN");
}

#[test]
fn mtext_formatting_and_escapes_are_removed() {
    assert_eq!(
        plain_mtext("{\\fArial|b1|i0|c163|p34;KCN\\P}\\H2.5x;Quang \\LChâu\\l \\S1^2;"),
        "KCN Quang Châu 1/2"
    );
    assert_eq!(
        unescape("Ch\\U+00E2u %%d %%p1 %%c5 100%%%"),
        "Châu ° ±1 ⌀5 100%"
    );
    let body = [
        lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
        format!(
            "0\nMTEXT\n8\nCHU\n10\n{}\n20\n{}\n40\n5\n3\n{{\\fArial;KCN-\n1\n09}}\\PKhu c\\U+00F4ng nghi\\U+1EC7p\n",
            E + 5.0,
            N + 5.0
        ),
    ]
    .concat();
    let f = read_text(&drawing(&pairs_of(&body)), &opts())
        .expect("reads")
        .into_features_ok();
    assert_eq!(f[0].code, "KCN-09 Khu công nghiệp");
}

#[test]
fn windows_1258_text_is_decoded_by_the_code_page() {
    let mut d = drawing(&pairs_of(
        &[
            lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
            text(E + 5.0, N + 5.0, "@@"),
        ]
        .concat(),
    ))
    .replace(
        "9\n$INSUNITS",
        "9\n$DWGCODEPAGE\n3\nANSI_1258\n9\n$INSUNITS",
    )
    .into_bytes();
    // "Châu" in Windows-1258: â is 0xE2
    let at = d.windows(2).position(|w| w == b"@@").expect("marker");
    d.splice(at..at + 2, b"Ch\xe2u".iter().copied());
    let t = GridTransform::new().expect("PROJ");
    let f = read_bytes(&d, "in.dxf", &opts(), &t)
        .expect("reads")
        .into_features_ok();
    assert_eq!(f[0].code, "Châu");
}

/// The same drawing as binary DXF (two-byte group codes, typed values).
fn binary(text: &str) -> Vec<u8> {
    let mut b = pairs::BINARY_SENTINEL.to_vec();
    for (code, v) in pairs_of(text) {
        let c = u16::try_from(code).expect("code");
        b.extend_from_slice(&c.to_le_bytes());
        match code {
            10..=59 | 110..=149 | 210..=239 => {
                b.extend_from_slice(&v.trim().parse::<f64>().expect("real").to_le_bytes());
            }
            60..=79 | 170..=179 | 270..=289 => {
                b.extend_from_slice(&v.trim().parse::<i16>().expect("i16").to_le_bytes());
            }
            90..=99 => b.extend_from_slice(&v.trim().parse::<i32>().expect("i32").to_le_bytes()),
            _ => {
                b.extend_from_slice(v.as_bytes());
                b.push(0);
            }
        }
    }
    b
}

#[test]
fn binary_dxf_reads_as_ascii() {
    let body = [
        lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
        text(E + 5.0, N + 5.0, "KCN-01"),
        lwpolyline("30", "RANH_GIOI", &square(E + 1000.0, N, 300.0), false),
    ]
    .concat();
    let d = drawing(&pairs_of(&body));
    let b = binary(&d);
    assert!(looks_like_dxf(&b) && looks_like_dxf(d.as_bytes()));
    let t = GridTransform::new().expect("PROJ");
    let input = read_bytes(&b, "in.dxf", &opts(), &t).expect("reads");
    assert!(input
        .warnings
        .iter()
        .any(|w| w.contains("LWPOLYLINE 30 (layer RANH_GIOI, byte ")));
    let f = input.into_features_ok();
    assert_eq!(f[0].code, "KCN-01");
    assert!((grid_area(&f[0]) - 250_000.0).abs() < 1e-3);
    // cut short: the byte offset is named
    let m = read_bytes(&b[..b.len() - 30], "in.dxf", &opts(), &t)
        .expect_err("refused")
        .to_string();
    assert!(
        m.contains("in.dxf: byte ") && m.contains("cut short"),
        "{m}"
    );
}

#[test]
fn northing_drawn_as_x_is_exchanged_back() {
    let swapped: Vec<(f64, f64, f64)> = square(E, N, 500.0)
        .into_iter()
        .map(|(x, y, b)| (y, x, b))
        .collect();
    let body = lwpolyline("2F", "RANH_GIOI", &swapped, true);
    let f = read_text(&drawing(&pairs_of(&body)), &opts())
        .expect("reads")
        .into_features_ok();
    assert!(f[0].swapped_axes);
    assert!(f[0].grid.0[0]
        .exterior()
        .0
        .iter()
        .all(|c| c.y > 2_000_000.0));
}

#[test]
fn damaged_files_are_named_by_line_never_a_panic() {
    let m = read_text("0\nSECTION\n2\nENTITIES\nten\n1\n", &opts())
        .expect_err("refused")
        .to_string();
    assert!(m.contains("in.dxf: line 5: a group code"), "{m}");
    let m = read_text("0\nSECTION\n2\nHEADER\n0\nENDSEC\n0\nEOF\n", &opts())
        .expect_err("refused")
        .to_string();
    assert!(m.contains("no ENTITIES section"), "{m}");
    // every prefix of a good drawing is refused or read, never a panic
    let body = [
        lwpolyline(
            "2F",
            "RANH_GIOI",
            &[(E, N, 0.3), (E + 9.0, N, 0.0), (E, N + 9.0, 0.0)],
            true,
        ),
        hatch(
            "H",
            &format!("92\n1\n93\n1\n72\n2\n10\n{E}\n20\n{N}\n40\n1e300\n50\n0\n51\n360\n73\n1\n"),
            1,
        ),
    ]
    .concat();
    let d = drawing(&pairs_of(&body));
    let t = GridTransform::new().expect("PROJ");
    for cut in (0..d.len()).step_by(7) {
        let _ = read_bytes(&d.as_bytes()[..cut], "in.dxf", &opts(), &t);
        let _ = read_bytes(&binary_prefix(&d, cut), "in.dxf", &opts(), &t);
    }
}

fn binary_prefix(d: &str, cut: usize) -> Vec<u8> {
    let b = binary(d);
    b[..cut.min(b.len())].to_vec()
}

/// The fixtures of `tests/e2e/test_dxf.py` (written by ezdxf).
const ZONES_DXF: &[u8] = include_bytes!("../../../../../tests/fixtures/dxf/zones.dxf");
const ZONES_BIN: &[u8] = include_bytes!("../../../../../tests/fixtures/dxf/zones-bin.dxf");

#[test]
fn the_ezdxf_fixtures_read_alike_in_ascii_and_binary() {
    let t = GridTransform::new().expect("PROJ");
    let mut o = opts();
    o.layer = Some("KCN".into());
    let a = read_bytes(ZONES_DXF, "zones.dxf", &o, &t)
        .expect("reads")
        .into_features_ok();
    let b = read_bytes(ZONES_BIN, "zones-bin.dxf", &o, &t)
        .expect("reads")
        .into_features_ok();
    assert_eq!(a.len(), 3);
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(a.code, b.code);
        assert_eq!(a.properties, b.properties);
        assert!((grid_area(a) - grid_area(b)).abs() < 1e-6);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Damaged drawings (bytes changed, the end cut off) are read or
    /// refused, never a panic.
    #[test]
    fn damaged_drawings_never_panic(
        binary in proptest::bool::ANY,
        edits in proptest::collection::vec((0usize..20_000, proptest::num::u8::ANY), 1..12),
        cut in 0usize..20_000,
    ) {
        let mut d = if binary { ZONES_BIN.to_vec() } else { ZONES_DXF.to_vec() };
        for (at, byte) in edits {
            let n = d.len();
            d[at % n] = byte;
        }
        d.truncate(d.len().saturating_sub(cut % 200));
        let t = GridTransform::new().expect("PROJ");
        let _ = read_bytes(&d, "damaged.dxf", &opts(), &t);
    }
}

#[test]
fn a_coordinate_that_is_not_a_number_is_named_by_line() {
    let body = [
        lwpolyline("2F", "RANH_GIOI", &square(E, N, 500.0), true),
        lwpolyline("30", "RANH_GIOI", &square(E + 1000.0, N, 300.0), true).replacen(
            &format!("10\n{}\n", E + 1000.0),
            "10\nabc\n",
            1,
        ),
    ]
    .concat();
    let d = drawing(&pairs_of(&body));
    let input = read_text(&d, &opts()).expect("reads");
    let w = input.warnings.join("\n");
    assert!(
        w.contains("LWPOLYLINE 30 (layer RANH_GIOI, line ")
            && w.contains("group code 10 is not a finite number (\"abc\")"),
        "{w}"
    );
    // alone, the file is refused with the reason
    let only = lwpolyline("30", "X", &square(E, N, 300.0), true).replacen(
        &format!("20\n{N}\n"),
        "20\n1e999\n",
        1,
    );
    let m = read_text(&drawing(&pairs_of(&only)), &opts())
        .expect_err("refused")
        .to_string();
    assert!(
        m.contains("no closed polyline or HATCH")
            && m.contains("Skipped: LWPOLYLINE 30 (layer X, line "),
        "{m}"
    );
}
