-- Nomination (API.md "Planning and nomination"): a training may take enrolments only as
-- nominations, within quotas per unit; staff approve (a seat, or the waiting list) or reject.
-- Seats are held by registered, attended, completed, failed and no-show enrolments only.
ALTER TABLE trainings ADD COLUMN nomination_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enrolments ADD COLUMN waitlisted_at TIMESTAMP;
ALTER TABLE enrolments ADD COLUMN decision_note TEXT;
-- The status CHECK gains the nomination states. SQLite cannot alter a CHECK, and rebuilding
-- the table would cascade to the rows that refer to it; widening it is a change to the stored
-- schema text only, which SQLite documents as safe when every stored row satisfies the new
-- constraint (https://sqlite.org/lang_altertable.html#otheralter). RESET makes this connection
-- read the schema again; the ALTERs above moved the schema cookie, so others re-read it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, '''withdrawn'', ''no_show'')', '''withdrawn'', ''no_show'', ''nominated'', ''waitlisted'', ''rejected'')')
WHERE type = 'table' AND name = 'enrolments';
PRAGMA writable_schema = RESET;
CREATE TABLE training_quotas (
    training_id BIGINT NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    seats INTEGER NOT NULL CHECK (seats BETWEEN 0 AND 100000),
    PRIMARY KEY (training_id, unit_id)
);
CREATE INDEX training_quotas_unit ON training_quotas(unit_id);
CREATE INDEX enrolments_waitlist ON enrolments(training_id, waitlisted_at, id) WHERE status = 'waitlisted';
