-- Whom each policy affects and whether they are refreshed on it, kept per policy and employee
-- by the writes (aggregates::coverage): the policy-coverage report counts these rows instead of
-- matching every employee against every policy. Filled by the aggregates' rebuild that follows
-- this migration on a database with data (db::NEW_KEPT).
CREATE TABLE policy_people (
    policy_id BIGINT NOT NULL,
    employee_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    refreshed INTEGER NOT NULL,
    PRIMARY KEY (policy_id, employee_id)
);
CREATE INDEX policy_people_employee ON policy_people(employee_id);
