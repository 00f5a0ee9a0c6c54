-- Anonymous feedback and machine clients.
-- A response carries no employee or enrolment id. Which enrolments have answered is kept apart in
-- feedback_receipts (no timestamps, no link to the response) only to allow one response each.
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    -- The respondent's unit, for unit-scoped reports; groups below min_group_size are suppressed.
    unit_id INTEGER REFERENCES units(id),
    material INTEGER CHECK (material BETWEEN 1 AND 5),
    method INTEGER CHECK (method BETWEEN 1 AND 5),
    trainer INTEGER CHECK (trainer BETWEEN 1 AND 5),
    facilities INTEGER CHECK (facilities BETWEEN 1 AND 5),
    relevance INTEGER CHECK (relevance BETWEEN 1 AND 5),
    organisation INTEGER CHECK (organisation BETWEEN 1 AND 5),
    overall INTEGER NOT NULL CHECK (overall BETWEEN 1 AND 5),
    recommend INTEGER NOT NULL CHECK (recommend BETWEEN 0 AND 10),
    comment TEXT,
    -- The day only: an exact time would let someone match a response to a submission.
    submitted_on DATE NOT NULL
);
CREATE INDEX feedback_training_id ON feedback(training_id);
CREATE INDEX feedback_unit_id ON feedback(unit_id);

CREATE TABLE feedback_receipts (
    enrolment_id INTEGER PRIMARY KEY REFERENCES enrolments(id)
);

CREATE TABLE api_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
