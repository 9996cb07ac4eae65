//! Small synthetic images for the 券面事項確認AP (card-protocol.md §1.3):
//! 1-bit greyscale PNGs for the name/address/個人番号/security-code images and
//! a greyscale JPEG 2000 (JP2) "photo". They are valid files with a
//! deterministic pixel pattern derived from a seed, not renderings of text.

use sha2::{Digest, Sha256};

/// A 1-bit greyscale PNG of `width`×`height` whose pixels come from `seed`.
pub fn synthetic_png(width: u32, height: u32, seed: &[u8]) -> Vec<u8> {
    let row_bytes = width.div_ceil(8) as usize;
    let pattern = expand(seed, row_bytes * height as usize);
    let mut raw = Vec::with_capacity((row_bytes + 1) * height as usize);
    for row in pattern.chunks(row_bytes.max(1)).take(height as usize) {
        raw.push(0); // filter type None
        raw.extend_from_slice(row);
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // depth 1, greyscale, deflate, no filter, no interlace
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(b"IDAT", &zlib_stored(&raw)));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

/// A greyscale JP2 file (signature, ftyp, jp2h{ihdr,colr}, jp2c) whose
/// codestream is one tile with one empty packet, i.e. a flat grey image of
/// `width`×`height`. Valid structure, no real picture.
pub fn synthetic_jp2(width: u32, height: u32) -> Vec<u8> {
    let mut codestream = vec![0xFF, 0x4F]; // SOC
                                           // SIZ: Lsiz 41, Rsiz 0, image and tile size, 1 component 8-bit unsigned.
    codestream.extend_from_slice(&[0xFF, 0x51, 0x00, 0x29, 0x00, 0x00]);
    for value in [width, height, 0, 0, width, height, 0, 0] {
        codestream.extend_from_slice(&value.to_be_bytes());
    }
    codestream.extend_from_slice(&[0x00, 0x01, 0x07, 0x01, 0x01]);
    // COD: LRCP, 1 layer, no MCT, 0 decompositions, 64×64 code blocks, 5/3 reversible.
    codestream.extend_from_slice(&[
        0xFF, 0x52, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x04, 0x04, 0x00, 0x01,
    ]);
    // QCD: no quantisation, 2 guard bits, exponent 8 for the single LL band.
    codestream.extend_from_slice(&[0xFF, 0x5C, 0x00, 0x04, 0x40, 0x40]);
    // SOT (Psot = 12 + 2 + 1), SOD, one empty packet, EOC.
    codestream.extend_from_slice(&[
        0xFF, 0x90, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0F, 0x00, 0x01,
    ]);
    codestream.extend_from_slice(&[0xFF, 0x93, 0x00, 0xFF, 0xD9]);

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&[0x00, 0x01, 0x07, 0x07, 0x00, 0x00]);
    let colr = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11]; // enumerated, greyscale (17)
    let mut jp2h = jp2_box(b"ihdr", &ihdr);
    jp2h.extend(jp2_box(b"colr", &colr));

    let mut out = jp2_box(b"jP  ", &[0x0D, 0x0A, 0x87, 0x0A]);
    out.extend(jp2_box(b"ftyp", b"jp2 \0\0\0\0jp2 "));
    out.extend(jp2_box(b"jp2h", &jp2h));
    out.extend(jp2_box(b"jp2c", &codestream));
    out
}

fn jp2_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn expand(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut hasher = Sha256::new();
        hasher.update(seed);
        hasher.update(counter.to_be_bytes());
        out.extend_from_slice(&hasher.finalize());
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc_input);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    out
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(0xFFFF).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        let last = u8::from(blocks.peek().is_none());
        let len = block.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
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

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_adler_known_values() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn png_shape() {
        let png = synthetic_png(24, 12, b"seed");
        assert_eq!(&png[..8], &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(&png[16..20], &24u32.to_be_bytes());
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        assert_ne!(synthetic_png(24, 12, b"a"), synthetic_png(24, 12, b"b"));
    }

    #[test]
    fn jp2_shape() {
        let jp2 = synthetic_jp2(32, 40);
        assert_eq!(
            &jp2[..12],
            &[0, 0, 0, 12, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A]
        );
        assert_eq!(&jp2[jp2.len() - 2..], &[0xFF, 0xD9]);
    }
}
