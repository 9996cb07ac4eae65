//! The 券面 AP EF images that carry RSA signatures, computed once when a
//! persona is loaded so that [`super::Persona::card_profile`] cannot fail.

use rsa::{RsaPrivateKey, RsaPublicKey};

use super::surface_ap::{self, CardFace, SurfaceKeys};
use super::text_ap;

/// Signed EF images of one persona's card.
#[derive(Clone, Debug, Default)]
pub struct SignedImages {
    /// Text AP EF 0003 (integrity, 336 bytes).
    pub text_ef0003: Vec<u8>,
    /// Text AP EF 0007 (AP public key + issuer signature, 536 bytes).
    pub text_ef0007: Vec<u8>,
    /// Surface AP EF 0001 (age record, 547 bytes).
    pub surface_ef0001: Vec<u8>,
    /// Surface AP EF 0002 (card face).
    pub surface_ef0002: Vec<u8>,
    /// Surface AP EF 0003 (basic info, 320 bytes).
    pub surface_ef0003: Vec<u8>,
    /// Surface AP EF 0005 (個人番号 image).
    pub surface_ef0005: Vec<u8>,
}

/// The inputs of the signed images.
pub struct ImageInputs<'a> {
    /// Text EF 0001 as built by [`text_ap::ef0001_my_number`].
    pub text_ef0001: &'a [u8],
    /// Text EF 0002 as built by [`text_ap::ef0002_basic_four`].
    pub text_ef0002: &'a [u8],
    /// The card face.
    pub face: CardFace<'a>,
    /// 5-digit municipality code.
    pub municipality_code: &'a str,
    /// The key text EF 0004 certifies (signs EF 0003 and EF 0007).
    pub text_data_key: &'a RsaPrivateKey,
    /// The text AP's own key, public half (text EF 0007 DF51).
    pub text_card_key: &'a RsaPublicKey,
    /// The key surface EF 0004 certifies (signs the surface records).
    pub surface_data_key: &'a RsaPrivateKey,
    /// The surface AP's own key (DF12/DF24/DF42 and the EF 0003 DF35 signer).
    pub surface_ap_key: &'a RsaPrivateKey,
}

impl SignedImages {
    /// Computes every signed image (a handful of deterministic RSA signatures).
    pub fn compute(inputs: &ImageInputs<'_>) -> Result<SignedImages, rsa::Error> {
        let surface_card_key = inputs.surface_ap_key.to_public_key();
        let surface = SurfaceKeys {
            data_key: inputs.surface_data_key,
            card_key: &surface_card_key,
        };
        Ok(SignedImages {
            text_ef0003: text_ap::ef0003_integrity(
                inputs.text_ef0001,
                inputs.text_ef0002,
                inputs.text_data_key,
            )?,
            text_ef0007: text_ap::ef0007_ap_key(inputs.text_card_key, inputs.text_data_key)?,
            surface_ef0001: surface_ap::ef0001_age(inputs.face.birth_yyyymmdd, surface)?,
            surface_ef0002: surface_ap::ef0002_face(&inputs.face, surface)?,
            surface_ef0003: surface_ap::ef0003_basic_info(
                inputs.municipality_code,
                inputs.surface_ap_key,
            )?,
            surface_ef0005: surface_ap::ef0005_my_number_image(inputs.face.image_seed, surface)?,
        })
    }
}
