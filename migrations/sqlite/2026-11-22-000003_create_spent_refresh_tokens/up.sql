-- Every refresh token a rotation spent (its hash only): a replay of any of them,
-- not just the last one, is recognised as reuse and revokes the session.
CREATE TABLE spent_refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    spent_at TIMESTAMP NOT NULL
);
CREATE INDEX spent_refresh_tokens_session_id_idx ON spent_refresh_tokens (session_id);
