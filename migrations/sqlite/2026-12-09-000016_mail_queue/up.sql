-- Mail waiting to be sent (`db::mail_queue`), written in the transaction of the change
-- it tells of: a rolled-back change sends nothing, and a committed one's mail survives
-- a shutdown or a crash and goes out from whichever instance claims it. The message is
-- sealed under SECRET_KEY: it carries live reset and verification links. A row is
-- removed once sent, or once its last retry failed (the mail is then kept on disk).
CREATE TABLE mail_queue (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    sealed_message TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    claimed_by TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_queue_due_idx ON mail_queue (next_attempt_at);
