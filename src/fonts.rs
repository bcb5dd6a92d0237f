//! The CJK-capable font compiled into the binary (WenQuanYi Micro Hei, Apache-2.0; see
//! assets/fonts): QR labels, chart PNGs and PDF pages draw every Chinese character on a
//! machine with no fonts installed, and PDFs embed the subset they use.

pub static CJK: &[u8] = include_bytes!("../assets/fonts/wqy-microhei.ttc");
