//! A case's lifecycle: submitted → in progress → waiting for the participant → done or
//! rejected. Done and rejected are final; everything else may move by the actions below.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Filed by the participant (or created by the assistant), not yet taken by an agent.
    Submitted,
    InProgress,
    /// An agent asked for something (a document, a clarification) and waits for it.
    WaitingParticipant,
    Done,
    Rejected,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Submitted,
        CaseStatus::InProgress,
        CaseStatus::WaitingParticipant,
        CaseStatus::Done,
        CaseStatus::Rejected,
    ];
    /// The statuses of a case that still needs work.
    pub const OPEN: [CaseStatus; 3] = [
        CaseStatus::Submitted,
        CaseStatus::InProgress,
        CaseStatus::WaitingParticipant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "submitted",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::WaitingParticipant => "waiting_participant",
            CaseStatus::Done => "done",
            CaseStatus::Rejected => "rejected",
        }
    }

    /// How a participant and an agent see the status.
    pub fn label_id(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "Diterima",
            CaseStatus::InProgress => "Sedang diproses",
            CaseStatus::WaitingParticipant => "Menunggu kelengkapan dari peserta",
            CaseStatus::Done => "Selesai",
            CaseStatus::Rejected => "Ditolak",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, CaseStatus::Done | CaseStatus::Rejected)
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown case status '{0}'")]
pub struct UnknownStatus(pub String);

impl FromStr for CaseStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            // Cases stored before the lifecycle existed were "open".
            .or_else(|| (s == "open").then_some(CaseStatus::Submitted))
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// What someone does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// An agent starts working on it.
    Start,
    /// An agent asks the participant for a document or an answer.
    AskParticipant,
    /// The participant sent what was asked (a document, a reply in the chat).
    ParticipantAnswered,
    Complete,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("case is already {0} and cannot change")]
    Closed(CaseStatus),
    #[error("cannot {action:?} a case that is {from}")]
    NotAllowed {
        from: CaseStatus,
        action: CaseAction,
    },
    #[error("a reason is required to {0:?}")]
    ReasonRequired(CaseAction),
}

impl CaseAction {
    /// Whether the action must say why (the participant is told).
    pub fn needs_reason(self) -> bool {
        matches!(self, CaseAction::AskParticipant | CaseAction::Reject)
    }
}

/// The status after `action`, or why the action is not possible now. `reason` is what the
/// agent wrote; rejecting and asking the participant need one.
pub fn next_status(
    from: CaseStatus,
    action: CaseAction,
    reason: Option<&str>,
) -> Result<CaseStatus, TransitionError> {
    use CaseAction as A;
    use CaseStatus as S;
    if from.is_closed() {
        return Err(TransitionError::Closed(from));
    }
    if action.needs_reason() && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(TransitionError::ReasonRequired(action));
    }
    let to = match (from, action) {
        (S::Submitted, A::Start) => S::InProgress,
        (S::Submitted | S::InProgress | S::WaitingParticipant, A::AskParticipant) => {
            S::WaitingParticipant
        }
        (S::WaitingParticipant, A::ParticipantAnswered) => S::InProgress,
        (S::InProgress | S::WaitingParticipant, A::Complete) => S::Done,
        (S::Submitted | S::InProgress | S::WaitingParticipant, A::Reject) => S::Rejected,
        _ => return Err(TransitionError::NotAllowed { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: [CaseAction; 5] = [
        CaseAction::Start,
        CaseAction::AskParticipant,
        CaseAction::ParticipantAnswered,
        CaseAction::Complete,
        CaseAction::Reject,
    ];

    #[test]
    fn closed_cases_never_move() {
        for from in [CaseStatus::Done, CaseStatus::Rejected] {
            for a in ACTIONS {
                assert_eq!(
                    next_status(from, a, Some("alasan")),
                    Err(TransitionError::Closed(from))
                );
            }
        }
    }

    #[test]
    fn the_usual_path_reaches_done() {
        let s = next_status(CaseStatus::Submitted, CaseAction::Start, None).unwrap();
        let s = next_status(s, CaseAction::AskParticipant, Some("Foto KK belum ada")).unwrap();
        assert_eq!(s, CaseStatus::WaitingParticipant);
        let s = next_status(s, CaseAction::ParticipantAnswered, None).unwrap();
        assert_eq!(s, CaseStatus::InProgress);
        assert_eq!(
            next_status(s, CaseAction::Complete, None),
            Ok(CaseStatus::Done)
        );
    }

    #[test]
    fn a_submitted_case_cannot_be_completed_unseen() {
        assert!(matches!(
            next_status(CaseStatus::Submitted, CaseAction::Complete, None),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn rejecting_and_asking_need_a_reason() {
        for a in [CaseAction::Reject, CaseAction::AskParticipant] {
            assert_eq!(
                next_status(CaseStatus::InProgress, a, Some("  ")),
                Err(TransitionError::ReasonRequired(a))
            );
        }
    }

    #[test]
    fn status_names_round_trip_and_old_open_reads_as_submitted() {
        for s in CaseStatus::ALL {
            assert_eq!(s.as_str().parse::<CaseStatus>(), Ok(s));
        }
        assert_eq!("open".parse::<CaseStatus>(), Ok(CaseStatus::Submitted));
        assert!("closed".parse::<CaseStatus>().is_err());
    }
}
