-- `?q=` from an index (db::search): `lower(column) LIKE '%text%'` is served by pg_trgm GIN indexes
-- on lower(column). pg_trgm is a trusted extension (a database owner may create it); where the
-- role may not, the service still runs and searches by scanning, with the same rows.
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
        RAISE NOTICE 'pg_trgm is not available: ?q= searches scan';
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX employees_name_trgm ON employees USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX employees_nip_trgm ON employees USING gin (lower(nip) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX trainings_title_trgm ON trainings USING gin (lower(title) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX trainings_location_trgm ON trainings USING gin (lower(location) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX partners_name_trgm ON partners USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX partners_contact_person_trgm ON partners USING gin (lower(contact_person) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX partners_agreement_number_trgm ON partners USING gin (lower(agreement_number) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX trainers_name_trgm ON trainers USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX competencies_code_trgm ON competencies USING gin (lower(code) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX competencies_name_trgm ON competencies USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX units_code_trgm ON units USING gin (lower(code) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX units_name_trgm ON units USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX positions_name_trgm ON positions USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX policies_title_trgm ON policies USING gin (lower(title) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX policies_reference_trgm ON policies USING gin (lower(reference) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX programmes_code_trgm ON programmes USING gin (lower(code) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX programmes_name_trgm ON programmes USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX users_username_trgm ON users USING gin (lower(username) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX users_display_name_trgm ON users USING gin (lower(display_name) gin_trgm_ops)';
    END IF;
END
$$;
