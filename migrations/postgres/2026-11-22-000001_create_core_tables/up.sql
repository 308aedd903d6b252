-- Portable column types only (TEXT ids made in Rust, naive UTC timestamps), so that
-- one Diesel schema serves SQLite and PostgreSQL alike.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    -- stored trimmed and lower-cased by the application: unique case-insensitively
    email TEXT NOT NULL,
    name TEXT,
    password_hash TEXT NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    image TEXT,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    disabled_at TIMESTAMP,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_created_at_idx ON users (created_at);

-- One table for every kind of session: browser cookie, bearer/refresh, admin panel.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    -- NULL for an admin-panel session that has not logged in yet (it still carries a CSRF token)
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('browser', 'bearer', 'admin')),
    -- SHA-256 of the secret the client holds (admin session key); never the secret itself
    token_hash TEXT,
    refresh_token_hash TEXT,
    previous_refresh_token_hash TEXT,
    refresh_rotated_at TIMESTAMP,
    -- actix-session state (JSON) of admin-panel sessions
    state TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE UNIQUE INDEX sessions_refresh_token_hash_key ON sessions (refresh_token_hash);
CREATE INDEX sessions_previous_refresh_token_hash_idx ON sessions (previous_refresh_token_hash);
CREATE INDEX sessions_kind_expires_at_idx ON sessions (kind, expires_at);

CREATE TABLE password_reset_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE UNIQUE INDEX password_reset_tokens_token_hash_key ON password_reset_tokens (token_hash);
CREATE INDEX password_reset_tokens_user_id_idx ON password_reset_tokens (user_id);

-- No foreign keys: the log outlives the users and sessions it speaks of.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id TEXT,
    actor_email TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    ip TEXT,
    details TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id);
CREATE INDEX audit_log_target_id_idx ON audit_log (target_id);
