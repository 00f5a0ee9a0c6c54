DROP TABLE enrolments;
DROP TABLE training_competencies;
DROP TABLE training_trainers;
DROP TABLE training_partners;
DROP TABLE trainings;
DROP TABLE trainer_competencies;
DROP TABLE trainers;
