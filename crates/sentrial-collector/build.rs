//! Compresses the dashboard's files (gzip, best level) into `OUT_DIR/dashboard/<name>.gz`, which
//! `src/dashboard/assets.rs` embeds: the collector ships inside the Node addon, whose size has a
//! budget, and browsers take gzip anyway.

use std::io::Write;
use std::path::Path;

fn main() {
    let src = Path::new("dashboard");
    println!("cargo:rerun-if-changed=dashboard");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("dashboard");
    std::fs::create_dir_all(&out).expect("create OUT_DIR/dashboard");
    for entry in std::fs::read_dir(src).expect("read dashboard/") {
        let path = entry.expect("dashboard entry").path();
        if !path.is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(&path).expect("read a dashboard file");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).expect("compress");
        let name = path.file_name().expect("a file name").to_string_lossy();
        std::fs::write(
            out.join(format!("{name}.gz")),
            gz.finish().expect("compress"),
        )
        .expect("write the compressed file");
    }
}
