-- Latchkey's schema for PostgreSQL.
--
-- IDs are compared byte-wise (COLLATE "C") whatever the database's
-- collation: cursor pagination relies on ID order being ULID order, which
-- is creation order. Times are timestamptz (microsecond precision); NULL is
-- the zero time. Every name is unqualified: the tables go in the first
-- schema of the search_path.

CREATE TABLE applications (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ
);

CREATE TABLE redirect_uris (
    id             TEXT COLLATE "C" PRIMARY KEY,
    application_id TEXT COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    uri            TEXT NOT NULL,
    is_default     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ,
    UNIQUE (application_id, kind, uri)
);

CREATE TABLE api_keys (
    id             TEXT COLLATE "C" PRIMARY KEY,
    application_id TEXT COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    prefix         TEXT NOT NULL,
    hash           TEXT NOT NULL,
    created_at     TIMESTAMPTZ
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_application_id ON api_keys (application_id);

CREATE TABLE cors_origins (
    id             TEXT COLLATE "C" PRIMARY KEY,
    application_id TEXT COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    origin         TEXT NOT NULL,
    created_at     TIMESTAMPTZ,
    UNIQUE (application_id, origin)
);

CREATE TABLE organizations (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    external_id TEXT UNIQUE, -- NULL when unset; NULLs never collide
    created_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ
);

CREATE TABLE organization_domains (
    id              TEXT COLLATE "C" PRIMARY KEY,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain          TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ
);
CREATE UNIQUE INDEX organization_domains_domain ON organization_domains (lower(domain));
CREATE INDEX organization_domains_organization_id ON organization_domains (organization_id);

CREATE TABLE connections (
    id              TEXT COLLATE "C" PRIMARY KEY,
    organization_id TEXT COLLATE "C" REFERENCES organizations (id) ON DELETE CASCADE, -- NULL for OAuth providers
    type            TEXT NOT NULL,
    name            TEXT NOT NULL,
    state           TEXT NOT NULL,
    settings        BYTEA,
    secrets         BYTEA,
    created_at      TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ
);
CREATE INDEX connections_organization_id ON connections (organization_id);

CREATE TABLE users (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    email               TEXT NOT NULL,
    email_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    profile_picture_url TEXT NOT NULL DEFAULT '',
    external_id         TEXT UNIQUE, -- NULL when unset
    password_hash       TEXT NOT NULL DEFAULT '',
    last_sign_in_at     TIMESTAMPTZ,
    created_at          TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE identities (
    id            TEXT COLLATE "C" PRIMARY KEY,
    user_id       TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    created_at    TIMESTAMPTZ,
    UNIQUE (connection_id, subject)
);
CREATE INDEX identities_user_id ON identities (user_id);

CREATE TABLE organization_memberships (
    id              TEXT COLLATE "C" PRIMARY KEY,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ,
    UNIQUE (user_id, organization_id)
);
CREATE INDEX organization_memberships_organization_id ON organization_memberships (organization_id);

-- A session's organization is a plain value, not a foreign key: deleting an
-- organization must not delete the sign-ins that merely passed through it.
CREATE TABLE sessions (
    id              TEXT COLLATE "C" PRIMARY KEY,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    application_id  TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    auth_method     TEXT NOT NULL DEFAULT '',
    ip_address      TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE auth_codes (
    hash            TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    session_id      TEXT COLLATE "C" REFERENCES sessions (id) ON DELETE CASCADE,
    auth_method     TEXT NOT NULL DEFAULT '',
    extra           BYTEA,
    created_at      TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    consumed_at     TIMESTAMPTZ
);
CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);
CREATE INDEX auth_codes_session_id ON auth_codes (session_id);

CREATE TABLE refresh_tokens (
    id              TEXT COLLATE "C" PRIMARY KEY,
    hash            TEXT NOT NULL UNIQUE,
    session_id      TEXT COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    application_id  TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    used_at         TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE signing_keys (
    id          TEXT COLLATE "C" PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_key BYTEA,
    public_key  BYTEA,
    created_at  TIMESTAMPTZ,
    retired_at  TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ
);

CREATE TABLE generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO generation (id, value) VALUES (1, 0);
