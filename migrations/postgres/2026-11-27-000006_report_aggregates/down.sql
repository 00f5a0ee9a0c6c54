DROP TABLE employee_jp;
DROP TABLE enrolment_totals;
DROP TABLE level_counts;
DROP TABLE employee_standing;
DROP TABLE feedback_totals;
