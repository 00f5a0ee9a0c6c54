DROP TABLE exemptions;
ALTER TABLE employees DROP COLUMN appointed_on;
