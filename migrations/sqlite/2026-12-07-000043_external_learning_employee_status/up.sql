-- A person's verified external learning (their yearly JP, recomputed on every enrolment write
-- of theirs) by both equalities: without the planner's statistics SQLite otherwise read the
-- status index, every verified record of the city (~0.7 ms a write at 20k employees).
CREATE INDEX external_learning_employee_status ON external_learning (employee_id, status);
