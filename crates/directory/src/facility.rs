use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of health facility that serve JKN participants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    Puskesmas,
    KlinikPratama,
    DokterPraktikPerorangan,
    DokterGigi,
    RumahSakit,
    Apotek,
    Optik,
}

/// Where a facility sits in the referral system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Fasilitas Kesehatan Tingkat Pertama: where participants register and start.
    Fktp,
    /// Fasilitas Kesehatan Rujukan Tingkat Lanjut: referral hospitals.
    Fkrtl,
    /// Supporting facilities (pharmacies, opticians) that fill prescriptions.
    Penunjang,
}

/// Hospital class (A has the most specialities, D the fewest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HospitalClass {
    A,
    B,
    C,
    D,
}

impl HospitalClass {
    pub fn code(self) -> &'static str {
        match self {
            HospitalClass::A => "A",
            HospitalClass::B => "B",
            HospitalClass::C => "C",
            HospitalClass::D => "D",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "A" => Some(HospitalClass::A),
            "B" => Some(HospitalClass::B),
            "C" => Some(HospitalClass::C),
            "D" => Some(HospitalClass::D),
            _ => None,
        }
    }
}

impl FacilityKind {
    pub const ALL: [FacilityKind; 7] = [
        FacilityKind::Puskesmas,
        FacilityKind::KlinikPratama,
        FacilityKind::DokterPraktikPerorangan,
        FacilityKind::DokterGigi,
        FacilityKind::RumahSakit,
        FacilityKind::Apotek,
        FacilityKind::Optik,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FacilityKind::Puskesmas => "puskesmas",
            FacilityKind::KlinikPratama => "klinik_pratama",
            FacilityKind::DokterPraktikPerorangan => "dokter_praktik_perorangan",
            FacilityKind::DokterGigi => "dokter_gigi",
            FacilityKind::RumahSakit => "rumah_sakit",
            FacilityKind::Apotek => "apotek",
            FacilityKind::Optik => "optik",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The default tier of a kind; every kind maps to exactly one.
    pub fn tier(self) -> Tier {
        match self {
            FacilityKind::RumahSakit => Tier::Fkrtl,
            FacilityKind::Apotek | FacilityKind::Optik => Tier::Penunjang,
            _ => Tier::Fktp,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FacilityKind::Puskesmas => "Puskesmas",
            FacilityKind::KlinikPratama => "Klinik Pratama",
            FacilityKind::DokterPraktikPerorangan => "Dokter Praktik Perorangan",
            FacilityKind::DokterGigi => "Dokter Gigi",
            FacilityKind::RumahSakit => "Rumah Sakit",
            FacilityKind::Apotek => "Apotek",
            FacilityKind::Optik => "Optik",
        }
    }
}

impl fmt::Display for FacilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Tier {
    pub fn code(self) -> &'static str {
        match self {
            Tier::Fktp => "fktp",
            Tier::Fkrtl => "fkrtl",
            Tier::Penunjang => "penunjang",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [Tier::Fktp, Tier::Fkrtl, Tier::Penunjang]
            .into_iter()
            .find(|t| t.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hospitals_are_referral_facilities_and_clinics_first_level() {
        assert_eq!(FacilityKind::RumahSakit.tier(), Tier::Fkrtl);
        assert_eq!(FacilityKind::Puskesmas.tier(), Tier::Fktp);
        assert_eq!(FacilityKind::DokterGigi.tier(), Tier::Fktp);
        assert_eq!(FacilityKind::Apotek.tier(), Tier::Penunjang);
        for k in FacilityKind::ALL {
            assert_eq!(FacilityKind::from_code(k.code()), Some(k));
        }
    }
}
