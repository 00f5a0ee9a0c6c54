DROP INDEX development_needs_one_policy;
DROP TABLE training_policies;
DROP TABLE policy_positions;
DROP TABLE policy_competencies;
DROP TABLE policies;
