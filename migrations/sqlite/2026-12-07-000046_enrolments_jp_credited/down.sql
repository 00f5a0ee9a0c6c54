DROP INDEX enrolments_jp_credited;
