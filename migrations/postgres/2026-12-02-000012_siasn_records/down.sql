ALTER TABLE settings DROP COLUMN siasn_course_type_by_form;
ALTER TABLE settings DROP COLUMN siasn_instansi_id;
ALTER TABLE settings DROP COLUMN institution_name;
ALTER TABLE trainings DROP COLUMN leadership_programme;
