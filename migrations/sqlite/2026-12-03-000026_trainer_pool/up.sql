-- The trainer pool (API.md "Policy change and the trainer pool"): what qualifies a trainer
-- (ToT, widyaiswara, assessor, certified instructor …, per competency and level, until it
-- expires) and how many JP a month they can take on. The qualifications are kept on the
-- trainer's row (as JSON, the read) and in their own table (the report's joins).
ALTER TABLE trainers ADD COLUMN qualifications TEXT NOT NULL DEFAULT '[]';
ALTER TABLE trainers ADD COLUMN max_jp_per_month INTEGER CHECK (max_jp_per_month BETWEEN 1 AND 500);
CREATE TABLE trainer_qualifications (
    trainer_id BIGINT NOT NULL REFERENCES trainers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('tot', 'widyaiswara', 'assessor', 'certified_instructor', 'other')),
    competency_id BIGINT REFERENCES competencies(id),
    level INTEGER CHECK (level BETWEEN 1 AND 5),
    issued_on DATE NOT NULL,
    expires_on DATE
);
CREATE INDEX trainer_qualifications_trainer ON trainer_qualifications(trainer_id);
CREATE INDEX trainer_qualifications_competency ON trainer_qualifications(competency_id, expires_on);
