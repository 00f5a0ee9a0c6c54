-- External learning (API.md "External learning and certificates"): learning done outside the
-- city's own trainings, counted once staff verified it; its evidence file is kept in the
-- database, so every instance serves it.
CREATE TABLE external_learning (
    id BIGSERIAL PRIMARY KEY,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    title TEXT NOT NULL,
    provider TEXT NOT NULL,
    form TEXT NOT NULL CHECK (form IN ('pelatihan', 'seminar', 'workshop', 'kursus', 'bimtek', 'sosialisasi', 'e_learning', 'coaching', 'mentoring', 'magang', 'other')),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    jp INTEGER NOT NULL CHECK (jp BETWEEN 1 AND 1000),
    certificate_number TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected')),
    review_note TEXT,
    reviewed_by BIGINT,
    reviewed_at TIMESTAMP,
    evidence_filename TEXT,
    evidence_content_type TEXT,
    evidence_size BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK (end_date >= start_date)
);
CREATE INDEX external_learning_employee ON external_learning (employee_id, end_date);
CREATE INDEX external_learning_status ON external_learning (status, id);

CREATE TABLE evidence_files (
    external_learning_id BIGINT PRIMARY KEY REFERENCES external_learning (id) ON DELETE CASCADE,
    content BYTEA NOT NULL
);
