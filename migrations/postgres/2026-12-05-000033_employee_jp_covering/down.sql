DROP INDEX employee_jp_year_jp;
