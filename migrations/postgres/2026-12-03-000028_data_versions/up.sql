-- A version per kind of entity, moved on by every committed write of that kind (db::versions):
-- what cached answers (the reports) are keyed on, so a write invalidates exactly what reads it.
-- On PostgreSQL a sequence each: nextval never waits for another transaction, and it is called
-- after the write commits, so a reader never sees a new version before the data it stands for.
CREATE SEQUENCE data_version_unit;
CREATE SEQUENCE data_version_competency;
CREATE SEQUENCE data_version_position;
CREATE SEQUENCE data_version_employee;
CREATE SEQUENCE data_version_assessment;
CREATE SEQUENCE data_version_exemption;
CREATE SEQUENCE data_version_external_learning;
CREATE SEQUENCE data_version_partner;
CREATE SEQUENCE data_version_trainer;
CREATE SEQUENCE data_version_training;
CREATE SEQUENCE data_version_enrolment;
CREATE SEQUENCE data_version_feedback;
CREATE SEQUENCE data_version_programme;
CREATE SEQUENCE data_version_improvement_action;
CREATE SEQUENCE data_version_action_plan;
CREATE SEQUENCE data_version_development_need;
CREATE SEQUENCE data_version_plan;
CREATE SEQUENCE data_version_plan_item;
CREATE SEQUENCE data_version_session;
CREATE SEQUENCE data_version_policy;
CREATE SEQUENCE data_version_webhook;
CREATE SEQUENCE data_version_user;
CREATE SEQUENCE data_version_api_client;
CREATE SEQUENCE data_version_settings;
CREATE SEQUENCE data_version_course_record;
CREATE SEQUENCE data_version_aggregate;
