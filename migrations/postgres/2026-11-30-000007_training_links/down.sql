ALTER TABLE trainings DROP COLUMN links_json;
