-- A user who only ever signed in with a provider has no password (NULL), and a
-- withdrawn user's password is gone too (it used to be the placeholder '!').
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
UPDATE users SET password_hash = NULL WHERE password_hash = '!';
