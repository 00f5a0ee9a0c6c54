-- The kept training evaluations' CSV lines (the report's `.csv` twin), cut around the
-- unaddressed flags the report adds when it is read: `csv_before` is the line up to that cell
-- (with the delimiter before it), `csv_after` the rest (from the delimiter after it, with the
-- line's end). Written with the rows by the CSV encoder itself (web::csv::Cut), so the twin
-- is these lines joined: at 200k employees it was written from each row's JSON figures and
-- comments read back, 158 ms for 18.8k rows. Filled by the computation that follows this
-- migration on a database with data (db::NEW_KEPT).
ALTER TABLE training_evaluations ADD COLUMN csv_before TEXT NOT NULL DEFAULT '';
ALTER TABLE training_evaluations ADD COLUMN csv_after TEXT NOT NULL DEFAULT '';
ALTER TABLE unit_evaluations ADD COLUMN csv_before TEXT NOT NULL DEFAULT '';
ALTER TABLE unit_evaluations ADD COLUMN csv_after TEXT NOT NULL DEFAULT '';
