-- Each training's evaluation over every unit, kept as the training evaluation answers it, less
-- its unaddressed flags (improvement actions move those; the report adds them): the title and
-- programme, the JSON figures (responses through flags), the flags comma-separated, whether it
-- is suppressed and the comments shown (aggregates::evaluation, by the report's own rule). The
-- report over every unit reads this one table instead of computing 18.8k rows at 200k
-- employees. Refreshed with the enrolment and feedback totals it comes from, when the training
-- is edited, and every row when the settings that judge feedback change. Filled by the
-- computation that follows this migration on a database with data (db::NEW_KEPT).
CREATE TABLE training_evaluations (
    training_id BIGINT PRIMARY KEY REFERENCES trainings(id),
    title TEXT NOT NULL,
    programme_id BIGINT,
    figures TEXT NOT NULL,
    flags TEXT NOT NULL,
    suppressed BOOLEAN NOT NULL,
    comments TEXT NOT NULL
);
