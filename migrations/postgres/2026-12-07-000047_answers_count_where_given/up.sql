-- A response stays with the OPD it was given in, while its author may move to another: each
-- receipt now keeps that OPD too (moved with the responses when the OPD is placed under
-- another), so that an OPD's response rate counts as eligible the participants who answered
-- there, wherever they work now (`eligible_opd`, kept beside `eligible`, which follows the
-- person: scopes below an OPD and the training's total read it). Without it a unit's
-- response_rate passed 1 once a respondent moved out. Existing receipts take their author's
-- OPD of today, which is where they were counted so far. A training nobody answered counts
-- the same people either way; the totals of those with answers (also counting a respondent who
-- withdrew later, as their response counts) are computed after this migration (db::NEW_KEPT).
ALTER TABLE feedback_receipts ADD COLUMN unit_id BIGINT REFERENCES units(id);
WITH RECURSIVE tree(id, opd) AS (
    SELECT id, id FROM units WHERE parent_id IS NULL
    UNION SELECT u.id, tree.opd FROM units u JOIN tree ON u.parent_id = tree.id)
UPDATE feedback_receipts SET unit_id = (
    SELECT tree.opd FROM enrolments en JOIN employees e ON e.id = en.employee_id
    JOIN tree ON tree.id = e.unit_id WHERE en.id = feedback_receipts.enrolment_id);
CREATE INDEX feedback_receipts_unit_id ON feedback_receipts (unit_id);
ALTER TABLE enrolment_totals ADD COLUMN eligible_opd BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enrolment_totals_by_training ADD COLUMN eligible_opd BIGINT NOT NULL DEFAULT 0;
UPDATE enrolment_totals SET eligible_opd = eligible;
UPDATE enrolment_totals_by_training SET eligible_opd = eligible;
DROP INDEX enrolment_totals_unit;
CREATE INDEX enrolment_totals_unit ON enrolment_totals (unit_id, training_id)
    INCLUDE (participants, eligible, eligible_opd);
