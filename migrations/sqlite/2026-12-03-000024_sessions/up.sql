-- Sessions of a training (API.md "Planning and nomination"): its schedule, the JP and speakers
-- of each session, and attendance per session. When a training has sessions, an enrolment's
-- attendance_percent is derived from them (sessions::queries::derive_attendance).
CREATE TABLE training_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    title TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    jp INTEGER NOT NULL CHECK (jp BETWEEN 1 AND 100),
    location TEXT,
    trainer_ids TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK (ends_at > starts_at)
);
CREATE INDEX training_sessions_training ON training_sessions(training_id, starts_at);
CREATE INDEX training_sessions_starts ON training_sessions(starts_at);
CREATE TABLE session_trainers (
    session_id BIGINT NOT NULL REFERENCES training_sessions(id) ON DELETE CASCADE,
    trainer_id BIGINT NOT NULL REFERENCES trainers(id),
    PRIMARY KEY (session_id, trainer_id)
);
CREATE INDEX session_trainers_trainer ON session_trainers(trainer_id);
CREATE TABLE session_attendance (
    session_id BIGINT NOT NULL REFERENCES training_sessions(id) ON DELETE CASCADE,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    present BOOLEAN NOT NULL,
    PRIMARY KEY (session_id, enrolment_id)
);
CREATE INDEX session_attendance_enrolment ON session_attendance(enrolment_id);
