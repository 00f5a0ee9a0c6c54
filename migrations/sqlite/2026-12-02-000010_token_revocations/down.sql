DROP TABLE token_revocations;
ALTER TABLE api_clients DROP COLUMN token_version;
ALTER TABLE users DROP COLUMN token_version;
