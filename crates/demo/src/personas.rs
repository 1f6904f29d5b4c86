//! The families every demo dataset starts with, whatever its size, so that demos and tests can
//! rely on one of each situation the service has to handle.

use crate::families::{Arrears, Household, Kind, Plan};
use jkn::{CareClass, Segment};
use store::{FamilyId, ParticipantId};

/// A guaranteed family. Family ids and their heads' participant ids are fixed: personas are
/// made first, in the order of [`Persona::ALL`], with a fixed number of members. Names,
/// birth dates and identifiers vary with the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Persona {
    /// PBPU class 2 in Kab. Jember, every month paid including the current one.
    PbpuActive,
    /// PBPU class 3 in Kab. Jember, 2 months in arrears: inactive, not yet eligible for REHAB.
    PbpuArrears2,
    /// PBPU class 3 in Kab. Jember, 4 members, exactly 8 months in arrears (REHAB: at most 4
    /// instalments).
    PbpuArrears8,
    /// PBPU class 1 in Kota Surabaya, 15 months in arrears.
    PbpuArrears15,
    /// PBPU class 3 in Kota Medan, registered years ago and nothing paid in the 27 billed
    /// months (26 months before the current one: more than the 24 that are billed).
    PbpuArrearsOver24,
    /// PBI APBN family of 5 in Kab. Jember (dues paid by the government).
    PbiApbn,
    /// PPU (private employer) family in Kota Makassar, employer paying every month.
    Ppu,
    /// PPU family in Kota Jayapura whose employer stopped paying 3 months ago (the worker
    /// resigned): 3 months in arrears plus the current month.
    PpuEmployerStopped,
}

/// (persona, members) in making order.
const MEMBERS: [(Persona, u8); 8] = [
    (Persona::PbpuActive, 4),
    (Persona::PbpuArrears2, 3),
    (Persona::PbpuArrears8, 4),
    (Persona::PbpuArrears15, 2),
    (Persona::PbpuArrearsOver24, 3),
    (Persona::PbiApbn, 5),
    (Persona::Ppu, 4),
    (Persona::PpuEmployerStopped, 3),
];

impl Persona {
    pub const ALL: [Persona; 8] = [
        Persona::PbpuActive,
        Persona::PbpuArrears2,
        Persona::PbpuArrears8,
        Persona::PbpuArrears15,
        Persona::PbpuArrearsOver24,
        Persona::PbiApbn,
        Persona::Ppu,
        Persona::PpuEmployerStopped,
    ];

    fn position(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn family_id(self) -> FamilyId {
        FamilyId(self.position() as i64 + 1)
    }

    /// The head of the family, who always has a phone number.
    pub fn head_id(self) -> ParticipantId {
        let before: i64 = MEMBERS[..self.position()]
            .iter()
            .map(|(_, n)| i64::from(*n))
            .sum();
        ParticipantId(before + 1)
    }

    pub fn members(self) -> u32 {
        u32::from(MEMBERS[self.position()].1)
    }

    pub fn regency_code(self) -> u16 {
        match self {
            Persona::PbpuActive
            | Persona::PbpuArrears2
            | Persona::PbpuArrears8
            | Persona::PbiApbn => 3509,
            Persona::PbpuArrears15 => 3578,
            Persona::PbpuArrearsOver24 => 1271,
            Persona::Ppu => 7371,
            Persona::PpuEmployerStopped => 9171,
        }
    }

    pub fn segment(self) -> Segment {
        match self {
            Persona::PbiApbn => Segment::PbiApbn,
            Persona::Ppu | Persona::PpuEmployerStopped => Segment::Ppu,
            _ => Segment::Pbpu,
        }
    }

    /// Unpaid months before the reference month, settling payments oldest first.
    pub fn months_in_arrears(self) -> u32 {
        match self {
            Persona::PbpuActive | Persona::PbiApbn | Persona::Ppu => 0,
            Persona::PbpuArrears2 => 2,
            Persona::PbpuArrears8 => 8,
            Persona::PbpuArrears15 => 15,
            Persona::PbpuArrearsOver24 => crate::families::LEDGER_MONTHS_BEFORE as u32,
            Persona::PpuEmployerStopped => 3,
        }
    }

    /// A one-line description for `layan demo sample` and the like.
    pub fn description(self) -> &'static str {
        match self {
            Persona::PbpuActive => "PBPU kelas 2 di Jember, iuran lunas (aktif)",
            Persona::PbpuArrears2 => "PBPU kelas 3 di Jember, menunggak 2 bulan (nonaktif)",
            Persona::PbpuArrears8 => {
                "PBPU kelas 3 di Jember, 4 jiwa, menunggak 8 bulan (bisa ikut REHAB)"
            }
            Persona::PbpuArrears15 => "PBPU kelas 1 di Surabaya, menunggak 15 bulan",
            Persona::PbpuArrearsOver24 => "PBPU kelas 3 di Medan, menunggak lebih dari 24 bulan",
            Persona::PbiApbn => "PBI APBN di Jember, iuran dibayar pemerintah",
            Persona::Ppu => "PPU di Makassar, iuran dibayar pemberi kerja",
            Persona::PpuEmployerStopped => {
                "PPU di Jayapura, pemberi kerja berhenti membayar 3 bulan lalu"
            }
        }
    }

    /// What the generator is told to make for this persona.
    pub(crate) fn plan(self, region: usize) -> Plan {
        let mut plan = Plan::random(6);
        plan.region = Some(region);
        plan.head_phone = true;
        plan.registered_months_ago = Some(36);
        let (kind, class, household) = match self {
            Persona::PbpuActive => (Kind::Pbpu, CareClass::Two, (true, 2, false)),
            Persona::PbpuArrears2 => (Kind::Pbpu, CareClass::Three, (true, 1, false)),
            Persona::PbpuArrears8 => (Kind::Pbpu, CareClass::Three, (true, 2, false)),
            Persona::PbpuArrears15 => (Kind::Pbpu, CareClass::One, (true, 0, false)),
            Persona::PbpuArrearsOver24 => (Kind::Pbpu, CareClass::Three, (true, 1, false)),
            Persona::PbiApbn => (Kind::PbiApbn, CareClass::Three, (true, 2, true)),
            Persona::Ppu => (Kind::PpuPrivate, CareClass::One, (true, 2, false)),
            Persona::PpuEmployerStopped => (Kind::PpuPrivate, CareClass::Two, (true, 1, false)),
        };
        plan.kind = Some(kind);
        plan.class = Some(class);
        plan.household = Household::Fixed {
            spouse: household.0,
            kids: household.1,
            parent: household.2,
        };
        match self {
            Persona::PbpuActive => {
                plan.arrears = Some(Arrears::Current);
                plan.current_month_paid = true;
                plan.head_email = true;
                plan.district_code = Some(350921); // Sumbersari, in the town
            }
            Persona::PbpuArrears2 => {
                plan.arrears = Some(Arrears::Behind(2));
                plan.district_code = Some(350919); // Kaliwates
            }
            Persona::PbpuArrears8 => {
                plan.arrears = Some(Arrears::Behind(8));
                plan.district_code = Some(350920); // Patrang
            }
            Persona::PbpuArrears15 => plan.arrears = Some(Arrears::Behind(15)),
            Persona::PbpuArrearsOver24 => {
                plan.arrears = Some(Arrears::AllUnpaid);
                plan.registered_months_ago = Some(60);
            }
            Persona::PbiApbn => plan.district_code = Some(350912), // Ambulu
            Persona::Ppu => {
                plan.wage = Some(6_500_000);
                // Some(0): never stopped (random PPU families sometimes are; this one must not be).
                plan.employer_stopped = Some(0);
                plan.current_month_paid = true;
            }
            Persona::PpuEmployerStopped => {
                plan.wage = Some(3_800_000);
                plan.employer_stopped = Some(3);
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_making_order() {
        assert_eq!(Persona::PbpuActive.family_id(), FamilyId(1));
        assert_eq!(Persona::PbpuActive.head_id(), ParticipantId(1));
        assert_eq!(Persona::PbpuArrears2.head_id(), ParticipantId(5));
        assert_eq!(Persona::PbpuArrears8.head_id(), ParticipantId(8));
        assert_eq!(Persona::PpuEmployerStopped.family_id(), FamilyId(8));
        assert_eq!(Persona::PpuEmployerStopped.head_id(), ParticipantId(26));
        for (i, (p, _)) in MEMBERS.iter().enumerate() {
            assert_eq!(Persona::ALL[i], *p);
        }
    }

    #[test]
    fn every_planned_household_has_the_announced_size() {
        for p in Persona::ALL {
            let plan = p.plan(0);
            let Household::Fixed {
                spouse,
                kids,
                parent,
            } = plan.household
            else {
                panic!("{p:?} is not fixed");
            };
            assert_eq!(
                1 + u32::from(spouse) + u32::from(kids) + u32::from(parent),
                p.members()
            );
        }
    }
}
