//! Facilities and branch offices: nearest to a shared location or to a named place, with
//! distance, address and whether they are open now in their own time zone.

use crate::engine::{Ctx, DialogResult};
use crate::state::{Args, Flow, GeoPoint};
use crate::templates as t;
use crate::understand::Place;
use directory::hours::open_state;
use directory::{distance_m, ClosureWindow, FacilityKind, OpenState, Point};
use store::{Facility, FacilityId, FacilitySearch, Office};
use wilayah::TimeZone;

/// Facilities listed per answer: enough to choose, short enough for a phone.
pub(crate) const FACILITIES_SHOWN: usize = 5;

/// A facility with what the participant needs to decide.
pub struct Found {
    pub facility: Facility,
    pub distance_m: f64,
    pub open: OpenState,
    pub tz: TimeZone,
    /// The moment `open` was computed for.
    pub now: chrono::DateTime<chrono::Utc>,
}

pub(crate) fn tz_of_regency(code: u16) -> TimeZone {
    wilayah::regency(code)
        .map(|r| r.province().timezone)
        .unwrap_or(TimeZone::Wib)
}

impl Ctx<'_> {
    fn found(&self, facility: Facility, distance_m: f64) -> Found {
        let tz = tz_of_regency(facility.regency_code);
        let open = open_state(&facility.hours, tz, &[], &[], self.now);
        Found {
            facility,
            distance_m,
            open,
            tz,
            now: self.now,
        }
    }

    pub(crate) async fn find_facility(&mut self, args: &Args) -> DialogResult<()> {
        let place = match (args.district, args.regency) {
            (Some(d), _) => Some(Place::District(d)),
            (None, Some(r)) => Some(Place::Regency(r)),
            _ => None,
        };
        if let Some(place) = place {
            return self.facilities_in(place, args.kind).await;
        }
        // A location shared earlier in the conversation is not asked for again.
        if let Some(GeoPoint { lat, lon }) = self.st.location {
            if let Some(point) = Point::new(lat, lon) {
                return self.facilities_near(point, args.kind).await;
            }
        }
        self.st.flow = Some(Flow::FindFacility { kind: args.kind });
        self.say(t::ask_location_for_facilities());
        Ok(())
    }

    pub(crate) async fn facilities_near(
        &mut self,
        point: Point,
        kind: Option<FacilityKind>,
    ) -> DialogResult<()> {
        let near = self
            .data()
            .nearest_facilities(point, kind, FACILITIES_SHOWN)
            .await?;
        let found: Vec<Found> = near.into_iter().map(|(f, d)| self.found(f, d)).collect();
        self.say_facilities(&found, kind, t::FromWhere::You);
        Ok(())
    }

    /// Facilities in a regency (distances from its centre) or a district (from the middle of
    /// its facilities, since districts have no reference point of their own).
    pub(crate) async fn facilities_in(
        &mut self,
        place: Place,
        kind: Option<FacilityKind>,
    ) -> DialogResult<()> {
        let query = FacilitySearch {
            regency_code: match place {
                Place::Regency(r) => Some(r),
                Place::District(_) => None,
            },
            district_code: match place {
                Place::District(d) => Some(d),
                Place::Regency(_) => None,
            },
            name_contains: None,
            kind,
            limit: 500,
        };
        let facilities = self.data().search_facilities(&query).await?;
        let centre = match place {
            Place::Regency(r) => {
                wilayah::regency(r).and_then(|r| Point::new(r.latitude, r.longitude))
            }
            Place::District(_) if !facilities.is_empty() => {
                let n = facilities.len() as f64;
                Point::new(
                    facilities.iter().map(|f| f.latitude).sum::<f64>() / n,
                    facilities.iter().map(|f| f.longitude).sum::<f64>() / n,
                )
            }
            Place::District(_) => None,
        };
        let Some(centre) = centre else {
            self.say(t::no_facilities_in(place, kind));
            return Ok(());
        };
        let mut with_distance: Vec<(Facility, f64)> = facilities
            .into_iter()
            .map(|f| {
                let d = distance_m(
                    centre,
                    Point {
                        lat: f.latitude,
                        lon: f.longitude,
                    },
                );
                (f, d)
            })
            .collect();
        with_distance.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.id.cmp(&b.0.id)));
        with_distance.truncate(FACILITIES_SHOWN);
        let found: Vec<Found> = with_distance
            .into_iter()
            .map(|(f, d)| self.found(f, d))
            .collect();
        if found.is_empty() {
            self.say(t::no_facilities_in(place, kind));
            return Ok(());
        }
        self.say_facilities(&found, kind, t::FromWhere::Place(place));
        Ok(())
    }

    fn say_facilities(&mut self, found: &[Found], kind: Option<FacilityKind>, from: t::FromWhere) {
        if found.is_empty() {
            self.say(t::no_facilities_near(kind));
            return;
        }
        self.say(t::facility_list(found, kind, from));
        if let Some(first) = found.first() {
            self.say(t::facility_pin(&first.facility));
        }
    }

    pub(crate) async fn facility_detail(&mut self, id: &str) -> DialogResult<()> {
        let facility = match id.parse::<i64>() {
            Ok(id) => self.data().facility(FacilityId(id)).await?,
            Err(_) => None,
        };
        match facility {
            Some(f) => {
                let distance = self.st.location.map(|g| {
                    distance_m(
                        Point {
                            lat: g.lat,
                            lon: g.lon,
                        },
                        Point {
                            lat: f.latitude,
                            lon: f.longitude,
                        },
                    )
                });
                let found = self.found(f, distance.unwrap_or(f64::NAN));
                self.say(t::facility_detail(&found, distance.is_some()));
                self.say(t::facility_pin(&found.facility));
            }
            None => {
                self.say(t::choice_expired());
            }
        }
        Ok(())
    }

    pub(crate) async fn find_office(&mut self, args: &Args) -> DialogResult<()> {
        if let Some(regency) = args.regency.or(args.district.map(|d| (d / 100) as u16)) {
            return self.office_for(regency).await;
        }
        if let Some(id) = self.verified() {
            if let Some(me) = self.data().participant(id.participant_id).await? {
                return self.office_for(me.regency_code()).await;
            }
        }
        if let Some(GeoPoint { lat, lon }) = self.st.location {
            if let Some(point) = Point::new(lat, lon) {
                return self.office_near(point).await;
            }
        }
        self.st.flow = Some(Flow::FindOffice);
        self.say(t::ask_place_for_office());
        Ok(())
    }

    pub(crate) async fn office_near(&mut self, point: Point) -> DialogResult<()> {
        match self.nearest_office(point).await? {
            Some((office, _)) => self.say_office(office).await,
            None => {
                self.say(t::no_office_found());
                Ok(())
            }
        }
    }

    pub(crate) async fn nearest_office(&self, point: Point) -> DialogResult<Option<(Office, f64)>> {
        let offices = self.data().offices().await?;
        Ok(offices
            .into_iter()
            .map(|o| {
                let d = distance_m(
                    point,
                    Point {
                        lat: o.latitude,
                        lon: o.longitude,
                    },
                );
                (o, d)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1)))
    }

    pub(crate) async fn office_for(&mut self, regency: u16) -> DialogResult<()> {
        match self.data().office_for_regency(regency).await? {
            Some(office) => self.say_office(office).await,
            None => {
                self.say(t::no_office_found());
                Ok(())
            }
        }
    }

    async fn say_office(&mut self, office: Office) -> DialogResult<()> {
        let closures = self.data().closures(office.id, self.now).await?;
        let windows: Vec<ClosureWindow> = closures.iter().map(store::Closure::window).collect();
        let open = open_state(&office.hours, office.timezone, &[], &windows, self.now);
        let in_force = open.closed_by.and_then(|i| closures.get(i));
        let upcoming = closures.iter().find(|c| c.starts_at > self.now);
        self.say(t::office(&office, &open, in_force, upcoming, self.now));
        self.say(t::office_pin(&office));
        Ok(())
    }

    /// The branch that serves the conversation: the participant's own, or the one for the
    /// place or location known; `None` when nothing is known yet.
    pub(crate) async fn known_branch(&self) -> DialogResult<Option<Office>> {
        if let Some(id) = self.verified() {
            if let Some(me) = self.data().participant(id.participant_id).await? {
                if let Some(o) = self.data().office_for_regency(me.regency_code()).await? {
                    return Ok(Some(o));
                }
            }
        }
        if let Some(GeoPoint { lat, lon }) = self.st.location {
            if let Some(point) = Point::new(lat, lon) {
                return Ok(self.nearest_office(point).await?.map(|(o, _)| o));
            }
        }
        Ok(None)
    }
}
