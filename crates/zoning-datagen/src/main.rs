//! `zoning-datagen [DATA_DIR]`: rewrites `DATA_DIR/zones.geojson` (default `data`).
//! With `--check`, compares instead and fails when the committed file differs.

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut check = false;
    let mut data = PathBuf::from("data");
    for arg in std::env::args().skip(1) {
        if arg == "--check" {
            check = true;
        } else {
            data = PathBuf::from(arg);
        }
    }
    let text = zoning_datagen::generate(&data)?;
    let out = data.join("zones.geojson");
    if check {
        let committed = std::fs::read_to_string(&out)?;
        anyhow::ensure!(
            committed == text,
            "{} is not what the generator makes; run `make data`",
            out.display()
        );
        eprintln!("{} is up to date", out.display());
    } else {
        std::fs::write(&out, text)?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
