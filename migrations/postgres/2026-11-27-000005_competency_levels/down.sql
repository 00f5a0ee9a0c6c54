DROP TABLE competency_levels;
