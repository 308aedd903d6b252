//! A software passkey authenticator, as a browser and a platform authenticator answer
//! together: it reads the server's Level 3 JSON options and answers with what
//! `credential.toJSON()` gives (P-256 keys, `none` attestation, CBOR authenticator
//! data). Tests can bend any part of an answer (origin, RP ID, user verification,
//! counter, signature) to see the server refuse it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const ATTESTED_DATA: u8 = 0x40;

/// A credential the authenticator holds (a discoverable one: it keeps the user handle).
#[derive(Clone)]
pub struct Credential {
    pub id: Vec<u8>,
    key: SigningKey,
    pub rp_id: String,
    pub user_handle: Vec<u8>,
    pub counter: u32,
}

/// How an answer departs from an honest one.
#[derive(Clone, Default)]
pub struct Bend {
    pub origin: Option<String>,
    pub rp_id: Option<String>,
    pub challenge: Option<String>,
    /// Leave the user-verified flag off.
    pub unverified: bool,
    /// Sign with this counter instead of the next one.
    pub counter: Option<u32>,
    /// Flip a bit of the signed data after signing.
    pub bad_signature: bool,
    pub omit_user_handle: bool,
}

pub struct Authenticator {
    pub origin: String,
    pub credentials: Vec<Credential>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .expect("base64url in the options")
}

fn new_key() -> SigningKey {
    loop {
        let bytes: [u8; 32] = rand::random();
        if let Ok(key) = SigningKey::from_bytes(&bytes.into()) {
            return key;
        }
    }
}

fn cbor(value: &Cbor) -> Vec<u8> {
    serde_cbor_2::to_vec(value).expect("CBOR encodes")
}

/// The COSE_Key of an ES256 public key.
fn cose_key(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let x = point.x().expect("uncompressed point").to_vec();
    let y = point.y().expect("uncompressed point").to_vec();
    cbor(&Cbor::Map(BTreeMap::from([
        (Cbor::Integer(1), Cbor::Integer(2)),
        (Cbor::Integer(3), Cbor::Integer(-7)),
        (Cbor::Integer(-1), Cbor::Integer(1)),
        (Cbor::Integer(-2), Cbor::Bytes(x)),
        (Cbor::Integer(-3), Cbor::Bytes(y)),
    ])))
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": kind,
        "challenge": challenge,
        "origin": origin,
        "crossOrigin": false,
    }))
    .expect("JSON encodes")
}

impl Authenticator {
    /// An authenticator in a page of `origin` (the Next.js app).
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            credentials: Vec::new(),
        }
    }

    /// `navigator.credentials.create()` with the server's creation options: a new
    /// discoverable credential, answered as `RegistrationResponseJSON`.
    pub fn create(&mut self, options: &Value) -> Value {
        self.create_bent(options, &Bend::default())
    }

    pub fn create_bent(&mut self, options: &Value, bend: &Bend) -> Value {
        let rp_id = options["rp"]["id"].as_str().expect("rp.id").to_owned();
        let challenge = options["challenge"].as_str().expect("challenge");
        let user_handle = unb64(options["user"]["id"].as_str().expect("user.id"));
        let credential = Credential {
            id: rand::random::<[u8; 16]>().to_vec(),
            key: new_key(),
            rp_id: rp_id.clone(),
            user_handle,
            counter: 0,
        };
        let signed_rp = bend.rp_id.as_deref().unwrap_or(&rp_id);
        let mut auth_data = Sha256::digest(signed_rp.as_bytes()).to_vec();
        let flags = USER_PRESENT | ATTESTED_DATA | if bend.unverified { 0 } else { USER_VERIFIED };
        auth_data.push(flags);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        auth_data.extend_from_slice(&(credential.id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&credential.id);
        auth_data.extend_from_slice(&cose_key(&credential.key));
        let attestation = cbor(&Cbor::Map(BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (
                Cbor::Text("authData".into()),
                Cbor::Bytes(auth_data.clone()),
            ),
        ])));
        let origin = bend.origin.as_deref().unwrap_or(&self.origin);
        let challenge = bend.challenge.as_deref().unwrap_or(challenge);
        let client_data = client_data("webauthn.create", challenge, origin);
        let id = b64(&credential.id);
        self.credentials.push(credential);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": { "credProps": { "rk": true } },
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "authenticatorData": b64(&auth_data),
                "transports": ["internal"],
                "publicKeyAlgorithm": -7,
            },
        })
    }

    /// `navigator.credentials.get()` with the server's request options: the first
    /// allowed credential (or, with none listed, the first for the RP), answered as
    /// `AuthenticationResponseJSON`. None when it holds no matching credential.
    pub fn get(&mut self, options: &Value) -> Option<Value> {
        self.get_bent(options, &Bend::default())
    }

    pub fn get_bent(&mut self, options: &Value, bend: &Bend) -> Option<Value> {
        let rp_id = options["rpId"].as_str().expect("rpId").to_owned();
        let allowed: Vec<Vec<u8>> = options["allowCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| unb64(c["id"].as_str().expect("credential id")))
                    .collect()
            })
            .unwrap_or_default();
        let index = self
            .credentials
            .iter()
            .position(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))?;
        let challenge = options["challenge"].as_str().expect("challenge").to_owned();
        Some(self.assert_with(index, &rp_id, &challenge, bend))
    }

    /// An assertion by credential `index` for `challenge`, bent as asked.
    pub fn assert_with(
        &mut self,
        index: usize,
        rp_id: &str,
        challenge: &str,
        bend: &Bend,
    ) -> Value {
        let credential = &mut self.credentials[index];
        credential.counter += 1;
        let counter = bend.counter.unwrap_or(credential.counter);
        let signed_rp = bend.rp_id.as_deref().unwrap_or(rp_id);
        let mut auth_data = Sha256::digest(signed_rp.as_bytes()).to_vec();
        auth_data.push(USER_PRESENT | if bend.unverified { 0 } else { USER_VERIFIED });
        auth_data.extend_from_slice(&counter.to_be_bytes());
        let origin = bend.origin.as_deref().unwrap_or(&self.origin);
        let challenge = bend.challenge.as_deref().unwrap_or(challenge);
        let client_data = client_data("webauthn.get", challenge, origin);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = credential.key.sign(&signed);
        let mut signature = signature.to_der().as_bytes().to_vec();
        if bend.bad_signature {
            let last = signature.len() - 1;
            signature[last] ^= 0x01;
        }
        let id = b64(&credential.id);
        let mut response = json!({
            "clientDataJSON": b64(&client_data),
            "authenticatorData": b64(&auth_data),
            "signature": b64(&signature),
        });
        if !bend.omit_user_handle {
            response["userHandle"] = json!(b64(&credential.user_handle));
        }
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        })
    }
}
