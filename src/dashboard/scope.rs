//! The part of a survey a request covers: the whole city, or one district.

/// The part of a survey a request covers: the whole city, or one district.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    City,
    District(&'a str),
}

impl<'a> Scope<'a> {
    pub fn of(district: Option<&'a str>) -> Scope<'a> {
        district.map_or(Scope::City, Scope::District)
    }
    pub fn district(self) -> Option<&'a str> {
        match self {
            Scope::City => None,
            Scope::District(d) => Some(d),
        }
    }
    /// Whether figures of resident district `d` belong to this scope.
    pub fn covers(self, d: &str) -> bool {
        self.district().is_none_or(|x| x == d)
    }
}

/// Whether an estimate's group is district `d` or one of its communities (`d/…`).
pub fn in_district(group: &str, d: &str) -> bool {
    group
        .strip_prefix(d)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}
