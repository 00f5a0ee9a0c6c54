DROP INDEX enrolments_verification_code;
DROP INDEX enrolments_certificate_number;
ALTER TABLE trainings DROP COLUMN certificate_seq;
ALTER TABLE enrolments DROP COLUMN verification_code;
ALTER TABLE settings DROP COLUMN public_base_url;
ALTER TABLE settings DROP COLUMN certificate_number_format;
