use serde::{Deserialize, Serialize};

/// Indonesia's three time zones. None observes daylight saving, so each is a fixed offset;
/// this avoids carrying a whole time-zone database for three constant offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeZone {
    /// Waktu Indonesia Barat, UTC+7 (`Asia/Jakarta`).
    #[serde(rename = "Asia/Jakarta")]
    Wib,
    /// Waktu Indonesia Tengah, UTC+8 (`Asia/Makassar`).
    #[serde(rename = "Asia/Makassar")]
    Wita,
    /// Waktu Indonesia Timur, UTC+9 (`Asia/Jayapura`).
    #[serde(rename = "Asia/Jayapura")]
    Wit,
}

impl TimeZone {
    pub const ALL: [TimeZone; 3] = [TimeZone::Wib, TimeZone::Wita, TimeZone::Wit];

    /// Accepts the IANA names used in the data (and the other IANA zones of Indonesia).
    pub fn from_iana(name: &str) -> Option<Self> {
        match name {
            "Asia/Jakarta" | "Asia/Pontianak" => Some(Self::Wib),
            "Asia/Makassar" => Some(Self::Wita),
            "Asia/Jayapura" => Some(Self::Wit),
            _ => None,
        }
    }

    pub fn iana(self) -> &'static str {
        match self {
            Self::Wib => "Asia/Jakarta",
            Self::Wita => "Asia/Makassar",
            Self::Wit => "Asia/Jayapura",
        }
    }

    /// The abbreviation Indonesians write after a time: "08.00 WIB".
    pub fn abbreviation(self) -> &'static str {
        match self {
            Self::Wib => "WIB",
            Self::Wita => "WITA",
            Self::Wit => "WIT",
        }
    }

    pub fn utc_offset_seconds(self) -> i32 {
        match self {
            Self::Wib => 7 * 3600,
            Self::Wita => 8 * 3600,
            Self::Wit => 9 * 3600,
        }
    }
}

impl std::fmt::Display for TimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.abbreviation())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_round_trip() {
        for tz in TimeZone::ALL {
            assert_eq!(TimeZone::from_iana(tz.iana()), Some(tz));
        }
        assert_eq!(TimeZone::from_iana("Europe/Paris"), None);
    }
}
