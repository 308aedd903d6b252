-- Webhooks (`db::webhooks`). An endpoint is where events go: its secret is sealed under
-- SECRET_KEY (it signs every delivery, so it must be readable, unlike a key that is only
-- compared); `event_types` is a comma-separated list of the contract's types, empty for
-- all. `failing_since` is the first failed attempt since the last success: five days of
-- it disable the endpoint, with the reason in `disabled_reason`.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    description TEXT,
    event_types TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    failing_since TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The outbox: an event is written in the transaction of the change that caused it, with
-- one delivery per endpoint that wanted it, so a rolled-back change leaves neither and a
-- committed one is delivered even if the process dies right after. `payload` is the body
-- as it is sent (and signed) on every attempt; `id` is its `webhook-id`.
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One event to one endpoint: `pending` until a 2xx (`delivered`) or the last retry
-- (`failed`). A worker claims a due row by setting `claimed_until`; a worker that died
-- mid-attempt leaves a claim that lapses, and the row is tried again.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_attempt_at TIMESTAMP,
    last_status INTEGER,
    last_response TEXT,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_event_endpoint_key ON webhook_deliveries (event_id, endpoint_id);
-- The worker's question: what is due.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
-- The panel's: an endpoint's deliveries, newest first.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);
