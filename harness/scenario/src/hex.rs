//! Hex text: byte strings (spaces free) and hex templates.

use crate::ast::{Template, TemplatePart};

/// Bytes from hex text; whitespace is ignored. `Err` says what is wrong.
/// The one hex decoder of the harness (the loader, a card step's data after
/// substitution, a variable's bytes): decoded in place, without copying
/// text that has no whitespace.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let compact: std::borrow::Cow<'_, str> = if text.contains(char::is_whitespace) {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        text.into()
    };
    // The text is never repeated: it may hold a secret (issue 9).
    if let Some(i) = compact.chars().position(|c| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "expected hex digits, found a non-hex character at digit {}",
            i + 1
        ));
    }
    // Only ASCII digits are left: bytes and digits are one count.
    if !compact.len().is_multiple_of(2) {
        return Err(format!(
            "expected an even number of hex digits, found {}",
            compact.len()
        ));
    }
    let mut bytes = vec![0; compact.len() / 2];
    hex::decode_to_slice(compact.as_bytes(), &mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Checks a hex template: literal parts hold hex digits and whitespace
/// only; without `${…}` the digit count must be even.
/// Messages never repeat the template (it may hold a secret, issue 9).
pub fn check_hex_template(template: &Template, _written: &str) -> Result<(), String> {
    let mut count = 0usize;
    for part in &template.parts {
        if let TemplatePart::Literal(text) = part {
            for c in text.chars().filter(|c| !c.is_whitespace()) {
                if !c.is_ascii_hexdigit() {
                    return Err(format!(
                        "expected hex digits, found `{c}` at digit {}",
                        count + 1
                    ));
                }
                count += 1;
            }
        }
    }
    if !template.has_vars() && !count.is_multiple_of(2) {
        return Err(format!(
            "expected an even number of hex digits, found {count}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    #[test]
    fn hex_bytes() {
        assert_eq!(parse_hex("00 a4 0402").unwrap(), vec![0, 0xA4, 4, 2]);
        assert_eq!(parse_hex("").unwrap(), Vec::<u8>::new());
        assert!(parse_hex("0").unwrap_err().contains("even"));
        // The rendered text may hold a secret: neither it nor the bad
        // character is repeated, only where it is.
        let bad = parse_hex("31 32 3g").unwrap_err();
        assert!(bad.contains("at digit 6"), "{bad}");
        assert!(!bad.contains("`g`") && !bad.contains("31"), "{bad}");
    }

    #[test]
    fn hex_templates() {
        let ok = parse_template("00 20 00 80 ${n} ${pin}").unwrap();
        assert!(check_hex_template(&ok, "").is_ok());
        let odd_with_var = parse_template("0 ${pin}").unwrap();
        assert!(check_hex_template(&odd_with_var, "").is_ok());
        let odd = parse_template("00 2").unwrap();
        assert!(check_hex_template(&odd, "00 2").is_err());
        let bad = parse_template("00 zz ${x}").unwrap();
        assert!(check_hex_template(&bad, "").is_err());
    }
}
