ALTER TABLE settings DROP COLUMN flag_nps_below;
ALTER TABLE settings DROP COLUMN flag_overall_below;
ALTER TABLE enrolment_totals DROP COLUMN eligible;
