-- JWT signing keys (`db::signing_keys`): every instance signs with the same key and
-- publishes the same JWKS. `private_key` is the PKCS#8 key sealed under SECRET_KEY;
-- `public_jwk` is the JWK as /.well-known/jwks.json publishes it. A key signs from
-- `signs_from` (a rotated-in key is published first, so caches hold it before any
-- token needs it) until a newer key's `signs_from`; it stays published until the
-- last token it signed has expired, and housekeeping then deletes it.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    algorithm TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    signs_from TIMESTAMP NOT NULL
);
CREATE INDEX signing_keys_signs_from_idx ON signing_keys (signs_from);
