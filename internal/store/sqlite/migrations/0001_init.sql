-- Latchkey's schema for SQLite.
--
-- Times are INTEGER microseconds since the Unix epoch, in UTC: fixed
-- precision, compact, and ordered correctly by plain comparison. NULL is the
-- zero time. Tables are STRICT so a value of the wrong type is an error
-- instead of being stored as something else.

CREATE TABLE applications (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER,
    updated_at INTEGER
) STRICT;

CREATE TABLE redirect_uris (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    uri            TEXT NOT NULL,
    is_default     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER,
    updated_at     INTEGER,
    UNIQUE (application_id, kind, uri)
) STRICT;

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    prefix         TEXT NOT NULL,
    hash           TEXT NOT NULL,
    created_at     INTEGER
) STRICT;
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_application_id ON api_keys (application_id);

CREATE TABLE cors_origins (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    origin         TEXT NOT NULL,
    created_at     INTEGER,
    UNIQUE (application_id, origin)
) STRICT;

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    external_id TEXT UNIQUE, -- NULL when unset; NULLs never collide
    created_at  INTEGER,
    updated_at  INTEGER
) STRICT;

CREATE TABLE organization_domains (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain          TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      INTEGER,
    updated_at      INTEGER
) STRICT;
CREATE UNIQUE INDEX organization_domains_domain ON organization_domains (lower(domain));
CREATE INDEX organization_domains_organization_id ON organization_domains (organization_id);

CREATE TABLE connections (
    id              TEXT PRIMARY KEY,
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE, -- NULL for OAuth providers
    type            TEXT NOT NULL,
    name            TEXT NOT NULL,
    state           TEXT NOT NULL,
    settings        BLOB,
    secrets         BLOB,
    created_at      INTEGER,
    updated_at      INTEGER
) STRICT;
CREATE INDEX connections_organization_id ON connections (organization_id);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL,
    email_verified      INTEGER NOT NULL DEFAULT 0,
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    profile_picture_url TEXT NOT NULL DEFAULT '',
    external_id         TEXT UNIQUE, -- NULL when unset
    password_hash       TEXT NOT NULL DEFAULT '',
    last_sign_in_at     INTEGER,
    created_at          INTEGER,
    updated_at          INTEGER
) STRICT;
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE identities (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    created_at    INTEGER,
    UNIQUE (connection_id, subject)
) STRICT;
CREATE INDEX identities_user_id ON identities (user_id);

CREATE TABLE organization_memberships (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      INTEGER,
    updated_at      INTEGER,
    UNIQUE (user_id, organization_id)
) STRICT;
CREATE INDEX organization_memberships_organization_id ON organization_memberships (organization_id);

-- A session's organization is a plain value, not a foreign key: deleting an
-- organization must not delete the sign-ins that merely passed through it.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    application_id  TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    auth_method     TEXT NOT NULL DEFAULT '',
    ip_address      TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER,
    expires_at      INTEGER,
    revoked_at      INTEGER
) STRICT;
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE auth_codes (
    hash            TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    session_id      TEXT REFERENCES sessions (id) ON DELETE CASCADE,
    auth_method     TEXT NOT NULL DEFAULT '',
    extra           BLOB,
    created_at      INTEGER,
    expires_at      INTEGER,
    consumed_at     INTEGER
) STRICT;
CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);
CREATE INDEX auth_codes_session_id ON auth_codes (session_id);

CREATE TABLE refresh_tokens (
    id              TEXT PRIMARY KEY,
    hash            TEXT NOT NULL UNIQUE,
    session_id      TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    application_id  TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    created_at      INTEGER,
    expires_at      INTEGER,
    used_at         INTEGER
) STRICT;
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_key BLOB,
    public_key  BLOB,
    created_at  INTEGER,
    retired_at  INTEGER,
    expires_at  INTEGER
) STRICT;

CREATE TABLE generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO generation (id, value) VALUES (1, 0);
