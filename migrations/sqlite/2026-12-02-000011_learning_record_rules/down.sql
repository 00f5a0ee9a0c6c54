-- The withdrawn enrolments of cancelled trainings stay withdrawn: the audit rows of the up
-- migration say what they were.
ALTER TABLE settings DROP COLUMN min_attendance_percent;
ALTER TABLE settings DROP COLUMN max_jp_per_day;
