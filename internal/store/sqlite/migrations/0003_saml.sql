-- SAML assertion IDs accepted at the ACS, kept until the assertion could no
-- longer be accepted anyway: a row here makes a replayed response fail on
-- every node that shares the database.
CREATE TABLE saml_assertions (
    id         TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX saml_assertions_expires_at ON saml_assertions (expires_at);
