DROP TABLE training_comments;
