DROP TABLE feedback_totals;
CREATE TABLE feedback_totals (
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    responses INTEGER NOT NULL DEFAULT 0,
    promoters INTEGER NOT NULL DEFAULT 0,
    detractors INTEGER NOT NULL DEFAULT 0,
    material_n INTEGER NOT NULL DEFAULT 0,
    material_sum INTEGER NOT NULL DEFAULT 0,
    material_top2 INTEGER NOT NULL DEFAULT 0,
    material_low INTEGER NOT NULL DEFAULT 0,
    method_n INTEGER NOT NULL DEFAULT 0,
    method_sum INTEGER NOT NULL DEFAULT 0,
    method_top2 INTEGER NOT NULL DEFAULT 0,
    method_low INTEGER NOT NULL DEFAULT 0,
    trainer_n INTEGER NOT NULL DEFAULT 0,
    trainer_sum INTEGER NOT NULL DEFAULT 0,
    trainer_top2 INTEGER NOT NULL DEFAULT 0,
    trainer_low INTEGER NOT NULL DEFAULT 0,
    facilities_n INTEGER NOT NULL DEFAULT 0,
    facilities_sum INTEGER NOT NULL DEFAULT 0,
    facilities_top2 INTEGER NOT NULL DEFAULT 0,
    facilities_low INTEGER NOT NULL DEFAULT 0,
    relevance_n INTEGER NOT NULL DEFAULT 0,
    relevance_sum INTEGER NOT NULL DEFAULT 0,
    relevance_top2 INTEGER NOT NULL DEFAULT 0,
    relevance_low INTEGER NOT NULL DEFAULT 0,
    organisation_n INTEGER NOT NULL DEFAULT 0,
    organisation_sum INTEGER NOT NULL DEFAULT 0,
    organisation_top2 INTEGER NOT NULL DEFAULT 0,
    organisation_low INTEGER NOT NULL DEFAULT 0,
    overall_n INTEGER NOT NULL DEFAULT 0,
    overall_sum INTEGER NOT NULL DEFAULT 0,
    overall_top2 INTEGER NOT NULL DEFAULT 0,
    overall_low INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (training_id, unit_id)
);
ALTER TABLE settings DROP COLUMN transfer_review_after_days;
ALTER TABLE settings DROP COLUMN action_plan_days;
DROP TABLE action_plans;
DROP TABLE improvement_actions;
DROP TABLE feedback_trainer_ratings;
ALTER TABLE feedback DROP COLUMN channel;
DROP INDEX trainings_programme_id;
ALTER TABLE trainings DROP COLUMN programme_id;
DROP TABLE programme_competencies;
DROP TABLE programmes;
