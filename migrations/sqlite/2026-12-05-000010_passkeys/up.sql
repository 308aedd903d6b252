-- Passkeys (WebAuthn credentials). `credential` is webauthn-rs's own record of the
-- credential (public key, algorithm, signature counter, backup flags); `credential_id`
-- (base64url) finds it when an authenticator answers, and is unique across users.
-- `sign_count` mirrors the counter so that two instances cannot both accept the
-- same counter value (the update is conditional on it).
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL,
    credential TEXT NOT NULL,
    sign_count BIGINT NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE UNIQUE INDEX passkeys_credential_id_key ON passkeys (credential_id);
CREATE INDEX passkeys_user_id_idx ON passkeys (user_id);

-- A WebAuthn ceremony between its options and its answer: five minutes, single use,
-- found by the hash of the cookie of the browser that asked for the options (so a
-- ceremony started on one instance finishes on another). `user_id`: the signed-in
-- user registering, or the user an email-first sign-in named.
CREATE TABLE passkey_ceremonies (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX passkey_ceremonies_expires_at_idx ON passkey_ceremonies (expires_at);
