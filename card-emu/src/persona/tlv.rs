//! BER-TLV encoding of the 券面 AP EF images (card-protocol.md §1.2, §1.3).
//! Reading is [`crate::tlv`]'s, the one reader of the workspace.

/// A BER length: short form below 128, else `81 xx`, `82 xx xx`, `83 xx xx xx`.
pub fn ber_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        vec![len as u8]
    } else if len <= 0xFF {
        vec![0x81, len as u8]
    } else if len <= 0xFFFF {
        vec![0x82, (len >> 8) as u8, len as u8]
    } else {
        vec![0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]
    }
}

/// The three-byte `82 hh ll` length form, used by the card even where a
/// shorter form would do (text EF 0005 `FF 40 82 00 9F`, card-protocol.md §1.2).
pub fn ber_length_82(len: usize) -> Vec<u8> {
    if len <= 0xFFFF {
        vec![0x82, (len >> 8) as u8, len as u8]
    } else {
        ber_length(len)
    }
}

/// Tag ‖ minimal length ‖ value.
pub fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend(ber_length(value.len()));
    out.extend_from_slice(value);
    out
}

/// Tag ‖ `82 hh ll` ‖ value.
pub fn tlv_82(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend(ber_length_82(value.len()));
    out.extend_from_slice(value);
    out
}

/// A constructed object whose header carries an offset table: builds
/// `outer_tag len { table_tag len <u16 BE offsets> children… }` where each
/// offset is the position of a child's tag counted from the start of the
/// whole object (card-protocol.md §1.2 DF21 of text EF 0002: `FF 20 65 DF 21
/// 08 00 0E …`). `force_82` selects the `82 hh ll` outer length form.
pub fn with_offset_table(
    outer_tag: &[u8],
    table_tag: &[u8],
    children: &[Vec<u8>],
    force_82: bool,
) -> Vec<u8> {
    let table_value_len = children.len() * 2;
    let table_len = table_tag.len() + ber_length(table_value_len).len() + table_value_len;
    let content_len = table_len + children.iter().map(Vec::len).sum::<usize>();
    let outer_len = if force_82 {
        ber_length_82(content_len)
    } else {
        ber_length(content_len)
    };
    let mut position = outer_tag.len() + outer_len.len() + table_len;
    let mut table = Vec::with_capacity(table_value_len);
    for child in children {
        table.extend_from_slice(&(position as u16).to_be_bytes());
        position += child.len();
    }
    let mut out = outer_tag.to_vec();
    out.extend(outer_len);
    out.extend(tlv(table_tag, &table));
    for child in children {
        out.extend_from_slice(child);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(ber_length(0x65), vec![0x65]);
        assert_eq!(ber_length(0x80), vec![0x81, 0x80]);
        assert_eq!(ber_length(0x233), vec![0x82, 0x02, 0x33]);
        assert_eq!(ber_length_82(0x9F), vec![0x82, 0x00, 0x9F]);
    }

    #[test]
    fn offset_table_points_at_children() {
        let children = vec![tlv(&[0xDF, 0x22], b"abc"), tlv(&[0xDF, 0x23], b"x")];
        let obj = with_offset_table(&[0xFF, 0x20], &[0xDF, 0x21], &children, false);
        // FF 20 len DF 21 04 o1 o1 o2 o2 → first child at 3 + 3 + 4 = 10,
        // second after the 6-byte DF22 TLV; content = 7 + 6 + 4 = 0x11.
        assert_eq!(
            &obj[..10],
            &[0xFF, 0x20, 0x11, 0xDF, 0x21, 0x04, 0, 10, 0, 16]
        );
        assert_eq!(&obj[10..12], &[0xDF, 0x22]);
        assert_eq!(&obj[16..18], &[0xDF, 0x23]);
        let outer = crate::tlv::first(&obj).expect("well formed");
        assert_eq!(outer.raw.len(), obj.len());
        assert_eq!(crate::tlv::all(outer.value).map(|v| v.len()), Some(3));
    }
}
