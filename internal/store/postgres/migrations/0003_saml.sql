-- SAML assertion IDs accepted at the ACS, kept until the assertion could no
-- longer be accepted anyway: a row here makes a replayed response fail on
-- every node that shares the database.
CREATE TABLE saml_assertions (
    id         TEXT COLLATE "C" PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX saml_assertions_expires_at ON saml_assertions (expires_at);
