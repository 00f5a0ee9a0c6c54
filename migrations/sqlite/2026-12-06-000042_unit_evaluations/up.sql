-- Each training's evaluation as one OPD sees it (the report scoped to the OPD's subtree), kept
-- as the report answers it, less its unaddressed flags, as training_evaluations keeps it over
-- every unit: the title and programme, the JSON figures (responses through flags), the flags
-- comma-separated, whether it is suppressed and the comments shown (aggregates::evaluation, by
-- the report's own rule). Feedback is attributed to OPDs only, so
-- every unit scope with feedback figures is one OPD's subtree: at 200k employees computing one
-- took ~350 ms. Refreshed with training_evaluations (a rebuild writes it OPD by OPD, so that
-- an OPD's rows lie together), and for the trainings of a unit's people when the unit moves in
-- the tree. Filled by the computation that follows this migration on a
-- database with data (db::NEW_KEPT).
CREATE TABLE unit_evaluations (
    unit_id BIGINT NOT NULL,
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    title TEXT NOT NULL,
    programme_id BIGINT,
    figures TEXT NOT NULL,
    flags TEXT NOT NULL,
    suppressed BOOLEAN NOT NULL,
    comments TEXT NOT NULL,
    PRIMARY KEY (unit_id, training_id)
);
CREATE INDEX unit_evaluations_training ON unit_evaluations (training_id);
-- A scope below an OPD is computed: its enrolment counts per training, read from the index
-- alone.
CREATE INDEX enrolment_totals_unit ON enrolment_totals (unit_id, training_id, participants, eligible);
