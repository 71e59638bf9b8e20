//! Photos shoppers attach (a damaged item, a wrong size): images only, known by their bytes
//! rather than by what the browser claims, with what cameras and phones write into them (EXIF:
//! position, device, time; XMP; comments) removed before anything is stored.

use img_parts::jpeg::markers;
use img_parts::webp::CHUNK_XMP;
use img_parts::{Bytes, DynImage, ImageEXIF};

/// Largest photo accepted.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// A photo fit to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub content_type: &'static str,
    pub bytes: Bytes,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("only JPEG, PNG and WebP images can be attached")]
    NotAnImage,
    #[error("the image is damaged or cut short")]
    Damaged,
}

/// PNG chunks that carry text, time or EXIF rather than pixels.
const PNG_METADATA: [&[u8; 4]; 5] = [b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"];

/// The photo in `bytes` without its metadata.
pub fn clean(bytes: Bytes) -> Result<Photo, PhotoError> {
    let image = DynImage::from_bytes(bytes)
        .map_err(|_| PhotoError::Damaged)?
        .ok_or(PhotoError::NotAnImage)?;
    let (content_type, image) = match image {
        DynImage::Jpeg(mut jpeg) => {
            // Kept: JFIF (APP0), the colour profile (APP2 "ICC_PROFILE") and Adobe's colour
            // transform (APP14), which decoding needs; every other application segment and
            // comment goes.
            jpeg.segments_mut()
                .retain(|segment| match segment.marker() {
                    markers::APP0 | markers::APP14 => true,
                    markers::APP2 => segment.contents().starts_with(b"ICC_PROFILE\0"),
                    marker => {
                        !(markers::APP1..=markers::APP15).contains(&marker)
                            && marker != markers::COM
                    }
                });
            ("image/jpeg", DynImage::Jpeg(jpeg))
        }
        DynImage::Png(mut png) => {
            png.chunks_mut()
                .retain(|chunk| !PNG_METADATA.contains(&&chunk.kind()));
            ("image/png", DynImage::Png(png))
        }
        DynImage::WebP(mut webp) => {
            webp.remove_chunks_by_id(CHUNK_XMP);
            // Also rewrites the header's flags to what is left.
            webp.set_exif(None);
            ("image/webp", DynImage::WebP(webp))
        }
    };
    Ok(Photo {
        content_type,
        bytes: image.encoder().bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
        let len = u16::try_from(contents.len() + 2).unwrap().to_be_bytes();
        [&[0xFF, marker][..], &len, contents].concat()
    }

    /// A JPEG's structure with a location in its EXIF and a comment (the pixels do not matter
    /// to the container).
    fn jpeg_with_metadata() -> Vec<u8> {
        [
            vec![0xFF, markers::SOI],
            segment(markers::APP0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
            segment(markers::APP1, b"Exif\0\0GPS 48.8584 N 2.2945 E"),
            segment(
                markers::APP1,
                b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Ada</x:xmpmeta>",
            ),
            segment(markers::APP2, b"ICC_PROFILE\0\x01\x01profile"),
            segment(markers::COM, b"taken by Ada Lovelace"),
            segment(markers::DQT, &[0; 65]),
            segment(markers::SOF0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
            segment(markers::SOS, &[1, 1, 0, 0, 0x3F, 0]),
            vec![0x12, 0x34, 0xFF, markers::EOI],
        ]
        .concat()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_its_exif_xmp_and_comments_and_keeps_its_colours() {
        let photo = clean(Bytes::from(jpeg_with_metadata())).unwrap();
        assert_eq!(photo.content_type, "image/jpeg");
        for gone in [&b"GPS"[..], b"xmpmeta", b"Ada Lovelace"] {
            assert!(!contains(&photo.bytes, gone));
        }
        assert!(contains(&photo.bytes, b"ICC_PROFILE"));
        assert!(contains(&photo.bytes, b"JFIF"));
        assert!(photo.bytes.ends_with(&[0xFF, markers::EOI]));
    }

    #[test]
    fn a_png_loses_its_text_chunks() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let crc = crc32(&[&kind[..], data].concat());
            [
                &u32::try_from(data.len()).unwrap().to_be_bytes()[..],
                kind,
                data,
                &crc.to_be_bytes(),
            ]
            .concat()
        };
        let png = [
            &b"\x89PNG\r\n\x1a\n"[..],
            &chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]),
            &chunk(b"tEXt", b"Author\0Ada Lovelace"),
            &chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]),
            &chunk(b"IEND", &[]),
        ]
        .concat();
        let photo = clean(Bytes::from(png)).unwrap();
        assert_eq!(photo.content_type, "image/png");
        assert!(!contains(&photo.bytes, b"Ada Lovelace"));
        assert!(contains(&photo.bytes, b"IDAT"));
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert_eq!(
            clean(Bytes::from_static(b"<svg onload=alert(1)>")),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(
            clean(Bytes::from_static(b"GIF89a\x01\x00\x01\x00")),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(clean(Bytes::new()), Err(PhotoError::NotAnImage));
        let cut = &jpeg_with_metadata()[..20];
        assert_eq!(clean(Bytes::copy_from_slice(cut)), Err(PhotoError::Damaged));
    }

    /// CRC-32 (ISO-HDLC), as PNG chunks carry it.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
