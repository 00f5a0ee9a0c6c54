-- The participant's own completion day (API.md "Learning record rules"): a completion counts in
-- the year of its completed_on, and SIASN gets it as tanggal_selesai_kursus. Existing
-- completions get their training's end date, the day they counted on before, so no figure
-- moves. The PPPK cap, an optional PPPK target and the window for late non-classical
-- completions are settings.
ALTER TABLE enrolments ADD COLUMN completed_on DATE;
UPDATE enrolments SET completed_on = (SELECT end_date FROM trainings WHERE trainings.id = enrolments.training_id)
    WHERE status = 'completed';
CREATE INDEX enrolments_completed_on ON enrolments(employee_id, completed_on);
ALTER TABLE settings ADD COLUMN jp_target_pppk INTEGER;
ALTER TABLE settings ADD COLUMN jp_cap_pppk INTEGER NOT NULL DEFAULT 24;
ALTER TABLE settings ADD COLUMN late_completion_days INTEGER NOT NULL DEFAULT 60;
