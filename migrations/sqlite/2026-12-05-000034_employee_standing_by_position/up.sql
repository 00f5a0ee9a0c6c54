-- A position's new competency standard refreshes its holders' kept standing with
-- `DELETE FROM employee_standing WHERE position_id = …`, which scanned every employee's row (the
-- table is keyed by employee), as the JP refresh did before migration 31.
CREATE INDEX employee_standing_position ON employee_standing(position_id);
