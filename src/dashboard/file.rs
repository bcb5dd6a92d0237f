//! A file for download, as the web layer sends it.

/// A file for download.
pub struct File {
    pub name: String,
    pub kind: FileKind,
    pub body: Body,
    /// What the audit log records of it.
    pub what: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
    Zip,
    Pdf,
    Docx,
}

/// A download's content.
pub enum Body {
    Bytes(Vec<u8>),
    /// A file written to disk first (already unlinked; sent from its handle), so its
    /// size does not have to fit in memory.
    Disk(std::fs::File),
    /// The responses CSV of a scope, written while it is sent ([`write_responses_csv`]).
    Csv {
        district: Option<String>,
    },
}
