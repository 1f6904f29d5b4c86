//! A branch closes; whoever is at the printer fetches the door poster without signing in, and
//! its QR code opens a WhatsApp chat with that branch.

use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use chrono::Duration;
use store::{NewClosure, Office};
use tower::ServiceExt;

async fn fetch(app: &TestApp, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = server::router(app.state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status, parts.headers, bytes.to_vec())
}

fn qr_links(png_bytes: &[u8]) -> Vec<String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let (w, h) = (info.width as usize, info.height as usize);
    assert!(
        ((h as f64 / w as f64) - 297.0 / 210.0).abs() < 0.005,
        "A4: {w}x{h}"
    );
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let p = &buf[(y * w + x) * 3..][..3];
        ((u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3) as u8
    });
    image
        .detect_grids()
        .iter()
        .map(|g| g.decode().unwrap().1)
        .collect()
}

async fn declare(app: &TestApp, office: &Office, from_hours: i64) -> store::Closure {
    let now = app.clock_now();
    app.store
        .add_closure(NewClosure {
            office_id: office.id,
            starts_at: now + Duration::hours(from_hours),
            ends_at: now + Duration::hours(from_hours + 72),
            reason: "Petugas positif COVID-19, kantor disterilkan".into(),
            message: "Kantor tutup sementara selama tiga hari.".into(),
            alternatives: vec!["Care Center 165".into()],
            created_at: now,
            created_by: "kepala.cabang".into(),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_closed_office_has_a_door_poster_whose_code_opens_its_chat() {
    let app = TestApp::with_demo(20).await;
    let offices = app.store.offices().await.unwrap();
    let office = offices
        .iter()
        .find(|o| o.whatsapp.is_some())
        .expect("a demo office with WhatsApp")
        .clone();
    let open = offices.iter().find(|o| o.id != office.id).unwrap().clone();
    declare(&app, &office, -2).await;
    let link = format!(
        "https://wa.me/{}?text=Halo",
        office.whatsapp.as_ref().unwrap().expose()
    );

    let (status, headers, png) = fetch(
        &app,
        &format!("/offices/{}/closure-poster.png", office.id.0),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("inline; filename=\"poster-tutup-kantor-cabang-")
            && disposition.ends_with("-2026-11-23.png\""),
        "{disposition}"
    );
    assert_eq!(qr_links(&png), vec![link]);

    let (status, headers, pdf) = fetch(
        &app,
        &format!("/offices/{}/closure-poster.pdf", office.id.0),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/Count 1"));
    assert!(
        text.contains(&office.name),
        "the document title names the office"
    );

    // An office without any closure has no poster; neither has an unknown one.
    for id in [open.id.0, 999_999] {
        let r = app.get(&format!("/offices/{id}/closure-poster.pdf")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(r.body["error"]["code"], "not_found");
        assert!(r.body["error"]["message"].as_str().unwrap().ends_with('.'));
    }
    let r = app.get("/offices/abc/closure-poster.png").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_poster_can_name_a_later_closure_of_its_own_office() {
    let app = TestApp::with_demo(20).await;
    let offices = app.store.offices().await.unwrap();
    let (office, other) = (offices[0].clone(), offices[1].clone());
    declare(&app, &office, 1).await;
    let later = declare(&app, &office, 24 * 10).await;

    let uri = |o: &Office| {
        format!(
            "/offices/{}/closure-poster.png?closure={}",
            o.id.0, later.id.0
        )
    };
    let (status, headers, _) = fetch(&app, &uri(&office)).await;
    assert_eq!(status, StatusCode::OK);
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.ends_with("-2026-12-03.png\""), "{disposition}");

    // Another office's closure is not this office's poster.
    let r = app.get(&uri(&other)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .get(&format!(
            "/offices/{}/closure-poster.pdf?closure=x",
            office.id.0
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
