//! JSON Schema of card steps, built from the same tables the parser checks
//! against ([`crate::vocabulary`], [`crate::names`]).
//!
//! The loader keeps scalars as written while editors type them (`9000` is
//! a number to a YAML 1.2 loader, `6E00` a float), so every field the
//! loader reads as hex or text accepts numbers too; patterns apply to
//! strings only.

use myna_scenario::{text_schema, StepSchema};
use serde_json::{json, Map, Value};

use crate::names::{all_ef_names, app_names};
use crate::vocabulary::{
    CARD_ACTIONS, EKU_NAMES, EXPECT_KEYS, HASHES, KEY_USAGE_NAMES, PIN_CHANGES, POWER_ACTIONS,
    READ_STRATEGIES, SCHEMES, SIGNED_LAYOUTS,
};

fn names<T>(table: &[(&str, T)]) -> Vec<Value> {
    table.iter().map(|(name, _)| json!(name)).collect()
}

fn doc(table: &[myna_scenario::Doc], name: &str) -> &'static str {
    table.iter().find(|d| d.name == name).map_or("", |d| d.doc)
}

/// Hex text, spaces free, `${…}` allowed (a number when YAML types it so).
fn hex(description: &str) -> Value {
    json!({
        "type": ["string", "number"],
        "pattern": "^([0-9A-Fa-f\\s]|\\$\\{[^}]*\\})*$",
        "description": format!("{description} (hex digits, spaces free, ${{name}} allowed)")
    })
}

/// P1/P2: hex digits (`80`), also as YAML reads them unquoted.
fn param_byte(description: &str) -> Value {
    json!({
        "type": ["string", "integer"],
        "pattern": "^(0[xX])?[0-9A-Fa-f]{1,2}$",
        "description": format!("{description}: one byte as 1 or 2 hex digits (`p2: 80` is 0x80)")
    })
}

fn enum_of(items: Vec<Value>, description: &str) -> Value {
    json!({ "enum": items, "description": description })
}

fn hash_input(description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "required": ["hash", "message"],
        "properties": {
            "hash": enum_of(names(HASHES), "the hash algorithm"),
            "message": hex("the message")
        }
    })
}

fn len_range(description: &str) -> Value {
    json!({
        "description": description,
        "anyOf": [
            { "type": "integer", "minimum": 0 },
            {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "properties": {
                    "min": { "type": "integer", "minimum": 0, "description": "smallest allowed" },
                    "max": { "type": "integer", "minimum": 0, "description": "largest allowed" }
                }
            }
        ]
    })
}

fn int(min: u64, max: u64, description: &str) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max, "description": description })
}

/// The schema of the value of card action `keyword`.
fn action_schema(keyword: &str) -> Value {
    let description = doc(CARD_ACTIONS, keyword);
    match keyword {
        "apdu" => hex(description),
        "select" => json!({
            "description": description,
            "anyOf": [
                enum_of(app_names().map(|n| json!(n)).collect(), "an application by name"),
                { "type": "string", "pattern": "^(\\s*[0-9A-Fa-f]{2}){5,16}\\s*$", "description": "an AID of 5 to 16 bytes in hex" }
            ]
        }),
        "select_ef" => json!({
            "description": description,
            "anyOf": [
                enum_of(all_ef_names().into_iter().map(|n| json!(n)).collect(), "an EF of the current application by name"),
                { "type": ["string", "integer"], "pattern": "^[0-9A-Fa-f]{4}$", "description": "a file identifier, 4 hex digits" }
            ]
        }),
        "verify" => json!({
            "type": ["object", "null"],
            "description": description,
            "additionalProperties": false,
            "properties": {
                "pin": text_schema("the PIN (secret); absent: the empty status query"),
                "p2": param_byte("P2 (default 80, or 80 | SFI)")
            }
        }),
        "change_pin" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "required": ["new"],
            "properties": {
                "new": text_schema("the new PIN (secret)"),
                "command": enum_of(names(PIN_CHANGES), "CHANGE REFERENCE DATA `00 24 01 80` (default) or JICSAP CHANGE KEY `80 32 00 80` (共通/住基 AP)")
            }
        }),
        "read_binary" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "required": ["le"],
            "properties": {
                "offset": int(0, 32767, "15-bit offset (default 0)"),
                "le": int(0, 65536, "expected length: at most 256, or 65536 extended; 0 = `00`"),
                "extended": { "type": "boolean", "description": "encode Le in the extended form (default false)" }
            }
        }),
        "read_file" => json!({
            "type": ["object", "null"],
            "description": description,
            "additionalProperties": false,
            "properties": {
                "strategy": enum_of(names(READ_STRATEGIES), "how a client reads the file (card-protocol.md §2.3; default header7)")
            }
        }),
        "sign" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "properties": {
                "p1": param_byte("P1, the scheme (default 00)"),
                "p2": param_byte("P2 (default 80, or 80 | SFI)"),
                "data": hex("the data field as written"),
                "digest_info": hash_input("DigestInfo(hash(message)), built by the harness"),
                "hash": hash_input("hash(message) alone, for P1 02/04")
            },
            "oneOf": [
                { "required": ["data"] },
                { "required": ["digest_info"] },
                { "required": ["hash"] }
            ]
        }),
        "get_challenge" => json!({
            "type": ["object", "null"],
            "description": description,
            "additionalProperties": false,
            "properties": { "le": int(1, 256, "bytes requested (default 8)") }
        }),
        "power" => enum_of(names(POWER_ACTIONS), description),
        "session_key" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "required": ["key"],
            "properties": { "key": hex("the card's encryption key: text EF 0006 as read, typically a capture") }
        }),
        "secure" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "verify": {
                    "type": "object",
                    "description": "VERIFY under secure messaging: `08 20 00 P2 Lc 86 L 01 ‖ E(pin)`",
                    "additionalProperties": false,
                    "required": ["pin"],
                    "properties": {
                        "pin": text_schema("the secret"),
                        "p2": param_byte("P2 (default 80, or 80 | SFI)")
                    }
                },
                "select_ef": {
                    "description": "SELECT FILE under secure messaging: `08 A4 02 0C Lc 86 L 01 ‖ E(FID)`",
                    "anyOf": [
                        enum_of(all_ef_names().into_iter().map(|n| json!(n)).collect(), "an EF of the current application by name"),
                        { "type": ["string", "integer"], "pattern": "^[0-9A-Fa-f]{4}$", "description": "a file identifier, 4 hex digits" }
                    ]
                },
                "read_binary": {
                    "type": "object",
                    "description": "READ BINARY under secure messaging: `08 B0 P1 P2 00 00 05 96 03 00 <Le:2> 00 00`; the data is the decrypted answer",
                    "additionalProperties": false,
                    "required": ["le"],
                    "properties": {
                        "offset": int(0, 32767, "15-bit offset (default 0)"),
                        "le": int(0, 65535, "bytes to read; 0 = the rest of the file")
                    }
                }
            }
        }),
        _ => json!({ "description": description }),
    }
}

/// The schema of expectation `key` of a card step.
fn expect_key_schema(key: &str) -> Value {
    let description = doc(EXPECT_KEYS, key);
    let sw = json!({
        "type": ["string", "number"],
        "pattern": "^\\s*([0-9A-Fa-fXx]\\s*){4}$",
        "description": "4 hex digits, X = any nibble (63CX)"
    });
    let strings = |description: &str| {
        json!({
            "description": description,
            "anyOf": [text_schema(description), { "type": "array", "items": text_schema(description) }]
        })
    };
    let oid = json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)+$", "description": "a dotted OID" });
    match key {
        "sw" => json!({
            "description": description,
            "anyOf": [sw.clone(), { "type": "array", "minItems": 1, "items": sw }]
        }),
        "data" | "data_prefix" => hex(description),
        "data_len" => len_range(description),
        "data_regex" => json!({ "type": "string", "description": description }),
        "tlv" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    "hex": hex("the value's bytes"),
                    "text": text_schema("the value as UTF-8 text"),
                    "len": len_range("the value's length"),
                    "present": { "type": "boolean", "description": "whether the element exists" }
                }
            }
        }),
        "cert" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "properties": {
                "subject_contains": strings("substrings of the RFC 4514 subject"),
                "issuer_contains": strings("substrings of the issuer"),
                "serial": hex("the serial number (leading zeros ignored)"),
                "eku": {
                    "type": "array",
                    "description": "extended key usages by name or dotted OID",
                    "items": { "anyOf": [enum_of(EKU_NAMES.iter().map(|n| json!(n)).collect(), "an EKU name"), oid.clone()] }
                },
                "key_usage": {
                    "type": "array",
                    "description": "key usage bits by name",
                    "items": enum_of(KEY_USAGE_NAMES.iter().map(|n| json!(n)).collect(), "a key usage bit")
                },
                "key_bits": { "type": "integer", "minimum": 512, "description": "RSA modulus size in bits" },
                "not_after": text_schema("NotAfter as YYYY-MM-DDTHH:MM:SSZ"),
                "san_other_names": { "type": "array", "items": oid, "description": "OIDs of otherName SubjectAltName entries that must be present" }
            }
        }),
        "signature" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "required": ["message"],
            "oneOf": [{ "required": ["cert"] }, { "required": ["key"] }],
            "properties": {
                "cert": hex("the X.509 certificate (DER), typically a capture"),
                "key": hex("a card key: a CV certificate (7F21 or the MF 4D form) or the `90 e 91 n` public-key encoding (text EF 0007 DF51, surface DF24), typically a capture"),
                "message": hex("the signed message"),
                "hash": enum_of(names(HASHES), "the hash algorithm (default sha256)"),
                "scheme": enum_of(names(SCHEMES), "the signature scheme (default pkcs1v15)")
            }
        }),
        "signed" => json!({
            "type": "object",
            "description": description,
            "additionalProperties": false,
            "required": ["by"],
            "properties": {
                "by": hex("the signer: a CV certificate (its certified key; its subject key id must be a certificate's issuer key id) or a card public key `90 e 91 n`"),
                "layout": enum_of(names(SIGNED_LAYOUTS), "`cv-certificate` (5F37 over the 5F4E body), `record` (the element at `signature` over the elements before it; default) or `card-face` (DF28 over the three segment digests)"),
                "signature": { "type": "string", "pattern": "^[0-9A-Fa-f]+(/[0-9A-Fa-f]+)*$", "description": "for `record`: the TLV path of the signature element, e.g. `FF50/DF52`" }
            }
        }),
        "tries_left" => json!({
            "description": description,
            "anyOf": [
                { "type": ["integer", "string"], "description": "tries left, decimal (a `${variable}` allowed)" },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["from"],
                    "properties": {
                        "from": text_schema("tries left before, decimal: a persona field or a `tries` capture"),
                        "minus": { "type": "integer", "minimum": 0, "maximum": 15, "description": "tries spent since (default 0)" }
                    }
                }
            ]
        }),
        _ => json!({ "description": description }),
    }
}

fn expect_schema() -> Value {
    let mut properties = Map::new();
    for key in EXPECT_KEYS {
        properties.insert(key.name.to_string(), expect_key_schema(key.name));
    }
    json!({
        "type": "object",
        "description": "expectations on the response; without `expect` a step passes on any SW, except `read_file`, which needs success",
        "additionalProperties": false,
        "properties": properties
    })
}

fn capture_schema() -> Value {
    myna_scenario::capture_schema(json!({
        "type": "string",
        "pattern": "^(data|sw|tries|data\\[[0-9]+\\.\\.[0-9]+\\]|tlv:[0-9A-Fa-f]+(/[0-9A-Fa-f]+)*)$",
        "description": "`data`, `sw`, `tries` (x of 63Cx, decimal), `data[a..b]` (byte range) or `tlv:FF20/DF22`"
    }))
}

/// The schema of a card step whose action key is `keyword`.
pub fn step_schema(keyword: &str) -> StepSchema {
    StepSchema {
        action: action_schema(keyword),
        expect: Some(expect_schema()),
        capture: Some(capture_schema()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_schema_with_a_description() {
        for action in CARD_ACTIONS {
            let schema = action_schema(action.name);
            assert!(schema["description"].is_string(), "{}", action.name);
            assert!(
                schema.as_object().map(|o| o.len() > 1).unwrap_or(false),
                "{} has only a description",
                action.name
            );
        }
        for key in EXPECT_KEYS {
            assert!(expect_key_schema(key.name)
                .as_object()
                .map(|o| o.len() > 1)
                .unwrap_or(false));
        }
    }

    #[test]
    fn card_step_schemas_are_clean() {
        for action in CARD_ACTIONS {
            let parts = step_schema(action.name);
            for schema in [Some(parts.action), parts.expect, parts.capture]
                .into_iter()
                .flatten()
            {
                assert_eq!(
                    myna_scenario::schema_problems(&schema),
                    Vec::<String>::new()
                );
            }
        }
    }
}
