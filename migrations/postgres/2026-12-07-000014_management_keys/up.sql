-- Management keys (`db::management_keys`): what the app's own backend presents to the
-- management API (`Authorization: Bearer sk_…`). Only the key's hash is stored; the key
-- is shown once when it is made. `scopes` is a comma-separated list of the contract's
-- scopes; a key acts only within them, until `expires_at` or `revoked_at`.
CREATE TABLE management_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE UNIQUE INDEX management_keys_name_key ON management_keys (name);
CREATE UNIQUE INDEX management_keys_key_hash_key ON management_keys (key_hash);
