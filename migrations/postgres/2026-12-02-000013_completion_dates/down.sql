ALTER TABLE settings DROP COLUMN late_completion_days;
ALTER TABLE settings DROP COLUMN jp_cap_pppk;
ALTER TABLE settings DROP COLUMN jp_target_pppk;
DROP INDEX enrolments_completed_on;
ALTER TABLE enrolments DROP COLUMN completed_on;
