-- Failed-attempt counters per account (login, forgot-password, signup), kept in the
-- database so that every instance sees the same count.
CREATE TABLE auth_throttles (
    key TEXT PRIMARY KEY NOT NULL,
    attempts BIGINT NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP
);
