//! Which uploads are accepted: images (JPEG, PNG, WebP) and PDF, judged by their first bytes
//! rather than the name or the browser's claim, up to a size limit.
//!
//! HELPER: implement and test with real file headers.

use thiserror::Error;

/// Largest attachment accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl UploadKind {
    pub fn mime(self) -> &'static str {
        match self {
            UploadKind::Jpeg => "image/jpeg",
            UploadKind::Png => "image/png",
            UploadKind::Webp => "image/webp",
            UploadKind::Pdf => "application/pdf",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            UploadKind::Jpeg => "jpg",
            UploadKind::Png => "png",
            UploadKind::Webp => "webp",
            UploadKind::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UploadError {
    #[error("file is empty")]
    Empty,
    #[error("file is {size} bytes, more than the {limit} allowed")]
    TooLarge { size: usize, limit: usize },
    #[error("only photos (JPG, PNG, WebP) and PDF are accepted")]
    NotAllowed,
}

impl UploadError {
    /// What the participant is told, in Indonesian.
    pub fn message_id(&self) -> String {
        todo!()
    }
}

/// The kind of an upload from its bytes, or why it is refused.
pub fn check(bytes: &[u8]) -> Result<UploadKind, UploadError> {
    let _ = bytes;
    todo!()
}
