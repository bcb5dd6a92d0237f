//! Text files as Excel saves them. An office edits the places file, the census or a
//! responses export in Excel and saves "CSV": on a Chinese Windows that is GBK
//! (GB18030 covers it), "CSV UTF-8" starts with a byte-order mark, and "Unicode text"
//! is UTF-16 with tabs between the columns. Every reader of such a file goes through
//! here: the encoding is taken as declared, or detected (a byte-order mark, else valid
//! UTF-8, else GB18030), the text handed on as UTF-8, and the encoding named so
//! messages can say how the file was read. Pure: bytes in, text out.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};
use std::io::Read;

#[derive(Debug, thiserror::Error)]
pub enum EncodingError {
    #[error("`{0}` is not an encoding minyi knows; use utf-8, gbk, gb18030 or utf-16")]
    Unknown(String),
    #[error("the file is neither UTF-8 nor GBK/GB18030 (line {line} has bytes that are neither); save it from Excel as \"CSV UTF-8\", or name its encoding (encoding = \"gbk\")")]
    Undecodable { line: usize },
    #[error("the file is not {encoding} (line {line} has bytes that are not); check the encoding named for it, or leave it out and let minyi detect it")]
    NotAsDeclared { encoding: &'static str, line: usize },
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

/// How a file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub encoding: &'static Encoding,
    /// A byte-order mark was there (and is not part of the text).
    pub bom: bool,
    /// Columns are separated by tabs (Excel's "Unicode text", or a header with tabs
    /// and no commas).
    pub tabs: bool,
}

impl Sniffed {
    /// Plain UTF-8 with commas (what a workbook's cells are handed on as).
    pub const PLAIN: Sniffed = Sniffed {
        encoding: UTF_8,
        bom: false,
        tabs: false,
    };

    /// The encoding as messages name it: "UTF-8", "GB18030 (GBK)", "UTF-16LE".
    pub fn name(&self) -> &'static str {
        if self.encoding == GB18030 {
            "GB18030 (GBK)"
        } else if self.encoding == UTF_8 && self.bom {
            "UTF-8 with BOM"
        } else {
            self.encoding.name()
        }
    }

    /// A file's name for messages: with how it was read when that is worth saying.
    pub fn describe(&self, file: &str) -> String {
        if self.unusual() {
            format!("{file} (read as {})", self.name())
        } else {
            file.to_string()
        }
    }

    /// Whether anything but plain UTF-8 with commas was read (worth saying).
    pub fn unusual(&self) -> bool {
        self.encoding != UTF_8 || self.tabs
    }

    /// The CSV reader's delimiter.
    pub fn delimiter(&self) -> u8 {
        if self.tabs {
            b'\t'
        } else {
            b','
        }
    }
}

/// An encoding's label as a definition or a command line names it.
pub fn by_label(label: &str) -> Result<&'static Encoding, EncodingError> {
    let l = label.trim().to_ascii_lowercase();
    match l.as_str() {
        // Excel's "Unicode" is little-endian UTF-16.
        "utf-16" | "utf16" | "unicode" => Ok(UTF_16LE),
        // GBK files may hold GB18030's extra characters; GB18030 reads both.
        "gbk" | "gb2312" | "gb18030" | "cp936" => Ok(GB18030),
        _ => Encoding::for_label(l.as_bytes()).ok_or(EncodingError::Unknown(label.to_string())),
    }
}

/// The line (from 1) of byte offset `at`.
fn line_at(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Which encoding `head` (a file's first bytes, or all of it when `complete`) is in:
/// the declared one, a byte-order mark's, UTF-8 when it is valid UTF-8 (a character
/// cut at the end of a part allowed), else GB18030 when that reads it.
pub fn sniff(
    head: &[u8],
    declared: Option<&str>,
    complete: bool,
) -> Result<Sniffed, EncodingError> {
    let (encoding, bom) = match Encoding::for_bom(head) {
        Some((e, _)) => (e, true),
        None => match declared {
            Some(d) => (by_label(d)?, false),
            None => match std::str::from_utf8(head) {
                Ok(_) => (UTF_8, false),
                Err(e) if e.error_len().is_none() && !complete => (UTF_8, false),
                Err(e) => {
                    // A part read may end inside a character: judge up to its last
                    // line break (never inside a GBK character: trail bytes are not
                    // 0x0A).
                    let body = match complete {
                        true => head,
                        false => head
                            .iter()
                            .rposition(|b| *b == b'\n')
                            .map_or(head, |i| &head[..=i]),
                    };
                    if GB18030
                        .decode_without_bom_handling_and_without_replacement(body)
                        .is_some()
                    {
                        (GB18030, false)
                    } else {
                        return Err(EncodingError::Undecodable {
                            line: line_at(head, e.valid_up_to()),
                        });
                    }
                }
            },
        },
    };
    let utf16 = encoding == UTF_16LE || encoding == UTF_16BE;
    let tabs = utf16 || {
        let (text, _) = encoding.decode_without_bom_handling(&head[..head.len().min(4096)]);
        let first = text.lines().next().unwrap_or("");
        first.contains('\t') && !first.contains(',')
    };
    Ok(Sniffed {
        encoding,
        bom,
        tabs,
    })
}

/// A whole file's text as UTF-8, and how it was read. Bytes the encoding cannot
/// read are an error with their line, never replaced.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<(String, Sniffed), EncodingError> {
    let sniffed = sniff(bytes, declared, true)?;
    let body = if sniffed.bom {
        Encoding::for_bom(bytes).map_or(bytes, |(_, n)| &bytes[n..])
    } else {
        bytes
    };
    let text = sniffed
        .encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .ok_or_else(|| {
            let at = match sniffed.encoding == UTF_8 {
                true => std::str::from_utf8(body)
                    .err()
                    .map_or(0, |e| e.valid_up_to()),
                false => 0,
            };
            EncodingError::NotAsDeclared {
                encoding: sniffed.name(),
                line: line_at(body, at),
            }
        })?;
    Ok((text.into_owned(), sniffed))
}

/// A file's text as CSV: decoded, and tab-separated columns turned into commas (so
/// every reader parses one shape), with how it was read.
pub fn csv_text(bytes: &[u8], declared: Option<&str>) -> Result<(String, Sniffed), EncodingError> {
    let (text, sniffed) = decode(bytes, declared)?;
    if !sniffed.tabs {
        return Ok((text, sniffed));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for r in rdr.records() {
        let r = r.map_err(|e| std::io::Error::other(e.to_string()))?;
        out.write_record(&r)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((String::from_utf8_lossy(&bytes).into_owned(), sniffed))
}

/// The first worksheet of an XLSX workbook as CSV text: each row a line, cells as
/// Excel shows them (whole numbers without a decimal point), empty rows at the end
/// left out.
pub fn xlsx_csv(bytes: &[u8]) -> Result<String, EncodingError> {
    use calamine::{Data, Reader};
    let bad = |e: &dyn std::fmt::Display| {
        EncodingError::Io(std::io::Error::other(format!(
            "not a readable .xlsx workbook: {e}"
        )))
    };
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let Some(first) = wb.sheet_names().first().cloned() else {
        return Err(bad(&"it has no worksheet"));
    };
    let range = wb.worksheet_range(&first).map_err(|e| bad(&e))?;
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in range.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                Data::Int(i) => i.to_string(),
                other => other.to_string(),
            })
            .collect();
        out.write_record(&cells).map_err(|e| bad(&e))?;
    }
    let bytes = out.into_inner().map_err(|e| bad(&e))?;
    let text = String::from_utf8(bytes).map_err(|e| bad(&e))?;
    // Rows Excel keeps formatted but empty would be lines of commas.
    let trimmed: Vec<&str> = text.lines().collect();
    let last = trimmed
        .iter()
        .rposition(|l| l.chars().any(|c| c != ','))
        .map_or(0, |i| i + 1);
    Ok(trimmed[..last].iter().map(|l| format!("{l}\n")).collect())
}

/// A reader that hands on a stream's text as UTF-8, decoding it as it goes (a
/// responses export of a million rows is never held whole).
pub struct Utf8Reader<R: Read> {
    inner: R,
    decoder: Option<encoding_rs::Decoder>,
    /// Bytes read but not yet decoded, and decoded bytes not yet handed on.
    raw: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    done: bool,
    /// Lines handed on so far (for a message at an undecodable byte).
    lines: usize,
}

/// How much is read before the encoding is decided.
const SNIFF: usize = 64 * 1024;

impl<R: Read> Utf8Reader<R> {
    /// Reads the first bytes to decide the encoding, then decodes the rest as it is
    /// read. Plain UTF-8 passes through untouched.
    pub fn new(mut inner: R, declared: Option<&str>) -> Result<(Self, Sniffed), EncodingError> {
        let mut head = vec![0u8; SNIFF];
        let mut n = 0;
        while n < SNIFF {
            match inner.read(&mut head[n..])? {
                0 => break,
                k => n += k,
            }
        }
        head.truncate(n);
        let sniffed = sniff(&head, declared, n < SNIFF)?;
        let skip = if sniffed.bom {
            Encoding::for_bom(&head).map_or(0, |(_, k)| k)
        } else {
            0
        };
        let plain = sniffed.encoding == UTF_8;
        Ok((
            Utf8Reader {
                inner,
                decoder: (!plain).then(|| sniffed.encoding.new_decoder_without_bom_handling()),
                raw: head[skip..].to_vec(),
                out: Vec::new(),
                at: 0,
                done: false,
                lines: 0,
            },
            sniffed,
        ))
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.at < self.out.len() {
                let n = buf.len().min(self.out.len() - self.at);
                buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            let mut chunk = std::mem::take(&mut self.raw);
            if chunk.is_empty() {
                let mut more = vec![0u8; SNIFF];
                let k = self.inner.read(&mut more)?;
                more.truncate(k);
                chunk = more;
            }
            let last = chunk.is_empty();
            self.out.clear();
            self.at = 0;
            match &mut self.decoder {
                None => {
                    self.out = chunk;
                    self.done = last;
                }
                Some(d) => {
                    let cap = d
                        .max_utf8_buffer_length_without_replacement(chunk.len())
                        .unwrap_or(chunk.len() * 3 + 16);
                    let mut out = vec![0u8; cap];
                    let (result, read, written) =
                        d.decode_to_utf8_without_replacement(&chunk, &mut out, last);
                    out.truncate(written);
                    if let encoding_rs::DecoderResult::Malformed(_, _) = result {
                        let line = self.lines + out.iter().filter(|b| **b == b'\n').count() + 1;
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("line {line} has bytes that are not in the file's encoding"),
                        ));
                    }
                    // What the decoder did not take waits for the next read.
                    self.raw = chunk[read..].to_vec();
                    self.lines += out.iter().filter(|b| **b == b'\n').count();
                    self.out = out;
                    self.done = last;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_utf8_with_bom_and_utf16_read_the_same() {
        let text = "code,name_zh\nXC,新城区\n";
        let (gbk, _, _) = GB18030.encode(text);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.replace(',', "\t").encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        for (bytes, name) in [
            (text.as_bytes().to_vec(), "UTF-8"),
            (gbk.into_owned(), "GB18030 (GBK)"),
            (bom, "UTF-8 with BOM"),
            (utf16, "UTF-16LE"),
        ] {
            let (t, s) = csv_text(&bytes, None).unwrap();
            assert_eq!(t, text, "{name}");
            assert_eq!(s.name(), name);
            let (mut r, _) = Utf8Reader::new(bytes.as_slice(), None).unwrap();
            let mut streamed = String::new();
            r.read_to_string(&mut streamed).unwrap();
            assert_eq!(streamed.replace('\t', ","), text, "{name} streamed");
        }
    }

    #[test]
    fn bytes_no_encoding_reads_are_placed() {
        let bad = b"code\nXC\n\xff\xff\xff\n";
        match decode(bad, None) {
            Err(EncodingError::Undecodable { line }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            by_label("klingon"),
            Err(EncodingError::Unknown(_))
        ));
    }
}
