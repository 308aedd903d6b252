//! argon2id with the OWASP parameters, stored as PHC strings.
//!
//! `PasswordEngine` owns the 19 MiB work area so that a hashing thread allocates it
//! once, not once per login (see `hasher_pool`).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// OWASP's recommendation: 19 MiB, two passes, one lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
const OUTPUT_LEN: usize = 32;

pub type HashError = argon2::password_hash::Error;

fn params() -> Result<Params, argon2::Error> {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_LEN))
}

/// One thread's hasher and its reusable memory.
pub struct PasswordEngine {
    memory: Vec<Block>,
}

impl Default for PasswordEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordEngine {
    pub fn new() -> Self {
        Self {
            memory: vec![Block::default(); usize::try_from(MEMORY_KIB).unwrap_or(0)],
        }
    }

    /// A new PHC string for `password` with a fresh random salt. Slow: never call it
    /// on an actix worker.
    pub fn hash(&mut self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_raw = salt.decode_b64(&mut salt_bytes)?;
        let params = params()?;
        let mut out = [0u8; OUTPUT_LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt_raw,
                &mut out,
                &mut self.memory,
            )?;
        let output = Output::new(&out)?;
        Ok(format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            salt.as_str(),
            output
        ))
    }

    /// argon2id of `input` with `salt` under `params` (at most the engine's memory),
    /// as raw bytes: for secrets whose salt is known before the hash is looked up
    /// (recovery codes: one derivation compared with every stored code). Slow.
    pub fn derive(
        &mut self,
        input: &str,
        salt: &[u8],
        params: &Params,
    ) -> Result<Vec<u8>, HashError> {
        let blocks = params.block_count();
        let mut out = vec![0u8; params.output_len().unwrap_or(OUTPUT_LEN)];
        let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        match self.memory.get_mut(..blocks) {
            Some(memory) => {
                hasher.hash_password_into_with_memory(input.as_bytes(), salt, &mut out, memory)?;
            }
            None => hasher.hash_password_into(input.as_bytes(), salt, &mut out)?,
        }
        Ok(out)
    }

    /// Whether `password` matches the stored PHC string (constant-time comparison).
    /// A malformed or foreign hash verifies as false.
    pub fn verify(&mut self, password: &str, phc: &str) -> bool {
        self.try_verify(password, phc).unwrap_or(false)
    }

    fn try_verify(&mut self, password: &str, phc: &str) -> Result<bool, HashError> {
        let parsed = PasswordHash::new(phc)?;
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let mut salt_bytes = [0u8; 64];
        let salt_raw = salt.decode_b64(&mut salt_bytes)?;
        let mut out = vec![0u8; expected.len()];
        let hasher = Argon2::new(algorithm, version, params.clone());
        if params.block_count() == self.memory.len() {
            hasher.hash_password_into_with_memory(
                password.as_bytes(),
                salt_raw,
                &mut out,
                &mut self.memory,
            )?;
        } else {
            // A hash made with other parameters (an older policy): still verifiable.
            hasher.hash_password_into(password.as_bytes(), salt_raw, &mut out)?;
        }
        Ok(Output::new(&out)? == expected)
    }
}

/// One-off hashing outside the server (the `create-admin` command).
pub fn hash(password: &str) -> Result<String, HashError> {
    PasswordEngine::new().hash(password)
}

/// One-off verification outside the server (tests, tools).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordEngine::new().verify(password, phc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn hashes_are_standard_argon2id_phc() {
        let mut engine = PasswordEngine::new();
        let phc = engine.hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // Any argon2 implementation can read what we wrote.
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(engine.verify("correct horse", &phc));
        assert!(!engine.verify("wrong horse", &phc));
        assert!(!engine.verify("correct horse", "not a hash"));
    }

    #[test]
    fn hashes_from_other_parameters_still_verify() {
        use argon2::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(b"old password", &salt)
        .unwrap()
        .to_string();
        let mut engine = PasswordEngine::new();
        assert!(engine.verify("old password", &other));
        assert!(!engine.verify("new password", &other));
    }
}
