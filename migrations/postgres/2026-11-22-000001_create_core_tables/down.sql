DROP TABLE audit_log;
DROP TABLE password_reset_tokens;
DROP TABLE sessions;
DROP TABLE users;
