-- Indexes the reports read from (issue 19, measured on the 20k set):
-- trainer-evaluation sums the speaker ratings per training and trainer, for every unit or a
-- unit scope: from this index alone, in its order (SQLite: 88 ms -> 21 ms); it also serves
-- what the index on training_id alone did.
CREATE INDEX feedback_trainer_ratings_cells ON feedback_trainer_ratings(training_id, trainer_id, unit_id, rating);
DROP INDEX feedback_trainer_ratings_training;
-- trainer-shortage's internal candidates: the few levels of 4 and 5, not every employee's.
CREATE INDEX competency_levels_level ON competency_levels(level, competency_id);
-- plan-realization counts the year's needs per competency, training and status (SQLite: two
-- scans joined to employees, 2 × 45 ms -> 3 ms).
CREATE INDEX development_needs_year ON development_needs(year, competency_id, training_id, status);
