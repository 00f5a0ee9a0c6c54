ALTER TABLE partners DROP COLUMN competency_ids;
ALTER TABLE trainers DROP COLUMN competency_ids;
