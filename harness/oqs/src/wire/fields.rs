//! The result field names a scenario may check, derived from the wire
//! type's JSON Schema (schemars), so the server's struct is the one table.

use serde_json::Value;

#[cfg(test)]
use super::response::ElderlyRecipientCertificateInfo;
use super::response::QualificationResult;

/// One field of a wire object, read from the wire type's JSON Schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireField {
    /// The JSON key (`InsurerNumber`).
    pub name: String,
    /// The field's doc comment, for people.
    pub doc: String,
    /// What it holds.
    pub shape: WireShape,
}

/// What a [`WireField`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireShape {
    /// Text, a number or a flag.
    Scalar,
    /// An object with these fields.
    Object(Vec<WireField>),
    /// A list of this shape (addressed by index: `List.0.Field`).
    List(Box<WireShape>),
}

/// The fields of `ResultOfQualificationConfirmation` ([`QualificationResult`]),
/// nested ones included: the one table of result field names, derived from
/// the wire type the server serializes, which the `oqs` family checks a
/// scenario's `expect: { result: … }` against when it is loaded.
pub fn result_fields() -> &'static [WireField] {
    static FIELDS: std::sync::OnceLock<Vec<WireField>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let root =
            serde_json::to_value(schemars::schema_for!(QualificationResult)).unwrap_or_default();
        let definitions = root.get("definitions").cloned().unwrap_or_default();
        match shape_of(&root, &definitions, 0) {
            WireShape::Object(fields) => fields,
            _ => Vec::new(),
        }
    })
}

/// Follows a JSON Schema (draft-07, as schemars writes it) to the schema
/// that says what a value is: through a `$ref` into `definitions` and
/// through an `allOf`/`anyOf` of one non-null schema (an `Option`, a
/// documented reference). `None` for a dangling reference or a loop. The
/// `oqs` family reads the control commands' schema with it too.
pub fn resolve_schema<'a>(mut schema: &'a Value, definitions: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            schema = definitions.get(name)?;
            continue;
        }
        let single = ["allOf", "anyOf"].iter().find_map(|combinator| {
            let options = schema.get(*combinator)?.as_array()?;
            let inner: Vec<&Value> = options
                .iter()
                .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            match inner.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        });
        match single {
            Some(inner) => schema = inner,
            None => return Some(schema),
        }
    }
    None
}

/// The shape a JSON Schema describes: `properties`, `items`, else a scalar.
fn shape_of(schema: &Value, definitions: &Value, depth: usize) -> WireShape {
    let Some(schema) = resolve_schema(schema, definitions).filter(|_| depth <= 16) else {
        return WireShape::Scalar;
    };
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        return WireShape::Object(
            properties
                .iter()
                .map(|(name, field)| WireField {
                    name: name.clone(),
                    doc: field
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    shape: shape_of(field, definitions, depth + 1),
                })
                .collect(),
        );
    }
    if let Some(items) = schema.get("items") {
        return WireShape::List(Box::new(shape_of(items, definitions, depth + 1)));
    }
    WireShape::Scalar
}

/// Why a dotted result path (`ElderlyRecipientCertificateInfo.ElderlyRecipientContributionRatio`,
/// `SpecificDiseasesCertificateList.SpecificDiseasesCertificateInfo.0.SpecificDiseasesDiseaseCategory`)
/// names no field of [`result_fields`]: the segment, the names it could
/// have been, and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownResultField {
    /// The segment that is wrong.
    pub segment: String,
    /// The path up to it (empty at the top).
    pub parent: String,
    /// The field names allowed there (empty where a list index was expected).
    pub known: Vec<String>,
    /// The parent is a list: an index was expected.
    pub in_list: bool,
}

/// Checks a dotted result path against [`result_fields`].
pub fn check_result_path(path: &str) -> Result<(), UnknownResultField> {
    let mut shape = WireShape::Object(result_fields().to_vec());
    let mut parent = String::new();
    for segment in path.split('.') {
        let next = match &shape {
            WireShape::Object(fields) => fields
                .iter()
                .find(|f| f.name == segment)
                .map(|f| f.shape.clone())
                .ok_or_else(|| UnknownResultField {
                    segment: segment.to_string(),
                    parent: parent.clone(),
                    known: fields.iter().map(|f| f.name.clone()).collect(),
                    in_list: false,
                })?,
            WireShape::List(item) if segment.parse::<usize>().is_ok() => (**item).clone(),
            WireShape::List(_) | WireShape::Scalar => {
                return Err(UnknownResultField {
                    segment: segment.to_string(),
                    parent: parent.clone(),
                    known: Vec::new(),
                    in_list: matches!(shape, WireShape::List(_)),
                })
            }
        };
        if !parent.is_empty() {
            parent.push('.');
        }
        parent.push_str(segment);
        shape = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_field_names_come_from_the_wire_type() {
        let names: Vec<&str> = result_fields().iter().map(|f| f.name.as_str()).collect();
        for name in [
            "InsurerNumber",
            "NameOfOther",
            "Sex2",
            "InsuredCertificateIssuanceDate",
            "SpecificDiseasesCertificateList",
            "PublicExpenseResultList",
        ] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        // Serialized names and schema names agree: a full result's keys.
        let full = QualificationResult {
            insurer_number: Some("1".into()),
            elderly_recipient_certificate_info: Some(ElderlyRecipientCertificateInfo::default()),
            ..QualificationResult::default()
        };
        let json = serde_json::to_value(&full).unwrap_or_default();
        for key in json
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            assert!(check_result_path(&key).is_ok(), "{key}");
        }
        assert!(check_result_path(
            "ElderlyRecipientCertificateInfo.ElderlyRecipientContributionRatio"
        )
        .is_ok());
        assert!(check_result_path(
            "SpecificDiseasesCertificateList.SpecificDiseasesCertificateInfo.0.SpecificDiseasesDiseaseCategory"
        )
        .is_ok());
        let wrong = check_result_path("InsurerNumbr").err();
        assert_eq!(
            wrong.as_ref().map(|w| w.segment.as_str()),
            Some("InsurerNumbr")
        );
        assert!(wrong.is_some_and(|w| w.known.contains(&"InsurerNumber".to_string())));
        let wrong = check_result_path("ElderlyRecipientCertificateInfo.ContributionRatio").err();
        assert_eq!(
            wrong.map(|w| (w.segment, w.parent)),
            Some((
                "ContributionRatio".into(),
                "ElderlyRecipientCertificateInfo".into()
            ))
        );
        assert!(check_result_path(
            "SpecificDiseasesCertificateList.SpecificDiseasesCertificateInfo.x"
        )
        .is_err());
        assert!(check_result_path("InsurerNumber.x").is_err());
    }
}
