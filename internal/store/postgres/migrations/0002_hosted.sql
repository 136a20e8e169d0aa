-- The hosted login (provider=authkit): email verification codes, password
-- reset tokens, rate-limit counters and each application's branding.
-- Codes and tokens are stored hashed; the rate-limit counters live here so
-- that every node behind one database counts together.

CREATE TABLE email_verifications (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ NOT NULL,
    consumed_at TIMESTAMPTZ
);
CREATE INDEX email_verifications_user_id ON email_verifications (user_id);
CREATE INDEX email_verifications_expires_at ON email_verifications (expires_at);

CREATE TABLE password_resets (
    hash       TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_resets_user_id ON password_resets (user_id);
CREATE INDEX password_resets_expires_at ON password_resets (expires_at);

-- One fixed-window counter per key; a hit in a later window restarts it.
CREATE TABLE rate_limits (
    key          TEXT COLLATE "C" PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    count        BIGINT NOT NULL,
    last_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_limits_last_at ON rate_limits (last_at);

CREATE TABLE application_branding (
    application_id TEXT COLLATE "C" PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    logo_url       TEXT NOT NULL DEFAULT '',
    accent_color   TEXT NOT NULL DEFAULT ''
);
