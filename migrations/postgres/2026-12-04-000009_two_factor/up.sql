-- Second factors. `users.two_factor_enabled_at` says whether a user has one (read
-- with the user on every request, so /me costs nothing more); the TOTP secret lives
-- apart, sealed under a key derived from SECRET_KEY, with the last step accepted (a
-- code works once). Recovery codes and sign-in challenges are stored as hashes.
ALTER TABLE users ADD COLUMN two_factor_enabled_at TIMESTAMP;

CREATE TABLE two_factor_secrets (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT,
    pending_sealed TEXT,
    pending_at TIMESTAMP,
    last_step BIGINT
);

CREATE TABLE recovery_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user_id_idx ON recovery_codes (user_id);

-- A password (or provider) sign-in waiting for its second factor: five minutes, bound
-- to the browser (a cookie) or the bearer client (an opaque value) holding it.
CREATE TABLE two_factor_challenges (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    remember_me BOOLEAN NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX two_factor_challenges_expires_at_idx ON two_factor_challenges (expires_at);

-- How each session was signed in (password, password+totp, passkey, provider:…).
ALTER TABLE sessions ADD COLUMN sign_in_method TEXT;
