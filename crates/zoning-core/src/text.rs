//! Text encodings of the files Vietnamese offices send: UTF-8, Windows-1258,
//! TCVN3 (ABC), VNI-Windows and VISCII.

/// A text encoding a `.dbf` or CSV may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 (with or without BOM).
    Utf8,
    /// Windows-1258 (Vietnamese code page; tone marks as combining marks).
    Cp1258,
    /// TCVN3 / TCVN 5712:1993 VN3 (the `.VnTime` fonts, "ABC").
    Tcvn3,
    /// VNI-Windows (the "VNI-Times" fonts).
    Vni,
    /// VISCII (RFC 1456).
    Viscii,
}

impl Encoding {
    /// The encoding a name says (`utf-8`, `cp1258`, `tcvn3`, `vni`, `viscii`,
    /// and their usual spellings), any case.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" | "65001" => Some(Self::Utf8),
            "cp1258" | "windows-1258" | "1258" => Some(Self::Cp1258),
            "tcvn3" | "tcvn" | "abc" | "tcvn5712" | ".vntime" => Some(Self::Tcvn3),
            "vni" | "vni-windows" => Some(Self::Vni),
            "viscii" => Some(Self::Viscii),
            _ => None,
        }
    }

    /// Its name in messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Cp1258 => "Windows-1258",
            Self::Tcvn3 => "TCVN3 (ABC)",
            Self::Vni => "VNI-Windows",
            Self::Viscii => "VISCII",
        }
    }
}
