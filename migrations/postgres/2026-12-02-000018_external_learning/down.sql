DROP TABLE evidence_files;
DROP TABLE external_learning;
