//! Chinese words: the one jieba dictionary of the process (loaded once, on first use),
//! for segmenting residents' open answers into words and for telling a person's name
//! from other words when masking personal data.

/// The segmenter, its dictionary compiled in.
pub fn jieba() -> &'static jieba_rs::Jieba {
    static J: std::sync::OnceLock<jieba_rs::Jieba> = std::sync::OnceLock::new();
    J.get_or_init(jieba_rs::Jieba::new)
}
