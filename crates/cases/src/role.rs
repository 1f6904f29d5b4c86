//! Who may do what in the agent console.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    Agent,
    Supervisor,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Work cases assigned to oneself: view, reply, ask, note, change status.
    WorkOwnCases,
    /// See and work any case of one's branch (admins: of every branch).
    WorkBranchCases,
    Reassign,
    ViewDashboard,
    ExportAudit,
    ManageAgents,
    /// Declare, edit and cancel closures of one's branch and send notices to its
    /// participants (admins: of every branch).
    ManageOutreach,
    /// Send notices beyond one branch: chosen regencies, a province, everyone.
    BroadcastWide,
}

impl AgentRole {
    pub const ALL: [AgentRole; 3] = [AgentRole::Agent, AgentRole::Supervisor, AgentRole::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentRole::Agent => "agent",
            AgentRole::Supervisor => "supervisor",
            AgentRole::Admin => "admin",
        }
    }

    pub fn label_id(self) -> &'static str {
        match self {
            AgentRole::Agent => "Petugas",
            AgentRole::Supervisor => "Supervisor",
            AgentRole::Admin => "Admin",
        }
    }

    pub fn can(self, p: Permission) -> bool {
        use Permission as P;
        match self {
            AgentRole::Agent => matches!(p, P::WorkOwnCases),
            AgentRole::Supervisor => {
                !matches!(p, P::ExportAudit | P::ManageAgents | P::BroadcastWide)
            }
            AgentRole::Admin => true,
        }
    }

    /// Whether the role sees every branch rather than its own.
    pub fn is_national(self) -> bool {
        self == AgentRole::Admin
    }
}

impl fmt::Display for AgentRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown role '{0}' (agent, supervisor or admin)")]
pub struct UnknownRole(pub String);

impl FromStr for AgentRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgentRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_export_the_audit_and_manage_agents() {
        for p in [Permission::ExportAudit, Permission::ManageAgents] {
            assert!(AgentRole::Admin.can(p));
            assert!(!AgentRole::Supervisor.can(p));
            assert!(!AgentRole::Agent.can(p));
        }
    }

    #[test]
    fn agents_work_only_their_own_cases() {
        assert!(AgentRole::Agent.can(Permission::WorkOwnCases));
        assert!(!AgentRole::Agent.can(Permission::Reassign));
        assert!(!AgentRole::Agent.can(Permission::ViewDashboard));
        assert!(AgentRole::Supervisor.can(Permission::Reassign));
    }

    #[test]
    fn supervisors_manage_outreach_but_only_admins_broadcast_wide() {
        assert!(!AgentRole::Agent.can(Permission::ManageOutreach));
        assert!(AgentRole::Supervisor.can(Permission::ManageOutreach));
        assert!(AgentRole::Admin.can(Permission::ManageOutreach));
        assert!(!AgentRole::Agent.can(Permission::BroadcastWide));
        assert!(!AgentRole::Supervisor.can(Permission::BroadcastWide));
        assert!(AgentRole::Admin.can(Permission::BroadcastWide));
    }

    #[test]
    fn names_round_trip() {
        for r in AgentRole::ALL {
            assert_eq!(r.as_str().parse::<AgentRole>(), Ok(r));
        }
    }
}
