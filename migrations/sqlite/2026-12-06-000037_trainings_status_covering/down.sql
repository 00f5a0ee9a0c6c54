DROP INDEX trainings_status_end_id;
