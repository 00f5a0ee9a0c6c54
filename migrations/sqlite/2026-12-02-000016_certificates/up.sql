-- Verifiable certificates (API.md "External learning and certificates"): every completion has
-- a unique certificate number and an unguessable verification code; a training counts the
-- numbers it issued (certificate_seq, the {seq} of certificate_number_format).
ALTER TABLE settings ADD COLUMN certificate_number_format TEXT NOT NULL DEFAULT '{year}/{training_id}/{seq:04}';
ALTER TABLE settings ADD COLUMN public_base_url TEXT;
ALTER TABLE enrolments ADD COLUMN verification_code TEXT;
ALTER TABLE trainings ADD COLUMN certificate_seq INTEGER NOT NULL DEFAULT 0;

-- A number given twice keeps it on the first enrolment; the others get their enrolment id
-- appended, each with an audit row (actor system) saying what it was.
INSERT INTO audit_log (at, actor_kind, actor_id, action, entity, entity_id, request_id, ip, outcome, detail)
SELECT CURRENT_TIMESTAMP, 'system', NULL, 'update', 'enrolment', e.id, NULL, NULL, 'success',
       'migration 2026-12-02-000016: certificate number ' || e.certificate_number
       || ' was also another enrolment''s; now ' || e.certificate_number || '-' || CAST(e.id AS TEXT)
FROM enrolments e
WHERE e.certificate_number IS NOT NULL
  AND e.id <> (SELECT MIN(d.id) FROM enrolments d WHERE d.certificate_number = e.certificate_number);
UPDATE enrolments SET certificate_number = certificate_number || '-' || CAST(id AS TEXT), version = version + 1
WHERE certificate_number IS NOT NULL
  AND id <> (SELECT MIN(d.id) FROM enrolments d WHERE d.certificate_number = enrolments.certificate_number);

-- Completions without a number get one in the default format, numbered per training in
-- completion order after the numbers it already has; every completion gets a code.
UPDATE enrolments SET certificate_number = n.number, version = version + 1
FROM (
    SELECT e.id, strftime('%Y', e.completed_on) || '/' || CAST(e.training_id AS TEXT) || '/'
           || printf('%04d', (SELECT COUNT(*) FROM enrolments k WHERE k.training_id = e.training_id AND k.certificate_number IS NOT NULL)
                        + ROW_NUMBER() OVER (PARTITION BY e.training_id ORDER BY e.completed_on, e.id)) AS number
    FROM enrolments e WHERE e.status = 'completed' AND e.certificate_number IS NULL
) n
WHERE enrolments.id = n.id;
UPDATE enrolments SET verification_code = upper(hex(randomblob(16)))
WHERE status = 'completed';
UPDATE trainings SET certificate_seq = (SELECT COUNT(*) FROM enrolments e WHERE e.training_id = trainings.id AND e.certificate_number IS NOT NULL);

CREATE UNIQUE INDEX enrolments_certificate_number ON enrolments (certificate_number) WHERE certificate_number IS NOT NULL;
CREATE UNIQUE INDEX enrolments_verification_code ON enrolments (verification_code) WHERE verification_code IS NOT NULL;
