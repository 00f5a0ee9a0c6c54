-- The free-text comments of each training's responses, kept as the JSON array the training
-- evaluation answers, in an order shuffled when they are written (aggregates::refresh_feedback):
-- the report over every unit reads one row a training instead of every comment (251k rows, a
-- third of a second at 200k employees). Filled by the computation that follows this migration
-- on a database with data (db::NEW_KEPT).
CREATE TABLE training_comments (
    training_id BIGINT PRIMARY KEY REFERENCES trainings(id),
    comments TEXT NOT NULL
);
