ALTER TABLE users DROP COLUMN disabled_note;
ALTER TABLE users DROP COLUMN disabled_reason;
ALTER TABLE users DROP COLUMN disabled_until;
