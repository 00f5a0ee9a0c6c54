-- Competency standards of positions and the assessed levels of employees.
CREATE TABLE position_standards (
    position_id INTEGER NOT NULL REFERENCES positions(id) ON DELETE CASCADE,
    competency_id INTEGER NOT NULL REFERENCES competencies(id),
    required_level INTEGER NOT NULL CHECK (required_level BETWEEN 1 AND 5),
    PRIMARY KEY (position_id, competency_id)
);
CREATE INDEX position_standards_competency_id ON position_standards(competency_id);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id INTEGER NOT NULL REFERENCES employees(id),
    competency_id INTEGER NOT NULL REFERENCES competencies(id),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    assessed_on DATE NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('assessment_center', 'supervisor', 'self', 'test', 'training')),
    assessor TEXT,
    notes TEXT,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL
);
-- The profile and the gap report ask for the latest assessment per employee and competency.
CREATE INDEX assessments_latest ON assessments(employee_id, competency_id, assessed_on, id);
CREATE INDEX assessments_competency_id ON assessments(competency_id);
CREATE INDEX employees_name ON employees(name);
