//! The text of a `.dbf` or a CSV in any of the encodings `--encoding` names
//! (`text::decode`), and the detection that picks one (`text::detect`), over
//! arbitrary bytes. Nothing may panic; every decoding is NFC, and a TCVN3,
//! VISCII or Windows-1258 decoding is never empty for a non-empty input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unicode_normalization::is_nfc;
use zoning_core::text::{decode, detect, Encoding};

fuzz_target!(|data: &[u8]| {
    for enc in Encoding::ALL {
        let text = decode(data, enc);
        assert!(is_nfc(&text), "{enc}: not NFC");
        if !data.is_empty() && matches!(enc, Encoding::Tcvn3 | Encoding::Viscii | Encoding::Cp1258)
        {
            assert!(!text.is_empty(), "{enc}: {} bytes gave no text", data.len());
        }
    }
    let found = detect(data);
    assert_eq!(found.ascii, data.is_ascii(), "ascii");
    assert!(found.syllables <= found.words);
    if let Some(cpg) = std::str::from_utf8(data).ok().and_then(Encoding::from_cpg) {
        let _ = cpg.decode(data);
    }
});
