-- The evaluation loop (API.md "Evaluation loop"): programmes whose runs are trainings, paper
-- responses, a rating per speaker, improvement actions, action plans and their review.
--
-- Anonymity: a response is attributed only to the respondent's top-level unit (OPD), so the
-- existing responses are moved up to theirs; the feedback aggregates are rebuilt after this
-- migration (db::DATA_FIXES). Response ids are random from now on (feedback::queries).
CREATE TABLE programmes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    competency_ids TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE programme_competencies (
    programme_id BIGINT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies(id),
    PRIMARY KEY (programme_id, competency_id)
);
CREATE INDEX programme_competencies_competency_id ON programme_competencies(competency_id);

ALTER TABLE trainings ADD COLUMN programme_id BIGINT REFERENCES programmes(id);
CREATE INDEX trainings_programme_id ON trainings(programme_id, start_date);

ALTER TABLE feedback ADD COLUMN channel TEXT NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'paper'));

-- One speaker's rating from one response, deliberately not linked to the response it came with.
CREATE TABLE feedback_trainer_ratings (
    id BIGINT PRIMARY KEY,
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    trainer_id BIGINT NOT NULL REFERENCES trainers(id),
    unit_id BIGINT REFERENCES units(id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5)
);
CREATE INDEX feedback_trainer_ratings_training ON feedback_trainer_ratings(training_id);
CREATE INDEX feedback_trainer_ratings_trainer ON feedback_trainer_ratings(trainer_id);

CREATE TABLE improvement_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    aspect TEXT NOT NULL,
    finding TEXT NOT NULL,
    action TEXT NOT NULL,
    owner TEXT,
    due_on DATE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    next_training_id BIGINT REFERENCES trainings(id),
    outcome_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX improvement_actions_training ON improvement_actions(training_id);
CREATE INDEX improvement_actions_next_training ON improvement_actions(next_training_id);

-- A participant's action plan after a completion, and the supervisor's review of it (Kirkpatrick
-- level 3). Items are JSON; the review's counts are kept beside them for the transfer report.
CREATE TABLE action_plans (
    enrolment_id BIGINT PRIMARY KEY REFERENCES enrolments(id) ON DELETE CASCADE,
    items TEXT NOT NULL,
    item_count INTEGER NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    reviewed_at TIMESTAMP,
    reviewed_by BIGINT,
    behaviour_change INTEGER CHECK (behaviour_change BETWEEN 1 AND 5),
    review_note TEXT,
    implemented_count INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

ALTER TABLE settings ADD COLUMN action_plan_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE settings ADD COLUMN transfer_review_after_days INTEGER NOT NULL DEFAULT 90;

WITH RECURSIVE up(unit_id, top_id, parent_id) AS (
    SELECT id, id, parent_id FROM units
    UNION ALL
    SELECT up.unit_id, u.id, u.parent_id FROM up JOIN units u ON u.id = up.parent_id
)
UPDATE feedback SET unit_id = (SELECT top_id FROM up WHERE up.unit_id = feedback.unit_id AND up.parent_id IS NULL)
WHERE unit_id IS NOT NULL;

-- Paper forms are attributed to no unit: the feedback totals key (training, unit) allows a null
-- unit, counted only in figures over every unit. Rebuilt from the responses after this
-- migration (db::DATA_FIXES).
DROP TABLE feedback_totals;
CREATE TABLE feedback_totals (
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    unit_id BIGINT REFERENCES units(id),
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
    overall_low INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feedback_totals_training_unit ON feedback_totals(training_id, unit_id);
CREATE INDEX feedback_totals_unit ON feedback_totals(unit_id);
