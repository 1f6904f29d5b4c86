//! Which uploads are accepted: images (JPEG, PNG, WebP) and PDF, judged by their first bytes
//! rather than the name or the browser's claim, up to a size limit.

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

/// Megabytes with one decimal, Indonesian style ("5,2"), rounded up so that a file just over
/// the limit never reads as equal to it.
fn megabytes_id(bytes: usize) -> String {
    let tenths = (bytes as u64 * 10).div_ceil(1024 * 1024);
    match tenths % 10 {
        0 => format!("{}", tenths / 10),
        r => format!("{},{r}", tenths / 10),
    }
}

impl UploadError {
    /// What the participant is told, in Indonesian.
    pub fn message_id(&self) -> String {
        match self {
            UploadError::Empty => {
                "Berkas yang Bapak/Ibu kirim kosong. Mohon unggah ulang foto atau dokumennya."
                    .to_string()
            }
            UploadError::TooLarge { size, limit } => format!(
                "Ukuran berkas {} MB melebihi batas {} MB. Mohon kirim foto atau dokumen \
                 yang lebih kecil.",
                megabytes_id(*size),
                megabytes_id(*limit)
            ),
            UploadError::NotAllowed => "Mohon maaf, kami hanya dapat menerima foto (JPG, PNG, \
                 WebP) atau dokumen PDF."
                .to_string(),
        }
    }
}

/// The kind of an upload from its bytes, or why it is refused.
pub fn check(bytes: &[u8]) -> Result<UploadKind, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge {
            size: bytes.len(),
            limit: MAX_UPLOAD_BYTES,
        });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(UploadKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok(UploadKind::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Ok(UploadKind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Ok(UploadKind::Pdf)
    } else {
        Err(UploadError::NotAllowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The start of a JFIF photo as cameras and phones write it.
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00,
    ];
    /// PNG signature and the IHDR chunk header.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, b'I', b'H', b'D',
        b'R',
    ];
    /// RIFF, a little-endian size, WEBP and a VP8 chunk.
    const WEBP: &[u8] = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00";
    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n";

    #[test]
    fn real_headers_are_recognised() {
        assert_eq!(check(JPEG), Ok(UploadKind::Jpeg));
        assert_eq!(check(PNG), Ok(UploadKind::Png));
        assert_eq!(check(WEBP), Ok(UploadKind::Webp));
        assert_eq!(check(PDF), Ok(UploadKind::Pdf));
        // An EXIF JPEG too.
        assert_eq!(check(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]), Ok(UploadKind::Jpeg));
        assert_eq!(UploadKind::Webp.mime(), "image/webp");
        assert_eq!(UploadKind::Jpeg.extension(), "jpg");
    }

    #[test]
    fn other_files_are_refused_whatever_their_name() {
        for bad in [
            &b"GIF89a\x01\x00\x01\x00"[..],
            b"PK\x03\x04\x14\x00\x06\x00",   // a .docx or .zip
            b"MZ\x90\x00\x03\x00",           // a Windows program
            b"<html><body>",                 // a web page
            b"RIFF\x24\x00\x00\x00WAVEfmt ", // audio, not WebP
            b"RIFF",                         // truncated
            &[0xFF, 0xD8],                   // truncated JPEG
            &[0x89, b'P', b'N', b'G', 0x0D], // truncated PNG
            b"%PD",
        ] {
            assert_eq!(check(bad), Err(UploadError::NotAllowed), "{bad:?}");
        }
    }

    #[test]
    fn empty_and_too_large_files_are_refused() {
        assert_eq!(check(&[]), Err(UploadError::Empty));
        let mut big = PDF.to_vec();
        big.resize(MAX_UPLOAD_BYTES, 0);
        assert_eq!(check(&big), Ok(UploadKind::Pdf));
        big.push(0);
        let err = check(&big).unwrap_err();
        assert_eq!(
            err,
            UploadError::TooLarge {
                size: MAX_UPLOAD_BYTES + 1,
                limit: MAX_UPLOAD_BYTES
            }
        );
        assert_eq!(
            err.message_id(),
            "Ukuran berkas 5,1 MB melebihi batas 5 MB. Mohon kirim foto atau dokumen yang lebih kecil."
        );
    }

    #[test]
    fn every_refusal_is_explained_in_indonesian() {
        for e in [
            UploadError::Empty,
            UploadError::NotAllowed,
            UploadError::TooLarge {
                size: 8 * 1024 * 1024,
                limit: MAX_UPLOAD_BYTES,
            },
        ] {
            let m = e.message_id();
            assert!(m.starts_with(char::is_uppercase) && m.ends_with('.'), "{m}");
            assert!(m.contains("Mohon"), "{m}");
        }
        assert!(UploadError::NotAllowed.message_id().contains("PDF"));
    }

    proptest! {
        #[test]
        fn accepted_files_start_with_their_magic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            match check(&bytes) {
                Ok(UploadKind::Jpeg) => prop_assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
                Ok(UploadKind::Png) => prop_assert!(bytes.starts_with(&PNG[..8])),
                Ok(UploadKind::Webp) => prop_assert!(bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP"),
                Ok(UploadKind::Pdf) => prop_assert!(bytes.starts_with(b"%PDF-")),
                Err(UploadError::Empty) => prop_assert!(bytes.is_empty()),
                Err(UploadError::NotAllowed) => prop_assert!(!bytes.is_empty()),
                Err(UploadError::TooLarge { .. }) => prop_assert!(false),
            }
        }

        #[test]
        fn anything_after_the_magic_is_fine(tail in proptest::collection::vec(any::<u8>(), 0..64)) {
            for (head, kind) in [(JPEG, UploadKind::Jpeg), (PNG, UploadKind::Png), (WEBP, UploadKind::Webp), (PDF, UploadKind::Pdf)] {
                let mut f = head.to_vec();
                f.extend_from_slice(&tail);
                prop_assert_eq!(check(&f), Ok(kind));
            }
        }
    }
}
