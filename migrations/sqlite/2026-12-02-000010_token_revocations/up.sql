-- Revocation that reaches access tokens. An access token carries its principal's
-- token_version; a revoking write (deactivation, deletion, a new role, unit, employee or
-- password, a lost scope, sign-out) raises the version and appends a row here, which every
-- instance reads within a second: tokens below the row's version are refused. Rows older than
-- the access-token lifetime are no longer needed (every token they refuse has expired).
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_clients ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE token_revocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    token_version BIGINT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX token_revocations_at ON token_revocations(at);
