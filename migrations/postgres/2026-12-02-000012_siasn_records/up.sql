-- The SIASN course history as BKN takes it (API.md "Integration exports"): leadership
-- programmes go to the structural-training history instead; the organiser's name, the instansi
-- id and the jenisDiklatId per form of training are settings (DOMAIN.md "National systems").
ALTER TABLE trainings ADD COLUMN leadership_programme TEXT;
ALTER TABLE settings ADD COLUMN institution_name TEXT NOT NULL DEFAULT 'BKPSDM Kota Pangkalpinang';
ALTER TABLE settings ADD COLUMN siasn_instansi_id TEXT;
ALTER TABLE settings ADD COLUMN siasn_course_type_by_form TEXT NOT NULL DEFAULT '{"pelatihan":3,"kursus":3,"bimtek":8,"workshop":4,"seminar":9,"sosialisasi":7,"magang":10,"e_learning":3,"coaching":3,"mentoring":3,"other":3}';
