-- The trainer pool's internal candidates, kept per employee and competency with the name and
-- unit the trainer-shortage report lists (aggregates::candidates): at 200k employees the report
-- joined the 30k levels of 4 and 5 with every employee for their names, ~95 ms of its ~100 ms.
-- Filled by the computation that follows this migration on a database with data
-- (db::NEW_KEPT).
CREATE TABLE trainer_candidates (
    employee_id BIGINT NOT NULL,
    competency_id BIGINT NOT NULL,
    level INTEGER NOT NULL,
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL,
    PRIMARY KEY (employee_id, competency_id)
);
