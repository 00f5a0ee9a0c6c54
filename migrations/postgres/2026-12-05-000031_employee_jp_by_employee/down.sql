DROP INDEX employee_jp_employee;
