-- A user who only ever signed in with a provider has no password (NULL), and a
-- withdrawn user's password is gone too (it used to be the placeholder '!').
-- SQLite cannot drop NOT NULL in place: the table is rebuilt (its documented
-- procedure). Foreign keys are off while this runs (the migration runner turns them
-- off and checks them afterwards), so dropping the old table cascades nothing.
CREATE TABLE users_new (
    id TEXT PRIMARY KEY NOT NULL,
    -- stored trimmed and lower-cased by the application: unique case-insensitively
    email TEXT NOT NULL,
    name TEXT,
    password_hash TEXT,
    email_verified BOOLEAN NOT NULL DEFAULT 0,
    image TEXT,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    disabled_at TIMESTAMP,
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO users_new
SELECT id, email, name, NULLIF(password_hash, '!'), email_verified, image, role,
       disabled_at, deleted_at, created_at, updated_at
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_created_at_idx ON users (created_at);
