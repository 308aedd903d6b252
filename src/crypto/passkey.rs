//! The passkey relying party: webauthn-rs makes the options and checks the answers
//! (attestation, assertion, origin, RP ID hash, signature, counter, user
//! verification). This module only turns its types into what the wire carries
//! (WebAuthn Level 3 JSON) and what the database stores (JSON text), and says why a
//! ceremony failed.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};

use crate::config::RelyingPartySettings;

/// How long a ceremony's options are good for; the browser is told the same.
pub const CEREMONY_LIFETIME: Duration = Duration::from_secs(300);

/// Why a ceremony's answer was refused. The reason goes to the log, never to the
/// client (which sees PASSKEY_FAILED).
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("the credential is not WebAuthn JSON: {0}")]
    Malformed(String),
    #[error("the signature counter went backwards: the authenticator may be cloned")]
    CounterWentBack,
    #[error("refused by the relying party: {0:?}")]
    Refused(WebauthnError),
    #[error("stored state does not read back: {0}")]
    State(String),
}

impl From<WebauthnError> for PasskeyError {
    fn from(error: WebauthnError) -> Self {
        match error {
            WebauthnError::CredentialPossibleCompromise => Self::CounterWentBack,
            other => Self::Refused(other),
        }
    }
}

/// A registration that passed: what to store.
pub struct NewCredential {
    /// base64url of the credential id, the key an authenticator's answer is found by.
    pub credential_id: String,
    /// webauthn-rs's record of the credential, as JSON.
    pub record: String,
}

/// A sign-in that passed: the record with its new counter.
pub struct UsedCredential {
    pub record: String,
    pub sign_count: i64,
}

/// Who is signing in, as the authenticator answered.
pub struct Presented {
    pub credential_id: String,
    /// The user handle (our user id) when the authenticator returned one.
    pub user_handle: Option<Vec<u8>>,
    pub credential: PublicKeyCredential,
}

#[derive(Clone)]
pub struct RelyingParty {
    webauthn: Arc<Webauthn>,
}

fn to_text<T: serde::Serialize>(value: &T) -> Result<String, PasskeyError> {
    serde_json::to_string(value).map_err(|e| PasskeyError::State(e.to_string()))
}

fn from_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(text).map_err(|e| PasskeyError::State(e.to_string()))
}

impl RelyingParty {
    pub fn new(settings: &RelyingPartySettings, name: &str) -> Result<Self, WebauthnError> {
        let (first, rest) = settings
            .origins
            .split_first()
            .ok_or(WebauthnError::Configuration)?;
        let mut builder = WebauthnBuilder::new(&settings.id, first)?
            .rp_name(name)
            .timeout(CEREMONY_LIFETIME);
        for origin in rest {
            builder = builder.append_allowed_origin(origin);
        }
        Ok(Self {
            webauthn: Arc::new(builder.build()?),
        })
    }

    /// Creation options for a new passkey of this user (a discoverable credential,
    /// user verification required, the user's passkeys excluded), and the state to
    /// keep until the answer.
    pub fn registration_options(
        &self,
        user_id: &str,
        email: &str,
        display_name: &str,
        existing: &[String],
    ) -> Result<(Value, String), PasskeyError> {
        let handle = Uuid::parse_str(user_id).map_err(|e| PasskeyError::State(e.to_string()))?;
        let exclude: Vec<CredentialID> = credential_ids(existing)?
            .into_iter()
            .map(CredentialID::from)
            .collect();
        let (challenge, state) = self.webauthn.start_passkey_registration(
            handle,
            email,
            display_name,
            Some(exclude).filter(|e| !e.is_empty()),
        )?;
        let mut options = serde_json::to_value(&challenge.public_key)
            .map_err(|e| PasskeyError::State(e.to_string()))?;
        // A passkey is found without an email first, so it must live on the
        // authenticator (webauthn-rs asks for it only as a preference).
        if let Some(selection) = options
            .get_mut("authenticatorSelection")
            .and_then(Value::as_object_mut)
        {
            selection.insert("residentKey".into(), json!("required"));
            selection.insert("requireResidentKey".into(), json!(true));
        }
        Ok((options, to_text(&state)?))
    }

    pub fn finish_registration(
        &self,
        credential: Value,
        state: &str,
    ) -> Result<NewCredential, PasskeyError> {
        let credential: RegisterPublicKeyCredential = serde_json::from_value(credential)
            .map_err(|e| PasskeyError::Malformed(e.to_string()))?;
        let state: PasskeyRegistration = from_text(state)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &state)?;
        Ok(NewCredential {
            credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id().as_slice()),
            record: to_text(&passkey)?,
        })
    }

    /// Request options with no credentials listed, whoever asks: the authenticator
    /// offers its discoverable credentials (a button, or autofill). Listing an email's
    /// credentials would tell, by their count and lengths, whether the email has an
    /// account with passkeys; decoys cannot match every authenticator's ids.
    pub fn sign_in_options(&self) -> Result<(Value, String), PasskeyError> {
        let (challenge, state) = self.webauthn.start_discoverable_authentication()?;
        let options = serde_json::to_value(&challenge.public_key)
            .map_err(|e| PasskeyError::State(e.to_string()))?;
        Ok((options, to_text(&state)?))
    }

    /// Reads a sign-in answer far enough to find its passkey.
    pub fn presented(credential: Value) -> Result<Presented, PasskeyError> {
        let credential: PublicKeyCredential = serde_json::from_value(credential)
            .map_err(|e| PasskeyError::Malformed(e.to_string()))?;
        Ok(Presented {
            credential_id: URL_SAFE_NO_PAD.encode(credential.raw_id.as_slice()),
            user_handle: credential
                .response
                .user_handle
                .as_ref()
                .map(|h| h.as_slice().to_vec()),
            credential,
        })
    }

    /// Checks the answer against the ceremony and the stored passkey.
    pub fn finish_sign_in(
        &self,
        presented: &Presented,
        state: &str,
        record: &str,
    ) -> Result<UsedCredential, PasskeyError> {
        let state: DiscoverableAuthentication = from_text(state)?;
        let mut passkey: Passkey = from_text(record)?;
        let result = self.webauthn.finish_discoverable_authentication(
            &presented.credential,
            state,
            &[DiscoverableKey::from(&passkey)],
        )?;
        passkey.update_credential(&result);
        Ok(UsedCredential {
            record: to_text(&passkey)?,
            sign_count: i64::from(result.counter()),
        })
    }
}

/// The bytes of stored credential ids (base64url, as `NewCredential::credential_id`).
pub fn credential_ids(stored: &[String]) -> Result<Vec<Vec<u8>>, PasskeyError> {
    stored
        .iter()
        .map(|id| {
            URL_SAFE_NO_PAD
                .decode(id)
                .map_err(|e| PasskeyError::State(e.to_string()))
        })
        .collect()
}

/// The user handle of `user_id`, as a passkey stores it (the UUID's 16 bytes).
pub fn user_handle(user_id: &str) -> Option<Vec<u8>> {
    Uuid::parse_str(user_id).ok().map(|u| u.as_bytes().to_vec())
}
