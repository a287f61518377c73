//! Text encodings of the files Vietnamese offices send: UTF-8, Windows-1258,
//! TCVN3 (ABC), VNI-Windows and VISCII.

/// A text encoding a `.dbf` or CSV may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 (with or without BOM).
    Utf8,
    /// Windows-1258 (Vietnamese code page; tone marks as combining marks).
    Cp1258,
    /// TCVN3 / TCVN 5712:1993 VN3 (the ".VnTime" fonts, "ABC").
    Tcvn3,
    /// VNI-Windows (the "VNI-Times" fonts).
    Vni,
    /// VISCII (RFC 1456).
    Viscii,
}
