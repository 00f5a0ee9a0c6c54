-- Trainers, trainings with their partners, trainers and target competencies, and enrolments.
CREATE TABLE trainers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('internal', 'external')),
    employee_id INTEGER REFERENCES employees(id),
    partner_id INTEGER REFERENCES partners(id),
    email TEXT,
    phone TEXT,
    bio TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK (kind <> 'internal' OR employee_id IS NOT NULL)
);
CREATE INDEX trainers_employee_id ON trainers(employee_id);
CREATE INDEX trainers_partner_id ON trainers(partner_id);

CREATE TABLE trainer_competencies (
    trainer_id INTEGER NOT NULL REFERENCES trainers(id) ON DELETE CASCADE,
    competency_id INTEGER NOT NULL REFERENCES competencies(id),
    PRIMARY KEY (trainer_id, competency_id)
);
CREATE INDEX trainer_competencies_competency_id ON trainer_competencies(competency_id);

CREATE TABLE trainings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT,
    form TEXT NOT NULL CHECK (form IN ('pelatihan', 'seminar', 'workshop', 'kursus', 'bimtek', 'sosialisasi',
                                       'e_learning', 'coaching', 'mentoring', 'magang', 'other')),
    mode TEXT NOT NULL CHECK (mode IN ('in_person', 'online', 'blended')),
    jp INTEGER NOT NULL CHECK (jp BETWEEN 1 AND 1000),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    location TEXT,
    online_url TEXT,
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    enrolment_deadline DATE,
    cost BIGINT CHECK (cost IS NULL OR cost >= 0),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'planned', 'open', 'ongoing', 'completed', 'cancelled')),
    organizer_unit_id INTEGER REFERENCES units(id),
    siasn_course_type_id INTEGER,
    -- Enrolments not withdrawn; kept in step in the same transaction, so capacity checks are one
    -- conditional UPDATE that holds across processes.
    enrolled_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK (end_date >= start_date),
    CHECK (capacity IS NULL OR enrolled_count <= capacity)
);
CREATE INDEX trainings_status ON trainings(status);
CREATE INDEX trainings_start_date ON trainings(start_date);
CREATE INDEX trainings_end_date ON trainings(end_date);

CREATE TABLE training_partners (
    training_id INTEGER NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    PRIMARY KEY (training_id, partner_id)
);
CREATE INDEX training_partners_partner_id ON training_partners(partner_id);

CREATE TABLE training_trainers (
    training_id INTEGER NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    trainer_id INTEGER NOT NULL REFERENCES trainers(id),
    PRIMARY KEY (training_id, trainer_id)
);
CREATE INDEX training_trainers_trainer_id ON training_trainers(trainer_id);

CREATE TABLE training_competencies (
    training_id INTEGER NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    competency_id INTEGER NOT NULL REFERENCES competencies(id),
    target_level INTEGER NOT NULL CHECK (target_level BETWEEN 1 AND 5),
    PRIMARY KEY (training_id, competency_id)
);
CREATE INDEX training_competencies_competency_id ON training_competencies(competency_id);

CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    employee_id INTEGER NOT NULL REFERENCES employees(id),
    status TEXT NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'attended', 'completed', 'failed', 'withdrawn', 'no_show')),
    attendance_percent INTEGER CHECK (attendance_percent BETWEEN 0 AND 100),
    pre_test_score DOUBLE CHECK (pre_test_score BETWEEN 0 AND 100),
    post_test_score DOUBLE CHECK (post_test_score BETWEEN 0 AND 100),
    certificate_number TEXT,
    jp_credited INTEGER CHECK (jp_credited BETWEEN 0 AND 1000),
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (training_id, employee_id)
);
CREATE INDEX enrolments_employee_id ON enrolments(employee_id, status);
CREATE INDEX enrolments_training_status ON enrolments(training_id, status);
