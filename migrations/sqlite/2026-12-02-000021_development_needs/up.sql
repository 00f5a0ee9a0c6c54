-- Development needs (API.md "Planning and nomination"): what an employee should develop in a
-- year, from a competency gap, a supervisor's or their own proposal, or a policy change. One
-- `gap` need per employee, competency and year (the generation is idempotent).
CREATE TABLE development_needs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id BIGINT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    competency_id BIGINT REFERENCES competencies(id),
    title TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('gap', 'supervisor', 'self', 'policy')),
    priority INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
    year INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'planned', 'met', 'dropped')),
    training_id BIGINT REFERENCES trainings(id),
    policy_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX development_needs_one_gap ON development_needs(employee_id, competency_id, year) WHERE source = 'gap';
CREATE INDEX development_needs_employee ON development_needs(employee_id, year, status);
CREATE INDEX development_needs_competency ON development_needs(competency_id, year);
