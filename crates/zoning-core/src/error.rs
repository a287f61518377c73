//! The error type of `zoning-core`.

/// Everything that can go wrong in the core: reading outside input, transforming
/// coordinates, and reading the targets. Every message names the file and, where
/// there is one, the feature or field, and says what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not a GeoJSON FeatureCollection at all.
    #[error("{file}: not a GeoJSON FeatureCollection ({reason}); export the layer as GeoJSON (RFC 7946, WGS84 lon/lat)")]
    NotGeoJson {
        /// The file as the user named it.
        file: String,
        /// What the parser said.
        reason: String,
    },
    /// One feature of a file cannot be used.
    #[error("{file}: {feature}: {reason}")]
    Feature {
        /// The file as the user named it.
        file: String,
        /// The feature, as `feature #N` (1-based) with its code when it has one.
        feature: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// PROJ could not build or run a transformation.
    #[error("PROJ cannot transform {from} → {to}: {reason}")]
    Proj {
        /// Source CRS.
        from: String,
        /// Target CRS.
        to: String,
        /// What PROJ said.
        reason: String,
    },
    /// A stake-out table would have more points than allowed.
    #[error("the stake-out table would have about {points} points, more than {max}; give a larger spacing")]
    TooManyPoints {
        /// Points the spacing asks for.
        points: f64,
        /// The most allowed.
        max: usize,
    },
    /// A KML, KMZ or ZIP cannot be read as a whole.
    #[error("{file}: {reason}")]
    Format {
        /// The file as the user named it.
        file: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A file cannot be opened or read.
    #[error("{file}: {reason}")]
    Io {
        /// The file as the user named it.
        file: String,
        /// What the system said.
        reason: String,
    },
    /// A shapefile cannot be read as a whole.
    #[error("{file}: {reason}")]
    Shapefile {
        /// The file as the user named it.
        file: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A DXF drawing cannot be read as a whole (the reason names the line,
    /// or the byte offset of a binary DXF, and what to do).
    #[error("{file}: {reason}")]
    Dxf {
        /// The file as the user named it.
        file: String,
        /// What is wrong, where, and what to do.
        reason: String,
    },
    /// A marker table cannot be read as a whole.
    #[error("{file}: {reason}")]
    Markers {
        /// The file as the user named it.
        file: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// The targets file cannot be read.
    #[error("{file}: {reason}")]
    Targets {
        /// The file as the user named it.
        file: String,
        /// What is wrong.
        reason: String,
    },
}

/// The result type of `zoning-core`.
pub type Result<T> = std::result::Result<T, Error>;
