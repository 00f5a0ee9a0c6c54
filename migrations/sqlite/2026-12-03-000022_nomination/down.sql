DROP INDEX enrolments_waitlist;
DROP TABLE training_quotas;
UPDATE enrolments SET status = 'withdrawn' WHERE status IN ('nominated', 'waitlisted', 'rejected');
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, '''withdrawn'', ''no_show'', ''nominated'', ''waitlisted'', ''rejected'')', '''withdrawn'', ''no_show'')')
WHERE type = 'table' AND name = 'enrolments';
PRAGMA writable_schema = RESET;
ALTER TABLE enrolments DROP COLUMN decision_note;
ALTER TABLE enrolments DROP COLUMN waitlisted_at;
ALTER TABLE trainings DROP COLUMN nomination_required;
