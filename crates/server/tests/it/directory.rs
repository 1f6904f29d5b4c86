use crate::helpers::{at, TestApp};
use axum::http::StatusCode;
use chrono::Duration;
use store::NewClosure;

/// Alun-alun Jember, the town square.
const JEMBER: (f64, f64) = (-8.1689, 113.7022);

#[tokio::test]
async fn a_sender_near_alun_alun_jember_gets_jember_facilities_nearest_first() {
    let app = TestApp::with_demo(300).await;
    let r = app
        .get(&format!(
            "/api/v1/facilities?lat={}&lon={}&limit=8",
            JEMBER.0, JEMBER.1
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = r.body["facilities"].as_array().unwrap();
    assert_eq!(list.len(), 8);
    let distances: Vec<u64> = list
        .iter()
        .map(|f| f["distance_m"].as_u64().unwrap())
        .collect();
    assert!(
        distances.windows(2).all(|w| w[0] <= w[1]),
        "sorted by distance: {distances:?}"
    );
    assert!(
        list.iter().all(|f| f["regency"]["code"] == "3509"),
        "all in Kab. Jember"
    );
    assert!(distances[0] < 30_000);
}

#[tokio::test]
async fn filtering_by_kind_returns_only_that_kind() {
    let app = TestApp::with_demo(100).await;
    let r = app
        .get(&format!(
            "/api/v1/facilities?lat={}&lon={}&kind=rumah_sakit&limit=5",
            JEMBER.0, JEMBER.1
        ))
        .await;
    let list = r.body["facilities"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list
        .iter()
        .all(|f| f["kind"] == "rumah_sakit" && f["tier"] == "fkrtl"));
}

#[tokio::test]
async fn facilities_can_be_searched_by_regency_name_district_and_name() {
    let app = TestApp::with_demo(100).await;
    let r = app.get("/api/v1/facilities?regency=jember&limit=50").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = r.body["facilities"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|f| f["regency"]["code"] == "3509"));

    let r = app
        .get("/api/v1/facilities?regency=jember&q=PUSKESMAS&limit=50")
        .await;
    let list = r.body["facilities"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|f| f["name"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("puskesmas")));

    let r = app.get("/api/v1/facilities?district=350901").await;
    let list = r.body["facilities"].as_array().unwrap();
    assert!(list.iter().all(|f| f["district"]["code"] == "350901"));
}

#[tokio::test]
async fn bad_facility_queries_get_clear_answers() {
    let app = TestApp::with_demo(50).await;
    for (uri, status, code) in [
        (
            "/api/v1/facilities?lat=-8.1",
            StatusCode::BAD_REQUEST,
            "invalid_location",
        ),
        (
            "/api/v1/facilities?lat=200&lon=1",
            StatusCode::BAD_REQUEST,
            "invalid_location",
        ),
        (
            "/api/v1/facilities?lat=-8.1&lon=113.7&kind=spa",
            StatusCode::BAD_REQUEST,
            "invalid_kind",
        ),
        (
            "/api/v1/facilities?lat=-8.1&lon=113.7&limit=0",
            StatusCode::BAD_REQUEST,
            "invalid_limit",
        ),
        (
            "/api/v1/facilities?regency=atlantis",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/api/v1/facilities",
            StatusCode::BAD_REQUEST,
            "missing_place",
        ),
        (
            "/api/v1/facilities?lat=abc&lon=1",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
    ] {
        let r = app.get(uri).await;
        assert_eq!(r.status, status, "{uri}: {}", r.text);
        assert_eq!(r.body["error"]["code"], code, "{uri}");
        assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_office_serving_jember_is_nearest_and_open_on_monday_morning() {
    let app = TestApp::with_demo(50).await;
    let r = app
        .get(&format!(
            "/api/v1/offices?lat={}&lon={}&limit=3",
            JEMBER.0, JEMBER.1
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let first = &r.body["offices"][0];
    assert!(
        first["regencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["code"] == "3509"),
        "{first}"
    );
    assert_eq!(first["timezone"]["abbreviation"], "WIB");
    // Monday 10:00 WIB.
    assert_eq!(first["open_now"], true);
    assert!(first["closes_at"]
        .as_str()
        .unwrap()
        .ends_with("15:00:00+07:00"));
}

#[tokio::test]
async fn the_same_instant_is_open_in_wib_and_closed_in_wita_and_wit() {
    let app = TestApp::with_demo(50).await;
    // 07:30 UTC: 14:30 WIB, 15:30 WITA, 16:30 WIT.
    app.clock.set(at(2026, 11, 23, 7, 30));
    let r = app.get("/api/v1/offices").await;
    let offices = r.body["offices"].as_array().unwrap();
    for zone in ["WIB", "WITA", "WIT"] {
        let of_zone: Vec<&serde_json::Value> = offices
            .iter()
            .filter(|o| o["timezone"]["abbreviation"] == zone)
            .collect();
        assert!(!of_zone.is_empty(), "demo has offices in {zone}");
        for o in of_zone {
            assert_eq!(o["open_now"], zone == "WIB", "{} in {zone}", o["name"]);
            if zone != "WIB" {
                let next = o["next_opening"].as_str().unwrap();
                let offset = if zone == "WITA" { "+08:00" } else { "+09:00" };
                assert_eq!(
                    next,
                    format!("2026-11-24T08:00:00{offset}"),
                    "{}",
                    o["name"]
                );
            }
        }
    }
}

#[tokio::test]
async fn a_declared_closure_shows_at_once_with_the_reopening_in_local_time() {
    let app = TestApp::with_demo(50).await;
    let near = app
        .get(&format!(
            "/api/v1/offices?lat={}&lon={}&limit=1",
            JEMBER.0, JEMBER.1
        ))
        .await;
    let id = near.body["offices"][0]["id"].as_i64().unwrap();
    let now = app.clock_now();
    app.store
        .add_closure(NewClosure {
            office_id: store::OfficeId(id),
            starts_at: now - Duration::hours(2),
            // Until Wednesday 23:59 WIB.
            ends_at: at(2026, 11, 25, 16, 59),
            reason: "Petugas positif COVID-19, kantor disterilkan".into(),
            message: "Kantor tutup sementara.".into(),
            alternatives: vec![
                "WhatsApp PANDAWA 08118165165".into(),
                "Care Center 165".into(),
            ],
            created_at: now,
            created_by: "kepala.cabang".into(),
        })
        .await
        .unwrap();
    let r = app.get(&format!("/api/v1/offices/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["open_now"], false);
    assert_eq!(r.body["closures"][0]["in_force"], true);
    assert_eq!(
        r.body["closures"][0]["ends_at"],
        "2026-11-25T23:59:00+07:00"
    );
    assert_eq!(r.body["next_opening"], "2026-11-26T08:00:00+07:00");
    assert_eq!(
        r.body["closures"][0]["alternatives"][0],
        "WhatsApp PANDAWA 08118165165"
    );

    assert_eq!(
        app.get("/api/v1/offices/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/offices/abc").await.body["error"]["code"],
        "invalid_id"
    );
}
