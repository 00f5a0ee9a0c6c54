DROP INDEX employees_name;
DROP TABLE assessments;
DROP TABLE position_standards;
