//! The PNG: the layout drawn onto an RGB buffer, glyphs anti-aliased by `ab_glyph`.

use crate::font::Fonts;
use crate::layout::{Item, Page, Qr, Rgb};
use crate::{PosterError, PAGE_HEIGHT_PT, PAGE_WIDTH_PT};
use ab_glyph::{point, Font as _, Glyph, GlyphId, PxScale};

struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![255; width as usize * height as usize * 3],
        }
    }

    /// Paints `color` over the pixel with opacity `alpha` (0..=1); off-canvas is ignored.
    fn blend(&mut self, x: i64, y: i64, color: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let alpha = alpha.clamp(0.0, 1.0);
        let i = (y as usize * self.width as usize + x as usize) * 3;
        for (channel, value) in [color.0, color.1, color.2].into_iter().enumerate() {
            let old = f32::from(self.pixels[i + channel]);
            self.pixels[i + channel] = (old + (f32::from(value) - old) * alpha).round() as u8;
        }
    }

    /// Fills the pixels whose centres lie in [x0, x1) × [y0, y1): rectangles that touch in
    /// points touch in pixels, with neither gap nor overlap (what keeps QR modules square).
    fn fill(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, color: Rgb) {
        let (x0, x1) = (x0.round() as i64, x1.round() as i64);
        let (y0, y1) = (y0.round() as i64, y1.round() as i64);
        for y in y0..y1 {
            for x in x0..x1 {
                self.blend(x, y, color, 1.0);
            }
        }
    }
}

pub fn write(page: &Page, fonts: &Fonts, dpi: f32) -> Result<Vec<u8>, PosterError> {
    let k = dpi / 72.0;
    let mut canvas = Canvas::new(
        (PAGE_WIDTH_PT * k).round() as u32,
        (PAGE_HEIGHT_PT * k).round() as u32,
    );
    for item in &page.items {
        match item {
            Item::Rect { x, y, w, h, color } => {
                canvas.fill(x * k, y * k, (x + w) * k, (y + h) * k, *color)
            }
            Item::Text {
                x,
                baseline,
                size,
                weight,
                text,
                color,
            } => {
                let font = fonts.get(*weight);
                let raster = &font.raster;
                // ab_glyph scales by ascent − descent, the layout by the em: convert.
                let em_px = size * k;
                let units_per_em = raster.units_per_em().unwrap_or(2048.0);
                let scale = PxScale::from(
                    em_px * (raster.ascent_unscaled() - raster.descent_unscaled()) / units_per_em,
                );
                let mut pen = *x;
                for c in text.chars() {
                    let id = font.glyph(c);
                    let glyph = Glyph {
                        id: GlyphId(id),
                        scale,
                        position: point(pen * k, baseline * k),
                    };
                    if let Some(outline) = raster.outline_glyph(glyph) {
                        let bounds = outline.px_bounds();
                        let (left, top) = (bounds.min.x as i64, bounds.min.y as i64);
                        outline.draw(|gx, gy, coverage| {
                            canvas.blend(
                                left + i64::from(gx),
                                top + i64::from(gy),
                                *color,
                                coverage,
                            )
                        });
                    }
                    pen += font.advance_em(id) * size;
                }
            }
        }
    }
    if let Some(qr) = &page.qr {
        draw_qr(&mut canvas, qr, k);
    }
    encode(&canvas, dpi)
}

fn draw_qr(canvas: &mut Canvas, qr: &Qr, k: f32) {
    for (i, dark) in qr.dark.iter().enumerate() {
        if *dark {
            let (row, col) = ((i / qr.width) as f32, (i % qr.width) as f32);
            let x = qr.x + col * qr.module;
            let y = qr.y + row * qr.module;
            canvas.fill(
                x * k,
                y * k,
                (x + qr.module) * k,
                (y + qr.module) * k,
                crate::layout::INK,
            );
        }
    }
}

fn encode(canvas: &Canvas, dpi: f32) -> Result<Vec<u8>, PosterError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, canvas.width, canvas.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // So that printing "at actual size" gives A4.
    let per_metre = (dpi / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder
        .write_header()
        .map_err(|e| PosterError::Encode(e.to_string()))?;
    writer
        .write_image_data(&canvas.pixels)
        .map_err(|e| PosterError::Encode(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| PosterError::Encode(e.to_string()))?;
    Ok(out)
}
