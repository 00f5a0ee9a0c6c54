DROP TABLE training_evaluations;
