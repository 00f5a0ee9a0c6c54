-- The learning record rules (API.md "Learning record rules").
-- A classical training holds at most max_jp_per_day JP per day, and a classical completion
-- with recorded attendance needs at least min_attendance_percent.
ALTER TABLE settings ADD COLUMN max_jp_per_day INTEGER NOT NULL DEFAULT 10;
ALTER TABLE settings ADD COLUMN min_attendance_percent INTEGER NOT NULL DEFAULT 80;

-- Nothing of a cancelled training counts anywhere: its enrolments are withdrawn and credit no
-- JP. Each corrected enrolment gets an audit row (actor system) saying what it was; the
-- service rebuilds the report aggregates after this migration (db::DATA_FIXES).
INSERT INTO audit_log (at, actor_kind, actor_id, action, entity, entity_id, request_id, ip, outcome, detail)
SELECT now(), 'system', NULL, 'update', 'enrolment', e.id, NULL, NULL, 'success',
       'migration 2026-12-02-000011: withdrawn, the training is cancelled (was ' || e.status
       || COALESCE(', ' || CAST(e.jp_credited AS TEXT) || ' JP', '') || ')'
FROM enrolments e JOIN trainings t ON t.id = e.training_id
WHERE t.status = 'cancelled' AND (e.status <> 'withdrawn' OR e.jp_credited IS NOT NULL);
UPDATE enrolments SET status = 'withdrawn', jp_credited = NULL, version = version + 1
WHERE training_id IN (SELECT id FROM trainings WHERE status = 'cancelled')
  AND (status <> 'withdrawn' OR jp_credited IS NOT NULL);
UPDATE trainings SET enrolled_count = 0 WHERE status = 'cancelled';
