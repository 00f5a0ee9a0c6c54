ALTER TABLE settings DROP COLUMN siasn_certificate_type;
DROP TABLE siasn_syncs;
