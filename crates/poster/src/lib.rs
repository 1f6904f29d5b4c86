//! The closure poster for a branch office's door: one A4 portrait page, as PDF (to print) or
//! PNG (to share or print), in large type for people who have never used the app, with a QR
//! code that opens a WhatsApp chat with the branch.
//!
//! Pure: plain strings in, bytes out. Both formats are drawn from one layout (`layout`), in
//! the same vendored DejaVu Sans faces, so they look alike and measure alike. The layout
//! shrinks everything together until it fits the page, so no text ever runs off it.

mod font;
mod layout;
mod pdf;
mod raster;

/// What the poster says, already in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PosterContent {
    /// "KANTOR TUTUP SEMENTARA".
    pub headline: String,
    /// "Kantor Cabang Palembang".
    pub office: String,
    /// When the office is closed, one line each ("Mulai ...", "sampai ...").
    pub period: Vec<String>,
    /// Why, e.g. "Alasan: sterilisasi ruangan".
    pub reason: String,
    /// The branch's own words to its visitors; may be empty.
    pub message: String,
    /// Introduces `ways`, e.g. "Anda tetap dapat dilayani melalui:".
    pub ways_heading: String,
    /// How to be served meanwhile, one item each.
    pub ways: Vec<String>,
    /// What the QR code opens, e.g. a wa.me link. Empty: no QR code.
    pub qr_link: String,
    /// Beside the QR code: what it does and how to use it, step by step.
    pub qr_caption: String,
    /// Small print at the bottom of the page.
    pub footer: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PosterError {
    /// The link does not fit in a QR code (far beyond any real link).
    #[error("the QR link cannot be encoded: {0}")]
    Qr(String),
    /// Even in the smallest type allowed the text does not fit on one page.
    #[error("the poster text is too long for one page")]
    TooLong,
    #[error("cannot write the poster: {0}")]
    Encode(String),
}

/// A4 portrait in PDF points (1/72 inch).
pub const PAGE_WIDTH_PT: f32 = 595.28;
pub const PAGE_HEIGHT_PT: f32 = 841.89;
/// The PNG's resolution: sharp enough to print large type, small enough to send by chat.
pub const PNG_DPI: f32 = 150.0;

/// The poster as a one-page PDF with the fonts embedded (subset).
pub fn pdf(content: &PosterContent) -> Result<Vec<u8>, PosterError> {
    let fonts = font::Fonts::shared();
    let page = layout::layout(content, fonts)?;
    pdf::write(&page, fonts, content)
}

/// The poster as an RGB PNG of an A4 page at [`PNG_DPI`].
pub fn png(content: &PosterContent) -> Result<Vec<u8>, PosterError> {
    let fonts = font::Fonts::shared();
    let page = layout::layout(content, fonts)?;
    raster::write(&page, fonts, PNG_DPI)
}
