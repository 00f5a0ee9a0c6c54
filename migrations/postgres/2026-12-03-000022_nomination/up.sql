-- Nomination (API.md "Planning and nomination"): a training may take enrolments only as
-- nominations, within quotas per unit; staff approve (a seat, or the waiting list) or reject.
-- Seats are held by registered, attended, completed, failed and no-show enrolments only.
ALTER TABLE trainings ADD COLUMN nomination_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enrolments ADD COLUMN waitlisted_at TIMESTAMP;
ALTER TABLE enrolments ADD COLUMN decision_note TEXT;
ALTER TABLE enrolments DROP CONSTRAINT enrolments_status_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_status_check CHECK (status IN
    ('registered', 'attended', 'completed', 'failed', 'withdrawn', 'no_show', 'nominated', 'waitlisted', 'rejected'));
CREATE TABLE training_quotas (
    training_id BIGINT NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    seats INTEGER NOT NULL CHECK (seats BETWEEN 0 AND 100000),
    PRIMARY KEY (training_id, unit_id)
);
CREATE INDEX training_quotas_unit ON training_quotas(unit_id);
CREATE INDEX enrolments_waitlist ON enrolments(training_id, waitlisted_at, id) WHERE status = 'waitlisted';
