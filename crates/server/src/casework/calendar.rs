//! Each branch's PANDAWA calendar: working hours (meta key `pandawa_hours:<office id>`, a
//! `WeeklyHours` spec; default Monday-Friday 08:00-15:00) in the branch's time zone, and
//! public holidays (meta key `holidays`, national, plus `holidays:<office id>`; JSON list of
//! `{"date": "2026-12-25", "name": "Natal"}`).

use cases::BusinessCalendar;
use chrono::NaiveDate;
use directory::WeeklyHours;
use serde::{Deserialize, Serialize};
use store::{Office, OfficeId, Store, StoreError};
use wilayah::TimeZone;

/// One public holiday (or a branch's own day off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

fn hours_key(office: OfficeId) -> String {
    format!("pandawa_hours:{}", office.0)
}

fn holidays_key(office: Option<OfficeId>) -> String {
    match office {
        Some(o) => format!("holidays:{}", o.0),
        None => "holidays".to_string(),
    }
}

/// The calendar of a case's branch; `None` (no branch known) uses WIB and the defaults.
pub async fn for_office(
    store: &dyn Store,
    office: Option<&Office>,
) -> Result<BusinessCalendar, StoreError> {
    let tz = office.map(|o| o.timezone).unwrap_or(TimeZone::Wib);
    let mut calendar = BusinessCalendar::pandawa_default(tz);
    if let Some(o) = office {
        calendar.hours = hours(store, o.id).await?;
    }
    for h in holidays(store, None).await? {
        calendar.holidays.insert(h.date);
    }
    if let Some(o) = office {
        for h in holidays(store, Some(o.id)).await? {
            calendar.holidays.insert(h.date);
        }
    }
    Ok(calendar)
}

/// The branch's PANDAWA working hours (the default when none are set).
pub async fn hours(store: &dyn Store, office: OfficeId) -> Result<WeeklyHours, StoreError> {
    match store.meta_get(&hours_key(office)).await? {
        // A spec that no longer parses was written by hand; the default keeps cases moving
        // and the warning tells the operator to fix it with `layan hours set`.
        Some(spec) => Ok(WeeklyHours::parse_spec(&spec).unwrap_or_else(|e| {
            tracing::warn!(office = office.0, error = %e, "invalid PANDAWA hours; using the default");
            default_hours()
        })),
        None => Ok(default_hours()),
    }
}

pub fn default_hours() -> WeeklyHours {
    WeeklyHours::weekdays(8 * 60, 15 * 60)
}

pub async fn set_hours(
    store: &dyn Store,
    office: OfficeId,
    hours: &WeeklyHours,
) -> Result<(), StoreError> {
    store.meta_set(&hours_key(office), &hours.to_spec()).await
}

/// National holidays (`None`) or a branch's own, by date.
pub async fn holidays(
    store: &dyn Store,
    office: Option<OfficeId>,
) -> Result<Vec<Holiday>, StoreError> {
    let key = holidays_key(office);
    let Some(raw) = store.meta_get(&key).await? else {
        return Ok(Vec::new());
    };
    let mut list: Vec<Holiday> = serde_json::from_str(&raw)
        .map_err(|e| StoreError::Corrupt(format!("meta {key} is not a holiday list: {e}")))?;
    list.sort_by_key(|h| h.date);
    Ok(list)
}

/// Adds (or renames) a holiday. Returns false when the date was already listed with the
/// same name.
pub async fn add_holiday(
    store: &dyn Store,
    office: Option<OfficeId>,
    holiday: Holiday,
) -> Result<bool, StoreError> {
    let mut list = holidays(store, office).await?;
    if list.contains(&holiday) {
        return Ok(false);
    }
    list.retain(|h| h.date != holiday.date);
    list.push(holiday);
    list.sort_by_key(|h| h.date);
    let json = serde_json::to_string(&list).map_err(|e| StoreError::Other(e.to_string()))?;
    store.meta_set(&holidays_key(office), &json).await?;
    Ok(true)
}

/// Every branch and, read on first use, its calendar: loaded once per page, decision or pass
/// of the assignment loop, so a queue of hundreds of cases costs one read per branch.
pub struct Branches {
    pub offices: std::collections::HashMap<OfficeId, Office>,
    calendars: std::collections::HashMap<Option<OfficeId>, BusinessCalendar>,
}

impl Branches {
    pub async fn load(store: &dyn Store) -> Result<Branches, StoreError> {
        let offices = store
            .offices()
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        Ok(Branches {
            offices,
            calendars: Default::default(),
        })
    }

    pub fn office(&self, id: Option<OfficeId>) -> Option<&Office> {
        id.and_then(|id| self.offices.get(&id))
    }

    /// The branch's time zone; WIB for a case of no (or an unknown) branch.
    pub fn tz(&self, office: Option<OfficeId>) -> TimeZone {
        self.office(office)
            .map(|o| o.timezone)
            .unwrap_or(TimeZone::Wib)
    }

    pub fn name(&self, office: Option<OfficeId>) -> String {
        match (office, self.office(office)) {
            (_, Some(o)) => o.name.clone(),
            (Some(id), None) => format!("Kantor #{id}"),
            (None, None) => "Belum ditentukan".to_string(),
        }
    }

    pub async fn calendar(
        &mut self,
        store: &dyn Store,
        office: Option<OfficeId>,
    ) -> Result<BusinessCalendar, StoreError> {
        if let Some(c) = self.calendars.get(&office) {
            return Ok(c.clone());
        }
        let c = for_office(store, self.office(office)).await?;
        self.calendars.insert(office, c.clone());
        Ok(c)
    }
}
