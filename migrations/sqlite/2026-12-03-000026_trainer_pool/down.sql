DROP TABLE trainer_qualifications;
ALTER TABLE trainers DROP COLUMN max_jp_per_month;
ALTER TABLE trainers DROP COLUMN qualifications;
