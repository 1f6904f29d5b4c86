//! The poster as a reader meets it: the PNG and the PDF (rendered by poppler, as a printer
//! driver would) are A4, one page, and their QR code opens exactly the branch's chat.

use poster::PosterContent;
use std::path::Path;
use std::process::Command;

const LINK: &str = "https://wa.me/628118165165?text=Halo";

fn content() -> PosterContent {
    PosterContent {
        headline: "KANTOR TUTUP SEMENTARA".into(),
        office: "BPJS Kesehatan Kantor Cabang Palembang".into(),
        period: vec![
            "Mulai Senin, 23 November 2026 pukul 10.00 WIB".into(),
            "sampai Rabu, 25 November 2026 pukul 23.59 WIB".into(),
        ],
        reason: "Alasan: petugas positif COVID-19 – kantor disterilkan".into(),
        message: "Mohon maaf atas ketidaknyamanannya. Kantor buka kembali setelah \
                  sterilisasi selesai."
            .into(),
        ways_heading: "Selama kantor tutup, Bapak/Ibu tetap dapat dilayani melalui:".into(),
        ways: vec![
            "WhatsApp PANDAWA Kantor Cabang Palembang: 0811-8165-165".into(),
            "Telepon BPJS Kesehatan Care Center 165".into(),
            "Aplikasi Mobile JKN di HP Anda".into(),
            "Kantor Cabang Prabumulih, Jl. Jenderal Sudirman No. 5".into(),
        ],
        qr_link: LINK.into(),
        qr_caption: "Chat WhatsApp dengan kami:\nBuka kamera HP, arahkan ke kode ini, \
                     lalu tekan tautan yang muncul."
            .into(),
        footer: "Kantor Cabang Palembang, Jl. Kapten A. Rivai No. 1, Palembang\nMohon maaf \
                 atas ketidaknyamanan ini. Terima kasih."
            .into(),
    }
}

/// Width, height and luma of a PNG.
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let luma = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| match channels {
            1 | 2 => p[0],
            _ => {
                ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                    as u8
            }
        })
        .collect();
    (w, h, luma)
}

fn qr_links(png: &[u8]) -> Vec<String> {
    let (w, h, luma) = decode_png(png);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    image
        .detect_grids()
        .iter()
        .map(|g| g.decode().expect("the code decodes").1)
        .collect()
}

fn assert_a4(png: &[u8]) {
    let (w, h, _) = decode_png(png);
    let ratio = h as f64 / w as f64;
    assert!((ratio - 297.0 / 210.0).abs() < 0.005, "{w}x{h}");
    assert!(w >= 1000, "large enough to print: {w}x{h}");
}

/// Whether a poppler tool is there; on CI it must be (scripts/browser-deps.sh installs it).
fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("{tool} is missing on CI: scripts/browser-deps.sh installs poppler-utils");
    }
    if !found {
        eprintln!("{tool} not found: skipping the rendered-PDF checks");
    }
    found
}

fn save_sample(name: &str, bytes: &[u8]) {
    // For a person to look at: POSTER_SAMPLE_DIR=target cargo test -p poster.
    if let Some(dir) = std::env::var_os("POSTER_SAMPLE_DIR") {
        std::fs::write(Path::new(&dir).join(name), bytes).unwrap();
    }
}

#[test]
fn the_png_is_an_a4_page_whose_code_opens_the_chat() {
    let png = poster::png(&content()).unwrap();
    save_sample("poster-sample.png", &png);
    assert_a4(&png);
    assert_eq!(qr_links(&png), vec![LINK.to_owned()]);
}

#[test]
fn the_pdf_is_one_a4_page_with_the_text_and_a_working_code() {
    let pdf = poster::pdf(&content()).unwrap();
    save_sample("poster-sample.pdf", &pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 1);
    assert!(text.contains("/Count 1"));
    assert!(
        text.contains("/MediaBox [0 0 595.28 841.89]"),
        "A4 portrait"
    );
    assert!(
        text.contains("Kantor Cabang Palembang"),
        "the title names the office"
    );
    assert!(text.contains("/FontFile2"), "the fonts are embedded");
    assert!(
        pdf.len() < 200_000,
        "subset fonts keep it small: {}",
        pdf.len()
    );

    let dir = std::env::temp_dir().join(format!("poster-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("poster.pdf");
    std::fs::write(&file, &pdf).unwrap();

    if have("pdftoppm") {
        let out = dir.join("page");
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", "150", "-singlefile"])
            .arg(&file)
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let rendered = std::fs::read(dir.join("page.png")).unwrap();
        assert_a4(&rendered);
        assert_eq!(qr_links(&rendered), vec![LINK.to_owned()]);
    }
    if have("pdftotext") {
        let out = Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&file)
            .arg("-")
            .output()
            .unwrap();
        assert!(out.status.success());
        let words = String::from_utf8(out.stdout).unwrap();
        let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "KANTOR TUTUP",
            "SEMENTARA",
            "Kantor Cabang Palembang",
            "25 November 2026 pukul 23.59 WIB",
            "COVID-19 – kantor",
            "Care Center 165",
            "Mobile JKN",
            "Buka kamera HP",
        ] {
            assert!(words.contains(expected), "{expected:?} in {words}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_same_content_gives_the_same_bytes() {
    assert_eq!(
        poster::png(&content()).unwrap(),
        poster::png(&content()).unwrap()
    );
    assert_eq!(
        poster::pdf(&content()).unwrap(),
        poster::pdf(&content()).unwrap()
    );
}
