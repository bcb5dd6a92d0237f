//! An item's states and the changes between them. Pure.

use serde::Serialize;

use crate::definition::Lang;

/// Where a rectification item stands. The newest event says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Opened, no work reported yet.
    Open,
    /// The responsible unit is working on it.
    InProgress,
    /// The unit reports it done; the next wave decides.
    Awaiting,
    /// 销号: closed, by the rule or with a written reason.
    SignedOff,
    /// Signed off once, then opened again.
    Reopened,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Open,
        State::InProgress,
        State::Awaiting,
        State::SignedOff,
        State::Reopened,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Open => "open",
            State::InProgress => "in_progress",
            State::Awaiting => "awaiting",
            State::SignedOff => "signed_off",
            State::Reopened => "reopened",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name(self, l: Lang) -> &'static str {
        match self {
            State::Open => l.pick("已立项", "open"),
            State::InProgress => l.pick("整改中", "in progress"),
            State::Awaiting => l.pick("待复测", "awaiting re-measurement"),
            State::SignedOff => l.pick("已销号", "signed off"),
            State::Reopened => l.pick("重新打开", "reopened"),
        }
    }

    /// The states a change may lead to from this one. Staying (a progress note) is
    /// allowed until the item is signed off; nothing skips a step: an item is worked
    /// on before it is ready for re-measurement, and re-measured before sign-off.
    pub fn next(self) -> &'static [State] {
        match self {
            State::Open => &[State::Open, State::InProgress],
            State::InProgress => &[State::InProgress, State::Awaiting],
            State::Awaiting => &[State::Awaiting, State::InProgress, State::SignedOff],
            State::SignedOff => &[State::Reopened],
            State::Reopened => &[State::Reopened, State::InProgress],
        }
    }

    pub fn can_go(self, to: State) -> bool {
        self.next().contains(&to)
    }

    /// Changes only the city office makes (sign-off and reopening).
    pub fn needs_office(self) -> bool {
        matches!(self, State::SignedOff | State::Reopened)
    }

    /// What the button for the change from this state to `to` says.
    pub fn action(self, to: State, l: Lang) -> &'static str {
        match to {
            _ if to == self => l.pick("记录进展", "Add a progress note"),
            State::InProgress if self == State::Awaiting => {
                l.pick("复测未通过，继续整改", "Back to work")
            }
            State::Open | State::InProgress => l.pick("开始整改", "Start work"),
            State::Awaiting => l.pick("整改完成，待复测", "Done: awaiting re-measurement"),
            State::SignedOff => l.pick("销号", "Sign off"),
            State::Reopened => l.pick("重新打开", "Reopen"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::State::*;

    #[test]
    fn no_state_is_skipped() {
        assert!(!Open.can_go(Awaiting));
        assert!(!Open.can_go(SignedOff));
        assert!(!InProgress.can_go(SignedOff));
        assert!(!SignedOff.can_go(InProgress));
        assert!(Awaiting.can_go(SignedOff));
        assert!(SignedOff.can_go(Reopened));
        assert!(Reopened.can_go(InProgress));
    }
}
