-- The panel's login form tokens once used (their hash only): each works once, so a
-- form cannot be replayed, and rows go once the token's hour is over.
CREATE TABLE spent_form_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX spent_form_tokens_expires_at_idx ON spent_form_tokens (expires_at);
