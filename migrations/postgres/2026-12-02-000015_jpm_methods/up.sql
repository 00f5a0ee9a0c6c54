-- Which assessment methods decide the current level, gaps and JPM (API.md: the setting
-- `jpm_methods`, default assessment centre and test): a supervisor's or a self rating is kept
-- and shown, but no longer overrides a measured level. Assessments become correctable
-- (PATCH/DELETE with a version). The current levels are rebuilt from the default methods, and
-- the report aggregates after them (a data fix: `db::DATA_FIXES`).
ALTER TABLE settings ADD COLUMN jpm_methods TEXT NOT NULL DEFAULT '["assessment_center","test"]';
ALTER TABLE assessments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE assessments ADD COLUMN updated_at TIMESTAMP;
UPDATE assessments SET updated_at = created_at;
DELETE FROM competency_levels;
INSERT INTO competency_levels (employee_id, competency_id, level, assessed_on, assessment_id)
SELECT employee_id, competency_id, level, assessed_on, id FROM (
    SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.employee_id, a.competency_id ORDER BY a.assessed_on DESC, a.id DESC) AS rn
    FROM assessments a WHERE a.method IN ('assessment_center', 'test')
) ranked WHERE rn = 1;
