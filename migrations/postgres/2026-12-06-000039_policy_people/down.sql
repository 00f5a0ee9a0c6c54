DROP TABLE policy_people;
