DROP INDEX enrolment_totals_unit;
DROP TABLE unit_evaluations;
