-- The training-evaluation report (API.md): the response rate is over the participants who may
-- answer (attended or completed: `eligible`, kept per training and unit beside the other
-- enrolment totals, filled by the aggregates' rebuild after this migration, db::DATA_FIXES), and
-- a bad overall mean or NPS raises a flag of its own.
ALTER TABLE enrolment_totals ADD COLUMN eligible BIGINT NOT NULL DEFAULT 0;
ALTER TABLE settings ADD COLUMN flag_overall_below DOUBLE PRECISION NOT NULL DEFAULT 3.0;
ALTER TABLE settings ADD COLUMN flag_nps_below DOUBLE PRECISION NOT NULL DEFAULT 0;
