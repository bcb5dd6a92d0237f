//! ZIP archives of named files (the posters' QR codes, the briefing pack).

use super::csv::ExportError;

/// A ZIP archive of named files (posters' QR codes, the briefing pack).
pub fn zip(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ExportError> {
    use std::io::Write;
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    let zerr = |e: &dyn std::fmt::Display| ExportError::Zip(e.to_string());
    for (name, bytes) in entries {
        w.start_file(name.as_str(), opts).map_err(|e| zerr(&e))?;
        w.write_all(bytes).map_err(|e| zerr(&e))?;
    }
    let cur = w.finish().map_err(|e| zerr(&e))?;
    Ok(cur.into_inner())
}
