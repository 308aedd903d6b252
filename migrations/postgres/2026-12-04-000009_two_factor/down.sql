ALTER TABLE sessions DROP COLUMN sign_in_method;
DROP TABLE two_factor_challenges;
DROP TABLE recovery_codes;
DROP TABLE two_factor_secrets;
ALTER TABLE users DROP COLUMN two_factor_enabled_at;
