-- The current (latest) assessed level per employee and competency, kept in step with assessments
-- in the same transaction, so the gap reports join a table instead of ranking the whole history.
CREATE TABLE competency_levels (
    employee_id INTEGER NOT NULL REFERENCES employees(id),
    competency_id INTEGER NOT NULL REFERENCES competencies(id),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    assessed_on DATE NOT NULL,
    assessment_id BIGINT NOT NULL,
    PRIMARY KEY (employee_id, competency_id)
);
CREATE INDEX competency_levels_competency_id ON competency_levels(competency_id);

INSERT INTO competency_levels (employee_id, competency_id, level, assessed_on, assessment_id)
SELECT employee_id, competency_id, level, assessed_on, id FROM (
    SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.employee_id, a.competency_id ORDER BY a.assessed_on DESC, a.id DESC) AS rn
    FROM assessments a
) ranked WHERE rn = 1;
