//! `expect: { result: … }` names fields of the wire type the service
//! answers with: a typo is an author's mistake found when the file is
//! loaded (located at the key, with did-you-mean), never a failed lookup.
//! The names come from `myna_oqs::wire::result_fields`, derived from
//! `QualificationResult`, the struct the server serializes.

#![allow(clippy::unwrap_used)]

use myna_family_oqs::OqsSyntax;
use myna_scenario::{load_scenario, Diagnostic, LoadEnv, NoIncludes, Vocabulary};

fn load(expect: &str) -> Result<(), Vec<Diagnostic>> {
    let text = format!(
        "id: oqs.t.x\ntitle: t\nrequirements: [OQS-T]\nsteps:\n  - lookup: {{ serial: \"1A0001\" }}\n    expect:\n{expect}"
    );
    let vocabulary = Vocabulary::new(vec![&OqsSyntax]).unwrap();
    load_scenario("t.yaml", &text, &NoIncludes, &LoadEnv::new(&vocabulary)).map(|_| ())
}

#[test]
fn a_result_field_typo_fails_at_its_key_with_did_you_mean() {
    let diags =
        load("      result: { InsurerNumber: \"1\", InsurerNumbr: \"06130012\" }\n").unwrap_err();
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!((d.at.line, d.at.col), (7, 37), "{d}");
    assert!(d.message.contains("found `InsurerNumbr`"), "{}", d.message);
    assert_eq!(d.help.as_deref(), Some("did you mean `InsurerNumber`?"));
}

#[test]
fn nested_paths_are_checked_segment_by_segment() {
    assert!(load("      result:\n        ElderlyRecipientCertificateInfo.ElderlyRecipientContributionRatio: \"020\"\n        SpecificDiseasesCertificateList.SpecificDiseasesCertificateInfo.0.SpecificDiseasesDiseaseCategory: \"1\"\n").is_ok());
    let diags = load("      result:\n        - ElderlyRecipientCertificateInfo.ElderlyRecipientContributionRatoi: \"020\"\n        - SpecificDiseasesCertificateList.SpecificDiseasesCertificateInfo.first: \"1\"\n        - Name.Kana: x\n").unwrap_err();
    let lines: Vec<u32> = diags.iter().map(|d| d.at.line).collect();
    assert_eq!(lines, [8, 9, 10], "{diags:?}");
    assert!(diags[0]
        .message
        .contains("a field of `ElderlyRecipientCertificateInfo`"));
    assert_eq!(
        diags[0].help.as_deref(),
        Some("did you mean `ElderlyRecipientContributionRatio`?")
    );
    assert!(
        diags[1].message.contains("expected a list index"),
        "{}",
        diags[1].message
    );
    assert!(
        diags[2].message.contains("expected nothing after `Name`"),
        "{}",
        diags[2].message
    );
}
