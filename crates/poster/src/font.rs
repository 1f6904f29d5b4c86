//! The two vendored faces and text measurement. Both renderers place every glyph at the
//! advance measured here (no kerning), so a line measured to fit fits in both formats.

use ab_glyph::FontRef;
use std::sync::OnceLock;
use ttf_parser::{Face, GlyphId};

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

pub struct Font {
    pub data: &'static [u8],
    pub face: Face<'static>,
    pub raster: FontRef<'static>,
    units_per_em: f32,
    fallback: u16,
}

pub struct Fonts {
    pub regular: Font,
    pub bold: Font,
}

impl Fonts {
    /// The faces, parsed on first use and shared by every render after.
    pub fn shared() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(Fonts::load)
    }

    pub fn load() -> Fonts {
        Fonts {
            regular: Font::load(REGULAR_TTF),
            bold: Font::load(BOLD_TTF),
        }
    }

    pub fn get(&self, weight: Weight) -> &Font {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

impl Font {
    fn load(data: &'static [u8]) -> Font {
        // The fonts are compiled in and covered by the tests: failing here is a build defect.
        let face = Face::parse(data, 0).expect("vendored DejaVu font parses");
        let raster = FontRef::try_from_slice(data).expect("vendored DejaVu font parses");
        let units_per_em = f32::from(face.units_per_em());
        let fallback = face.glyph_index('?').map_or(0, |g| g.0);
        Font {
            data,
            face,
            raster,
            units_per_em,
            fallback,
        }
    }

    /// The glyph drawn for `c`: a question mark for characters the face lacks, so the
    /// reader sees that something is missing instead of an empty box.
    pub fn glyph(&self, c: char) -> u16 {
        match self.face.glyph_index(c) {
            Some(g) if g.0 != 0 => g.0,
            _ => self.fallback,
        }
    }

    /// Advance of a glyph as a fraction of the em.
    pub fn advance_em(&self, glyph: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0)) / self.units_per_em
    }

    pub fn to_em(&self, units: f32) -> f32 {
        units / self.units_per_em
    }

    /// Width of `text` set at `size` points, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance_em(self.glyph(c)))
            .sum::<f32>()
            * size
    }

    /// Ascender and descender (negative) as fractions of the em.
    pub fn ascent_em(&self) -> f32 {
        self.to_em(f32::from(self.face.ascender()))
    }

    pub fn descent_em(&self) -> f32 {
        self.to_em(f32::from(self.face.descender()))
    }

    /// Breaks `text` into lines no wider than `max_width` points at `size`: at spaces,
    /// and inside a word only when the word alone is wider than the line.
    pub fn wrap(&self, text: &str, size: f32, max_width: f32) -> Vec<String> {
        // Widths add up glyph by glyph (no kerning), so lines grow without re-measuring.
        let space = self.width(" ", size);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in text.split_whitespace() {
            let word_width = self.width(word, size);
            if !line.is_empty() && line_width + space + word_width <= max_width {
                line.push(' ');
                line.push_str(word);
                line_width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_width <= max_width {
                line = word.to_owned();
                line_width = word_width;
                continue;
            }
            line_width = 0.0;
            for c in word.chars() {
                let w = self.width(c.encode_utf8(&mut [0; 4]), size);
                if !line.is_empty() && line_width + w > max_width {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += w;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_never_exceed_the_width_and_keep_every_word() {
        let fonts = Fonts::load();
        let text = "Kantor Cabang Palembang tutup sementara karena sterilisasi ruangan \
                    setelah petugas dinyatakan positif COVID-19 – mohon maaf. \
                    Tautanyangsangatpanjangsekalitanpaspasisamasekaliyangharusdipotong";
        for size in [12.0, 20.0, 40.0] {
            for weight in [Weight::Regular, Weight::Bold] {
                let font = fonts.get(weight);
                let lines = font.wrap(text, size, 300.0);
                assert!(lines.len() > 1);
                for l in &lines {
                    assert!(font.width(l, size) <= 300.0, "{l:?} at {size}");
                }
                assert_eq!(
                    lines.join("").replace(' ', ""),
                    text.split_whitespace().collect::<String>()
                );
            }
        }
    }

    #[test]
    fn the_faces_cover_indonesian_text_and_the_dash() {
        let fonts = Fonts::load();
        for c in "–•é“”".chars() {
            assert_ne!(fonts.bold.glyph(c), fonts.bold.glyph('?'), "{c}");
            assert_ne!(fonts.regular.glyph(c), fonts.regular.glyph('?'), "{c}");
        }
        assert_eq!(fonts.regular.glyph('\u{10FFFF}'), fonts.regular.glyph('?'));
        assert!(fonts.bold.width("W", 10.0) > fonts.bold.width("i", 10.0));
    }
}
