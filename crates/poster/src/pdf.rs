//! The PDF: one page, both DejaVu faces embedded as subset TrueType CID fonts (Identity-H,
//! with a ToUnicode map so the text can be searched, copied and read aloud).

use crate::font::{Font, Fonts, Weight};
use crate::layout::{Item, Page, Qr, Rgb, INK};
use crate::{PosterContent, PosterError, PAGE_HEIGHT_PT, PAGE_WIDTH_PT};
use pdf_writer::types::{
    ActionType, AnnotationType, CidFontType, FontFlags, SystemInfo, UnicodeCmap,
};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use subsetter::GlyphRemapper;

const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// The glyphs one face draws on the page, renumbered for its subset.
struct Used {
    remapper: GlyphRemapper,
    /// New glyph id → the character it shows, for ToUnicode.
    chars: BTreeMap<u16, char>,
}

impl Used {
    fn new() -> Used {
        Used {
            remapper: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        }
    }

    /// The text as big-endian 2-byte codes of the subset's glyphs.
    fn encode(&mut self, font: &Font, text: &str) -> Vec<u8> {
        let mut codes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let id = self.remapper.remap(font.glyph(c));
            self.chars.entry(id).or_insert(c);
            codes.extend_from_slice(&id.to_be_bytes());
        }
        codes
    }
}

struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

pub fn write(page: &Page, fonts: &Fonts, content: &PosterContent) -> Result<Vec<u8>, PosterError> {
    let mut refs = Refs(0);
    let catalog = refs.next();
    let pages = refs.next();
    let page_ref = refs.next();
    let contents = refs.next();
    let info = refs.next();
    let link = refs.next();
    let mut used = [Used::new(), Used::new()];
    let names = [Name(b"F1"), Name(b"F2")];
    let index = |w: Weight| match w {
        Weight::Regular => 0,
        Weight::Bold => 1,
    };

    let mut ops = Content::new();
    for item in &page.items {
        match item {
            Item::Rect { x, y, w, h, color } => {
                fill_color(&mut ops, *color);
                ops.rect(*x, PAGE_HEIGHT_PT - y - h, *w, *h);
                ops.fill_nonzero();
            }
            Item::Text {
                x,
                baseline,
                size,
                weight,
                text,
                color,
            } => {
                let i = index(*weight);
                let codes = used[i].encode(fonts.get(*weight), text);
                fill_color(&mut ops, *color);
                ops.begin_text();
                ops.set_font(names[i], *size);
                ops.next_line(*x, PAGE_HEIGHT_PT - baseline);
                ops.show(Str(&codes));
                ops.end_text();
            }
        }
    }
    if let Some(qr) = &page.qr {
        draw_qr(&mut ops, qr);
    }

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages).lang(TextStr("id"));
    pdf.pages(pages).kids([page_ref]).count(1);
    let font_refs: Vec<Ref> = (0..2).map(|_| refs.next()).collect();
    {
        let mut p = pdf.page(page_ref);
        p.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH_PT, PAGE_HEIGHT_PT))
            .parent(pages)
            .contents(contents);
        if page.qr.is_some() {
            p.annotations([link]);
        }
        let mut resources = p.resources();
        let mut font_dict = resources.fonts();
        for (name, r) in names.iter().zip(&font_refs) {
            font_dict.pair(*name, *r);
        }
        font_dict.finish();
        resources.finish();
        p.finish();
    }
    let stream = compress(&ops.finish());
    pdf.stream(contents, &stream).filter(Filter::FlateDecode);

    // A phone or computer showing the PDF opens the chat on a tap of the code.
    if let Some(qr) = &page.qr {
        let side = qr.module * qr.width as f32;
        let mut annotation = pdf.annotation(link);
        annotation
            .subtype(AnnotationType::Link)
            .rect(Rect::new(
                qr.x,
                PAGE_HEIGHT_PT - qr.y - side,
                qr.x + side,
                PAGE_HEIGHT_PT - qr.y,
            ))
            .border(0.0, 0.0, 0.0, None);
        annotation
            .action()
            .action_type(ActionType::Uri)
            .uri(Str(qr.link.as_bytes()));
        annotation.finish();
    }

    let title = format!("{} - {}", content.headline, content.office);
    pdf.document_info(info)
        .title(TextStr(&title))
        .creator(TextStr("Layan"));

    for (i, (font, postscript)) in [
        (&fonts.regular, "DejaVuSans"),
        (&fonts.bold, "DejaVuSans-Bold"),
    ]
    .into_iter()
    .enumerate()
    {
        // Subset fonts carry a six-letter tag; one per face keeps the names distinct.
        let base = format!("LAYAN{}+{postscript}", ['A', 'B'][i]);
        write_font(&mut pdf, &mut refs, font_refs[i], font, &used[i], &base)?;
    }
    Ok(pdf.finish())
}

fn fill_color(ops: &mut Content, color: Rgb) {
    ops.set_fill_rgb(
        f32::from(color.0) / 255.0,
        f32::from(color.1) / 255.0,
        f32::from(color.2) / 255.0,
    );
}

/// The dark modules as one path of horizontal runs: one fill, so no hairline seams between
/// neighbouring modules when a viewer anti-aliases.
fn draw_qr(ops: &mut Content, qr: &Qr) {
    fill_color(ops, INK);
    for (row, modules) in qr.dark.chunks(qr.width).enumerate() {
        let top = qr.y + row as f32 * qr.module;
        let mut col = 0;
        while col < modules.len() {
            if !modules[col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < modules.len() && modules[col] {
                col += 1;
            }
            ops.rect(
                qr.x + start as f32 * qr.module,
                PAGE_HEIGHT_PT - top - qr.module,
                (col - start) as f32 * qr.module,
                qr.module,
            );
        }
    }
    ops.fill_nonzero();
}

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

fn write_font(
    pdf: &mut Pdf,
    refs: &mut Refs,
    type0: Ref,
    font: &Font,
    used: &Used,
    base: &str,
) -> Result<(), PosterError> {
    let (cid, descriptor, file, to_unicode) = (refs.next(), refs.next(), refs.next(), refs.next());
    let base = Name(base.as_bytes());
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);

    let widths: Vec<f32> = used
        .remapper
        .remapped_gids()
        .map(|old| (font.advance_em(old) * 1000.0).round())
        .collect();
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(IDENTITY)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();

    let face = &font.face;
    let per_mille = |v: i16| (font.to_em(f32::from(v)) * 1000.0).round();
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            per_mille(bbox.x_min),
            per_mille(bbox.y_min),
            per_mille(bbox.x_max),
            per_mille(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(per_mille(face.ascender()))
        .descent(per_mille(face.descender()))
        .cap_height(per_mille(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(if face.is_bold() { 140.0 } else { 80.0 })
        .font_file2(file);

    let subset = subsetter::subset(font.data, 0, &used.remapper)
        .map_err(|e| PosterError::Encode(format!("font subset: {e}")))?;
    pdf.stream(file, &compress(&subset))
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);

    let mut cmap = UnicodeCmap::new(Name(b"Layan-UTF16"), IDENTITY);
    for (id, c) in &used.chars {
        cmap.pair(*id, *c);
    }
    pdf.stream(to_unicode, &compress(&cmap.finish()))
        .filter(Filter::FlateDecode);
    Ok(())
}
