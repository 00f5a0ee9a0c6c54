DROP INDEX enrolment_totals_unit;
CREATE INDEX enrolment_totals_unit ON enrolment_totals (unit_id, training_id, participants, eligible);
ALTER TABLE enrolment_totals_by_training DROP COLUMN eligible_opd;
ALTER TABLE enrolment_totals DROP COLUMN eligible_opd;
DROP INDEX feedback_receipts_unit_id;
ALTER TABLE feedback_receipts DROP COLUMN unit_id;
