//! Chinese words: the one jieba dictionary of the process (loaded once, on first use),
//! for segmenting residents' open answers into words and for telling a person's name
//! from other words when masking personal data.

/// The segmenter, its dictionary compiled in.
pub fn jieba() -> &'static jieba_rs::Jieba {
    static J: std::sync::OnceLock<jieba_rs::Jieba> = std::sync::OnceLock::new();
    J.get_or_init(jieba_rs::Jieba::new)
}

/// The words of a text as jieba segments it, without punctuation, numbers or anything
/// else that is not letters (what remains of a masked phone number is no word).
pub fn tokens(text: &str) -> Vec<&str> {
    jieba()
        .cut(text, false)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
        .collect()
}
