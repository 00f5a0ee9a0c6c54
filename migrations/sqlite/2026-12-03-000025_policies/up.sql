-- Policy change (API.md "Policy change and the trainer pool"): the regulations that change what
-- staff must know, whom they affect (positions, or the holders of a standard with one of their
-- competencies), the trainings that refresh them, and the policy needs they open.
CREATE TABLE policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    reference TEXT NOT NULL,
    issued_on DATE NOT NULL,
    effective_on DATE,
    summary TEXT,
    refresher_due_days INTEGER NOT NULL DEFAULT 180 CHECK (refresher_due_days BETWEEN 0 AND 3650),
    competency_ids TEXT NOT NULL DEFAULT '[]',
    position_ids TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE policy_competencies (
    policy_id BIGINT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies(id),
    PRIMARY KEY (policy_id, competency_id)
);
CREATE INDEX policy_competencies_competency ON policy_competencies(competency_id);
CREATE TABLE policy_positions (
    policy_id BIGINT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    position_id BIGINT NOT NULL REFERENCES positions(id),
    PRIMARY KEY (policy_id, position_id)
);
CREATE INDEX policy_positions_position ON policy_positions(position_id);
CREATE TABLE training_policies (
    training_id BIGINT NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    policy_id BIGINT NOT NULL REFERENCES policies(id),
    PRIMARY KEY (training_id, policy_id)
);
CREATE INDEX training_policies_policy ON training_policies(policy_id);
-- One policy need per employee and policy.
CREATE UNIQUE INDEX development_needs_one_policy ON development_needs(employee_id, policy_id) WHERE source = 'policy';
