//! Where everything goes on the page, in points from the top-left corner. Both renderers
//! draw exactly this, so the PDF and the PNG agree.

use crate::font::{Font, Fonts, Weight};
use crate::{PosterContent, PosterError, PAGE_HEIGHT_PT, PAGE_WIDTH_PT};
use qrcode::{Color, EcLevel, QrCode};

/// Clear space kept on every side, beyond what home printers leave blank anyway.
const MARGIN: f32 = 40.0;
/// Sizes below are for scale 1; a long text shrinks everything, down to this.
const MIN_SCALE: f32 = 0.55;
/// Line height as a multiple of the type size.
const LEADING: f32 = 1.22;
/// White modules around the code, as the QR standard asks, so phones find it.
pub const QUIET_ZONE: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const INK: Rgb = Rgb(17, 17, 17);
pub const RED: Rgb = Rgb(183, 28, 28);
pub const WHITE: Rgb = Rgb(255, 255, 255);
const GREY: Rgb = Rgb(90, 90, 90);
const RULE: Rgb = Rgb(190, 190, 190);

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        text: String,
        color: Rgb,
    },
}

/// The QR code: `width`² modules, dark ones `true`, row by row, drawn at (`x`, `y`) with
/// square modules of `module` points; the quiet zone lies around that square.
#[derive(Debug, Clone, PartialEq)]
pub struct Qr {
    pub x: f32,
    pub y: f32,
    pub module: f32,
    pub width: usize,
    pub dark: Vec<bool>,
    pub link: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    pub qr: Option<Qr>,
}

pub fn layout(content: &PosterContent, fonts: &Fonts) -> Result<Page, PosterError> {
    let code = if content.qr_link.is_empty() {
        None
    } else {
        // Level M survives a smudged or badly printed poster and keeps modules large.
        let code = QrCode::with_error_correction_level(content.qr_link.as_bytes(), EcLevel::M)
            .map_err(|e| PosterError::Qr(e.to_string()))?;
        Some(code)
    };
    let mut scale = 1.0;
    while scale >= MIN_SCALE - 1e-3 {
        if let Some(page) = try_layout(content, fonts, code.as_ref(), scale) {
            return Ok(page);
        }
        scale -= 0.02;
    }
    Err(PosterError::TooLong)
}

struct Cursor<'a> {
    fonts: &'a Fonts,
    items: Vec<Item>,
    y: f32,
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
}

impl Cursor<'_> {
    /// Sets `text` (paragraphs split at '\n') in the column [`x`, `x + width`], moving down.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        text: &str,
        weight: Weight,
        size: f32,
        color: Rgb,
        x: f32,
        width: f32,
        align: Align,
    ) {
        let font = self.fonts.get(weight);
        let line_height = size * LEADING;
        for paragraph in text.split('\n') {
            let lines = match align {
                Align::Left => font.wrap(paragraph, size, width),
                Align::Center => balanced(font, paragraph, size, width),
            };
            for line in lines {
                let w = font.width(&line, size);
                let left = match align {
                    Align::Left => x,
                    Align::Center => x + (width - w) / 2.0,
                };
                let baseline = self.baseline(weight, size);
                self.items.push(Item::Text {
                    x: left,
                    baseline,
                    size,
                    weight,
                    text: line,
                    color,
                });
                self.y += line_height;
            }
        }
    }

    /// Where the baseline of a line starting at the cursor goes: the glyphs centred in it.
    fn baseline(&self, weight: Weight, size: f32) -> f32 {
        let font = self.fonts.get(weight);
        let glyph_height = (font.ascent_em() - font.descent_em()) * size;
        self.y + (size * LEADING - glyph_height) / 2.0 + font.ascent_em() * size
    }

    /// Height `text` would take, without setting it.
    fn measure(&self, text: &str, weight: Weight, size: f32, width: f32) -> f32 {
        let font = self.fonts.get(weight);
        let lines: usize = text
            .split('\n')
            .map(|p| font.wrap(p, size, width).len())
            .sum();
        lines as f32 * size * LEADING
    }
}

/// Centred text wrapped into as many lines as the column needs, but of even lengths, so a
/// heading never leaves one word alone on its last line.
fn balanced(font: &Font, text: &str, size: f32, width: f32) -> Vec<String> {
    let greedy = font.wrap(text, size, width);
    if greedy.len() < 2 {
        return greedy;
    }
    let (mut narrow, mut wide) = (width / greedy.len() as f32, width);
    for _ in 0..16 {
        let mid = (narrow + wide) / 2.0;
        if font.wrap(text, size, mid).len() > greedy.len() {
            narrow = mid;
        } else {
            wide = mid;
        }
    }
    font.wrap(text, size, wide)
}

fn try_layout(
    content: &PosterContent,
    fonts: &Fonts,
    code: Option<&QrCode>,
    s: f32,
) -> Option<Page> {
    let width = PAGE_WIDTH_PT - 2.0 * MARGIN;
    let mut c = Cursor {
        fonts,
        items: Vec::new(),
        y: MARGIN,
    };

    // The headline, white on a red band: what a passer-by must see from afar.
    let pad = 18.0 * s;
    let band_top = c.y;
    let band_index = c.items.len();
    c.y += pad;
    c.text(
        &content.headline,
        Weight::Bold,
        52.0 * s,
        WHITE,
        MARGIN + pad,
        width - 2.0 * pad,
        Align::Center,
    );
    c.y += pad;
    c.items.insert(
        band_index,
        Item::Rect {
            x: MARGIN,
            y: band_top,
            w: width,
            h: c.y - band_top,
            color: RED,
        },
    );

    c.y += 20.0 * s;
    c.text(
        &content.office,
        Weight::Bold,
        30.0 * s,
        INK,
        MARGIN,
        width,
        Align::Center,
    );
    c.y += 10.0 * s;
    for line in &content.period {
        c.text(
            line,
            Weight::Bold,
            22.0 * s,
            RED,
            MARGIN,
            width,
            Align::Center,
        );
    }
    c.y += 10.0 * s;
    for paragraph in [&content.reason, &content.message] {
        if !paragraph.trim().is_empty() {
            c.text(
                paragraph,
                Weight::Regular,
                19.0 * s,
                INK,
                MARGIN,
                width,
                Align::Center,
            );
            c.y += 4.0 * s;
        }
    }

    c.y += 14.0 * s;
    c.items.push(Item::Rect {
        x: MARGIN,
        y: c.y,
        w: width,
        h: 1.5,
        color: RULE,
    });
    c.y += 16.0 * s;

    if !content.ways_heading.trim().is_empty() {
        c.text(
            &content.ways_heading,
            Weight::Bold,
            23.0 * s,
            INK,
            MARGIN,
            width,
            Align::Left,
        );
        c.y += 6.0 * s;
    }
    let item_size = 21.0 * s;
    let bullet = "•";
    let indent = fonts.bold.width("• ", item_size) + 4.0 * s;
    for way in &content.ways {
        if way.trim().is_empty() {
            continue;
        }
        let baseline = c.baseline(Weight::Regular, item_size);
        c.items.push(Item::Text {
            x: MARGIN,
            baseline,
            size: item_size,
            weight: Weight::Bold,
            text: bullet.to_owned(),
            color: RED,
        });
        c.text(
            way,
            Weight::Regular,
            item_size,
            INK,
            MARGIN + indent,
            width - indent,
            Align::Left,
        );
        c.y += 6.0 * s;
    }

    // The QR code on the left, how to use it on the right.
    let mut qr = None;
    if let Some(code) = code {
        c.y += 14.0 * s;
        let n = code.width();
        let side = 220.0 * s;
        let module = side / (n + 2 * QUIET_ZONE) as f32;
        let gap = 18.0 * s;
        let caption_x = MARGIN + side + gap;
        let caption_w = width - side - gap;
        let caption_size = 21.0 * s;
        let caption_h = c.measure(&content.qr_caption, Weight::Bold, caption_size, caption_w);
        let block = side.max(caption_h);
        let top = c.y;
        qr = Some(Qr {
            x: MARGIN + QUIET_ZONE as f32 * module,
            y: top + (block - side) / 2.0 + QUIET_ZONE as f32 * module,
            module,
            width: n,
            dark: code.to_colors().iter().map(|m| *m == Color::Dark).collect(),
            link: content.qr_link.clone(),
        });
        c.y = top + (block - caption_h) / 2.0;
        c.text(
            &content.qr_caption,
            Weight::Bold,
            caption_size,
            INK,
            caption_x,
            caption_w,
            Align::Left,
        );
        c.y = top + block;
    }

    // The footer sits at the bottom of the page; the rest must end above it.
    let footer_size = 12.0 * s;
    let footer_h = c.measure(&content.footer, Weight::Regular, footer_size, width);
    let footer_top = PAGE_HEIGHT_PT - MARGIN - footer_h;
    if c.y + 12.0 * s > footer_top {
        return None;
    }
    c.y = footer_top;
    c.text(
        &content.footer,
        Weight::Regular,
        footer_size,
        GREY,
        MARGIN,
        width,
        Align::Center,
    );
    Some(Page { items: c.items, qr })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> PosterContent {
        PosterContent {
            headline: "KANTOR TUTUP SEMENTARA".into(),
            office: "Kantor Cabang Palembang".into(),
            period: vec![
                "Mulai Senin, 23 November 2026 pukul 10.00 WIB".into(),
                "sampai Rabu, 25 November 2026 pukul 23.59 WIB".into(),
            ],
            reason: "Alasan: sterilisasi ruangan".into(),
            message: "Mohon maaf atas ketidaknyamanannya.".into(),
            ways_heading: "Anda tetap dapat dilayani melalui:".into(),
            ways: vec![
                "WhatsApp PANDAWA kantor cabang: 0811-8165-165".into(),
                "Telepon BPJS Kesehatan Care Center 165".into(),
                "Aplikasi Mobile JKN".into(),
            ],
            qr_link: "https://wa.me/628118165165?text=Halo".into(),
            qr_caption: "Chat WhatsApp kantor cabang:\n1. Buka kamera HP.".into(),
            footer: "BPJS Kesehatan".into(),
        }
    }

    fn fits(page: &Page, fonts: &Fonts) {
        for item in &page.items {
            match item {
                Item::Rect { x, y, w, h, .. } => {
                    assert!(*x >= 0.0 && *y >= 0.0);
                    assert!(x + w <= PAGE_WIDTH_PT && y + h <= PAGE_HEIGHT_PT);
                }
                Item::Text {
                    x,
                    baseline,
                    size,
                    weight,
                    text,
                    ..
                } => {
                    let f = fonts.get(*weight);
                    assert!(*x >= MARGIN - 0.01, "{text}");
                    assert!(
                        x + f.width(text, *size) <= PAGE_WIDTH_PT - MARGIN + 0.01,
                        "{text}"
                    );
                    assert!(baseline - f.ascent_em() * size >= MARGIN - 0.01, "{text}");
                    assert!(
                        baseline - f.descent_em() * size <= PAGE_HEIGHT_PT - MARGIN + 0.01,
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_normal_poster_keeps_full_size_type() {
        let fonts = Fonts::load();
        let page = layout(&sample(), &fonts).unwrap();
        fits(&page, &fonts);
        let headline = page.items.iter().find_map(|i| match i {
            Item::Text { size, text, .. } if text.starts_with("KANTOR") => Some(*size),
            _ => None,
        });
        assert!(headline.unwrap() > 45.0, "{headline:?}");
        let qr = page.qr.unwrap();
        assert!(qr.module * (qr.width as f32) > 150.0, "the code is large");
    }

    #[test]
    fn long_text_shrinks_to_fit_and_too_long_text_is_refused() {
        let fonts = Fonts::load();
        let mut content = sample();
        content.message = "Mohon maaf atas ketidaknyamanannya. ".repeat(8);
        let page = layout(&content, &fonts).unwrap();
        fits(&page, &fonts);
        content.message = "Mohon maaf atas ketidaknyamanannya. ".repeat(200);
        assert!(matches!(
            layout(&content, &fonts),
            Err(PosterError::TooLong)
        ));
    }

    #[test]
    fn centred_lines_are_balanced() {
        let fonts = Fonts::load();
        let text = "Mulai Senin, 23 November 2026 pukul 10.00 WIB";
        let width = fonts.bold.width(text, 22.0) - 10.0;
        let greedy = fonts.bold.wrap(text, 22.0, width);
        assert_eq!(greedy[1], "WIB", "the case balancing is for");
        let lines = balanced(&fonts.bold, text, 22.0, width);
        assert_eq!(lines, ["Mulai Senin, 23 November", "2026 pukul 10.00 WIB"]);
    }

    #[test]
    fn no_link_means_no_code() {
        let fonts = Fonts::load();
        let mut content = sample();
        content.qr_link.clear();
        assert!(layout(&content, &fonts).unwrap().qr.is_none());
    }
}
