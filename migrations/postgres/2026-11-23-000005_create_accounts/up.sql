-- Identities at sign-in providers (Google, any OpenID Connect provider): one
-- (provider, subject) belongs to one user, and a user has at most one per provider.
CREATE TABLE accounts (
    provider TEXT NOT NULL,
    -- the provider's `sub`: stable, unlike the email
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the address the provider gave at the last sign-in (shown to the user)
    email TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX accounts_user_id_provider_key ON accounts (user_id, provider);

-- Social sign-ins started and not finished: bound to the browser by a cookie whose
-- secret is kept here only as a hash; spent on first use, dead after 10 minutes.
CREATE TABLE social_sign_ins (
    key_hash TEXT PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    error_callback_url TEXT NOT NULL,
    -- set when a signed-in user started it: the identity is linked to that user
    link_user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX social_sign_ins_expires_at_idx ON social_sign_ins (expires_at);
