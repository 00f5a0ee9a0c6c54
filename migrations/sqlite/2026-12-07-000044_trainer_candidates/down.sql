DROP TABLE trainer_candidates;
