-- Each employee's JP over a period that is not a calendar year (jp-compliance and the summary
-- with `from`/`to`) is summed from the completions: read from this index alone, in employee
-- order, so they are summed as they are read (PostgreSQL's twin: 360 -> ~95 ms at 200k
-- employees for ten months).
CREATE INDEX enrolments_jp_credited ON enrolments (employee_id, completed_on, jp_credited)
    WHERE status = 'completed';
