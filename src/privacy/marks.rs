//! What the rules found: the characters to hide, and what kinds of personal data they
//! were.

/// What kind of personal data a masked span was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mobile,
    Landline,
    IdNumber,
    BankCard,
    Email,
    Qq,
    WeChat,
    Plate,
    /// A building, unit and flat that locate one household.
    Address,
    Name,
}

impl Kind {
    /// The kind's name in logs and reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Mobile => "mobile",
            Kind::Landline => "landline",
            Kind::IdNumber => "id_number",
            Kind::BankCard => "bank_card",
            Kind::Email => "email",
            Kind::Qq => "qq",
            Kind::WeChat => "wechat",
            Kind::Plate => "plate",
            Kind::Address => "address",
            Kind::Name => "name",
        }
    }
}

/// The characters of a text to hide, and the kinds found.
pub struct Marks {
    pub hide: Vec<bool>,
    pub kinds: Vec<Kind>,
}

impl Marks {
    pub fn new(len: usize) -> Marks {
        Marks {
            hide: vec![false; len],
            kinds: Vec::new(),
        }
    }

    /// Hides every character of `range` for which `which` says so.
    pub fn hide_where(
        &mut self,
        range: std::ops::Range<usize>,
        kind: Kind,
        which: impl Fn(usize) -> bool,
    ) {
        for i in range {
            if which(i) {
                self.hide[i] = true;
            }
        }
        self.kinds.push(kind);
    }
}
