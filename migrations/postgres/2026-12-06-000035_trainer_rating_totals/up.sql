-- The trainer evaluation summed every speaker rating per training and trainer on each request:
-- 757k ratings at 200k employees, ~100 ms of the report's ~120. These keep those sums per
-- training, trainer and respondent unit (what a unit scope reads) and per training and trainer
-- (what the reports over every unit read), refreshed with the feedback totals of the same
-- trainings (aggregates::refresh_feedback).
CREATE TABLE trainer_rating_totals (
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    trainer_id BIGINT NOT NULL REFERENCES trainers(id),
    unit_id BIGINT REFERENCES units(id),
    n INTEGER NOT NULL,
    total INTEGER NOT NULL,
    low INTEGER NOT NULL
);
CREATE INDEX trainer_rating_totals_training ON trainer_rating_totals(training_id);
CREATE INDEX trainer_rating_totals_unit ON trainer_rating_totals(unit_id);
CREATE TABLE trainer_rating_totals_by_training (
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    trainer_id BIGINT NOT NULL REFERENCES trainers(id),
    n INTEGER NOT NULL,
    total INTEGER NOT NULL,
    low INTEGER NOT NULL,
    PRIMARY KEY (training_id, trainer_id)
);
INSERT INTO trainer_rating_totals (training_id, trainer_id, unit_id, n, total, low)
SELECT training_id, trainer_id, unit_id, COUNT(*), SUM(rating), SUM(CASE WHEN rating <= 2 THEN 1 ELSE 0 END)
FROM feedback_trainer_ratings GROUP BY training_id, trainer_id, unit_id;
INSERT INTO trainer_rating_totals_by_training (training_id, trainer_id, n, total, low)
SELECT training_id, trainer_id, SUM(n), SUM(total), SUM(low)
FROM trainer_rating_totals GROUP BY training_id, trainer_id;
