//! The algorithms a signing key can be, spelled as JWT headers and JWKs spell them.

use super::string_enum::string_enum;

string_enum! {
    /// A signing key's algorithm (its `alg`).
    pub enum SigningAlgorithm {
        /// ECDSA over P-256 with SHA-256: the default, what every JWT library verifies.
        Es256 = "ES256",
        /// Ed25519.
        EdDsa = "EdDSA",
    }
}
