ALTER TABLE unit_evaluations DROP COLUMN csv_after;
ALTER TABLE unit_evaluations DROP COLUMN csv_before;
ALTER TABLE training_evaluations DROP COLUMN csv_after;
ALTER TABLE training_evaluations DROP COLUMN csv_before;
