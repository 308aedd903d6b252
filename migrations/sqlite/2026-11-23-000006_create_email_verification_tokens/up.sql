-- Email verification links: stored as SHA-256 hashes, single use, 24 hours. The
-- address is kept so that a token proves the address it was sent to, and no other.
CREATE TABLE email_verification_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX email_verification_tokens_user_id_idx ON email_verification_tokens (user_id);
