//! The one BER-TLV reader of the workspace: the harness's expectations,
//! captures and `read_file` size discovery use it on what a card answers,
//! and the persona loader uses it on the files it built and the DER it
//! reads. (`persona::tlv` only *builds* the emulator's files.)
//!
//! Written here rather than taken from `iso7816-tlv` because the card's own
//! files use forms a strict DER/BER-TLV reader rejects or normalises:
//! non-minimal lengths (`82 00 9F` in text EF 0005, card-protocol.md §1.2) and
//! the non-minimal high tag `FF 10` of text EF 0001. This reader accepts both
//! and never panics.

/// A parsed element: tag (all tag bytes big-endian), value range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    /// Tag bytes as a number, e.g. `0xFF20`, `0xDF22`, `0x30`.
    pub tag: u32,
    /// Bytes of tag + length.
    pub header_len: usize,
    /// The value.
    pub value: &'a [u8],
    /// The whole encoding: tag ‖ length ‖ value (what the 券面 records'
    /// signatures cover, card-protocol.md §1.2).
    pub raw: &'a [u8],
}

/// Reads the tag and length at the start of `bytes`: `(tag, header_len,
/// value_len)`. `None` when the header is malformed or cut short.
pub fn read_header(bytes: &[u8]) -> Option<(u32, usize, usize)> {
    let first = *bytes.first()?;
    let mut tag = u32::from(first);
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes.get(pos)?;
            pos += 1;
            tag = tag.checked_shl(8)? | u32::from(b);
            if b & 0x80 == 0 || pos > 4 {
                break;
            }
        }
    }
    let len_byte = *bytes.get(pos)?;
    pos += 1;
    let len = if len_byte < 0x80 {
        usize::from(len_byte)
    } else {
        let count = usize::from(len_byte & 0x7F);
        if count == 0 || count > 3 {
            return None;
        }
        let mut len = 0usize;
        for _ in 0..count {
            len = (len << 8) | usize::from(*bytes.get(pos)?);
            pos += 1;
        }
        len
    };
    Some((tag, pos, len))
}

/// The element at the start of `bytes` (whatever follows it is ignored:
/// filler, further elements). `None` when it is malformed or cut short.
pub fn first(bytes: &[u8]) -> Option<Element<'_>> {
    let (tag, header_len, len) = read_header(bytes)?;
    let end = header_len.checked_add(len)?;
    Some(Element {
        tag,
        header_len,
        value: bytes.get(header_len..end)?,
        raw: bytes.get(..end)?,
    })
}

/// Parses the consecutive elements of `bytes`. Stops at trailing filler
/// (`FF`/`00` padding after the last element) or at malformed data.
pub fn elements(mut bytes: &[u8]) -> Vec<Element<'_>> {
    let mut out = Vec::new();
    while let Some(element) = first(bytes) {
        bytes = bytes.get(element.raw.len()..).unwrap_or_default();
        out.push(element);
    }
    out
}

/// The consecutive elements filling `bytes` exactly: `None` when any is
/// malformed or something that is not an element follows (the strict
/// reading of a record whose layout is known).
pub fn all(mut bytes: &[u8]) -> Option<Vec<Element<'_>>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let element = first(bytes)?;
        bytes = bytes.get(element.raw.len()..)?;
        out.push(element);
    }
    Some(out)
}

/// Finds the value at `path` (each tag looked up inside the previous value).
pub fn find<'a>(bytes: &'a [u8], path: &[u32]) -> Option<&'a [u8]> {
    let (first, rest) = path.split_first()?;
    let element = elements(bytes).into_iter().find(|e| e.tag == *first)?;
    if rest.is_empty() {
        Some(element.value)
    } else {
        find(element.value, rest)
    }
}

/// Total encoded size of the first element, from its header alone.
pub fn total_size(header: &[u8]) -> Option<usize> {
    let (_, header_len, len) = read_header(header)?;
    header_len.checked_add(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_card_forms() {
        // Text EF 0001: FF 10 0C + 12 digits + FF FF filler.
        let ef = b"\xFF\x10\x0C123456789012\xFF\xFF";
        assert_eq!(find(ef, &[0xFF10]), Some(&b"123456789012"[..]));
        // Non-minimal length 82 00 03.
        let v = [0xFF, 0x40, 0x82, 0x00, 0x03, 0xDF, 0x41, 0x00];
        assert_eq!(find(&v, &[0xFF40, 0xDF41]), Some(&[][..]));
        assert_eq!(total_size(&[0x30, 0x82, 0x06, 0x32, 0, 0, 0]), Some(0x636));
    }

    #[test]
    fn malformed_input_is_none_not_panic() {
        assert_eq!(read_header(&[]), None);
        assert_eq!(read_header(&[0x1F]), None);
        assert_eq!(read_header(&[0x30, 0x84, 1, 2, 3, 4]), None);
        assert_eq!(find(&[0x30, 0x05, 0x01], &[0x30]), None);
        assert!(elements(&[0xFF; 3]).is_empty());
        assert_eq!(first(&[0xDF]), None);
        assert_eq!(first(&[0xDF, 0x22, 0x05, 1, 2]), None);
        assert_eq!(all(&[0xDF, 0x22, 0x01, 1, 0xFF]), None);
    }

    #[test]
    fn raw_is_the_whole_encoding() {
        let bytes = [0xDF, 0x51, 0x02, 1, 2, 0xDF, 0x52, 0x81, 0x01, 9];
        let items = all(&bytes).unwrap_or_default();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].raw, &bytes[..5]);
        assert_eq!(items[1].tag, 0xDF52);
        assert_eq!((items[1].header_len, items[1].value), (4, &[9][..]));
        assert_eq!(first(&bytes).map(|e| e.raw.len()), Some(5));
    }
}
