-- One store for every single-use token (`db::single_use`): reset and invitation
-- links, verification links, second-factor challenges, passkey ceremonies, social
-- sign-ins in flight. `kind` says which; `payload` is what the kind carries, as
-- JSON; `answers` counts a challenge's claimed answers. Found by the hash of what
-- the holder presents; spent by deleting the row.
--
-- The tokens in flight are copied over, so that an upgrade breaks no link or sign-in
-- under way. The five old tables stay, no longer read or written, so that a
-- previous release running beside this one during a rolling upgrade still finds
-- them; the release after this one drops them.
CREATE TABLE single_use_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    answers INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX single_use_tokens_user_id_idx ON single_use_tokens (user_id);
CREATE INDEX single_use_tokens_expires_at_idx ON single_use_tokens (expires_at);

INSERT INTO single_use_tokens (token_hash, kind, user_id, payload, answers, created_at, expires_at)
SELECT token_hash, 'password_reset', user_id, '{}', 0, created_at, expires_at
FROM password_reset_tokens WHERE used_at IS NULL;

INSERT INTO single_use_tokens (token_hash, kind, user_id, payload, answers, created_at, expires_at)
SELECT token_hash, 'email_verification', user_id, json_build_object('email', email)::text, 0, created_at, expires_at
FROM email_verification_tokens WHERE used_at IS NULL;

INSERT INTO single_use_tokens (token_hash, kind, user_id, payload, answers, created_at, expires_at)
SELECT token_hash, 'two_factor_' || purpose, user_id,
       json_build_object('remember_me', remember_me)::text,
       failures, created_at, expires_at
FROM two_factor_challenges;

INSERT INTO single_use_tokens (token_hash, kind, user_id, payload, answers, created_at, expires_at)
SELECT token_hash, 'passkey_ceremony', user_id, json_build_object('purpose', purpose, 'state', state)::text,
       0, created_at, expires_at
FROM passkey_ceremonies;

INSERT INTO single_use_tokens (token_hash, kind, user_id, payload, answers, created_at, expires_at)
SELECT key_hash, 'social_sign_in', link_user_id,
       json_build_object('provider', provider, 'state', state, 'nonce', nonce,
                         'pkce_verifier', pkce_verifier, 'callback_url', callback_url,
                         'error_callback_url', error_callback_url)::text,
       0, created_at, expires_at
FROM social_sign_ins;
