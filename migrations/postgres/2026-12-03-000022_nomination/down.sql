DROP INDEX enrolments_waitlist;
DROP TABLE training_quotas;
UPDATE enrolments SET status = 'withdrawn' WHERE status IN ('nominated', 'waitlisted', 'rejected');
ALTER TABLE enrolments DROP CONSTRAINT enrolments_status_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_status_check CHECK (status IN
    ('registered', 'attended', 'completed', 'failed', 'withdrawn', 'no_show'));
ALTER TABLE enrolments DROP COLUMN decision_note;
ALTER TABLE enrolments DROP COLUMN waitlisted_at;
ALTER TABLE trainings DROP COLUMN nomination_required;
