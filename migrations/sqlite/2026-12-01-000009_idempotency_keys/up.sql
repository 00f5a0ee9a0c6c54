-- The first answer to a create sent with an Idempotency-Key, so a retry gets it again instead
-- of creating twice. `handle` is a keyed digest of the caller and the key, and the body is
-- encrypted with a key derived from both: the table shows no one which caller created what
-- (a feedback response stays anonymous) and no secret shown once (an API client's). With the
-- request it answered (method and path, a digest of the body) and the response's status,
-- Location and ETag. Kept 24 hours.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL UNIQUE,
    request TEXT NOT NULL,
    digest TEXT NOT NULL,
    status INTEGER NOT NULL,
    location TEXT,
    etag TEXT,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys(created_at);
