ALTER TABLE assessments DROP COLUMN updated_at;
ALTER TABLE assessments DROP COLUMN version;
ALTER TABLE settings DROP COLUMN jpm_methods;
DELETE FROM competency_levels;
INSERT INTO competency_levels (employee_id, competency_id, level, assessed_on, assessment_id)
SELECT employee_id, competency_id, level, assessed_on, id FROM (
    SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.employee_id, a.competency_id ORDER BY a.assessed_on DESC, a.id DESC) AS rn
    FROM assessments a
) ranked WHERE rn = 1;
