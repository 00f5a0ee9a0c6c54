-- A version per kind of entity, moved on by every committed write of that kind (db::versions):
-- what cached answers (the reports) are keyed on, so a write invalidates exactly what reads it.
CREATE TABLE data_versions (
    entity TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_versions (entity) VALUES
    ('unit'),
    ('competency'),
    ('position'),
    ('employee'),
    ('assessment'),
    ('exemption'),
    ('external_learning'),
    ('partner'),
    ('trainer'),
    ('training'),
    ('enrolment'),
    ('feedback'),
    ('programme'),
    ('improvement_action'),
    ('action_plan'),
    ('development_need'),
    ('plan'),
    ('plan_item'),
    ('session'),
    ('policy'),
    ('webhook'),
    ('user'),
    ('api_client'),
    ('settings'),
    ('course_record'),
    ('aggregate');
