-- SIASN sync state (API.md "Integration exports"): which course records were sent to SIASN,
-- under which SIASN id, and when. A record is unsynced while it has no row here or changed
-- since (its enrolment, training or employee updated after `synced_at`). `record_key` is the
-- export's key (`T<enrolment id>`); `enrolment_id` joins it back and goes with its enrolment.
CREATE TABLE siasn_syncs (
    record_key TEXT PRIMARY KEY,
    enrolment_id BIGINT UNIQUE REFERENCES enrolments (id) ON DELETE CASCADE,
    siasn_riwayat_id TEXT NOT NULL,
    synced_at TIMESTAMP NOT NULL
);
-- SIASN's certificate-type code (jenis kursus sertipikat) sent with every course record.
ALTER TABLE settings ADD COLUMN siasn_certificate_type TEXT;
