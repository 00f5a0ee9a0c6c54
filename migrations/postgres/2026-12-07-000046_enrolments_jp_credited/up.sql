-- Each employee's JP over a period that is not a calendar year (jp-compliance and the summary
-- with `from`/`to`) is summed from the completions: read from this index alone, in employee
-- order, so they are summed as they are read. At 200k employees, ten months' 380k completions
-- took ~95 ms so, where scanning the table, hashing and sorting took 360.
CREATE INDEX enrolments_jp_credited ON enrolments (employee_id, completed_on) INCLUDE (jp_credited)
    WHERE status = 'completed';
