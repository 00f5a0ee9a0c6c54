-- Foundation: accounts, the core master-data tables other areas refer to, partners, settings, audit.
CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES units(id),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX units_parent_id ON units(parent_id);

CREATE TABLE competencies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('technical', 'managerial', 'socio_cultural')),
    field TEXT,
    description TEXT,
    levels TEXT NOT NULL DEFAULT '[]',
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE positions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('jpt', 'administrator', 'pengawas', 'pelaksana', 'fungsional')),
    unit_id INTEGER REFERENCES units(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX positions_unit_id ON positions(unit_id);

CREATE TABLE employees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nip TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    front_title TEXT,
    back_title TEXT,
    asn_type TEXT NOT NULL CHECK (asn_type IN ('pns', 'pppk')),
    rank_grade TEXT,
    position_id INTEGER REFERENCES positions(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    email TEXT,
    phone TEXT,
    siasn_id TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX employees_unit_id ON employees(unit_id);
CREATE INDEX employees_position_id ON employees(position_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'unit_manager', 'employee')),
    unit_id INTEGER REFERENCES units(id),
    employee_id INTEGER REFERENCES employees(id),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family TEXT NOT NULL,
    jti TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens(user_id);

CREATE TABLE partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('university', 'ngo', 'government', 'private', 'community', 'other')),
    contact_person TEXT,
    email TEXT,
    phone TEXT,
    address TEXT,
    website TEXT,
    agreement_number TEXT,
    agreement_start DATE,
    agreement_end DATE,
    active BOOLEAN NOT NULL DEFAULT 1,
    notes TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK (agreement_end IS NULL OR agreement_start IS NULL OR agreement_end >= agreement_start)
);
CREATE INDEX partners_kind ON partners(kind);
CREATE INDEX partners_agreement_end ON partners(agreement_end);

CREATE TABLE partner_competencies (
    partner_id INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    competency_id INTEGER NOT NULL REFERENCES competencies(id),
    PRIMARY KEY (partner_id, competency_id)
);
CREATE INDEX partner_competencies_competency_id ON partner_competencies(competency_id);

CREATE TABLE settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    jp_target INTEGER NOT NULL,
    dissatisfaction_threshold DOUBLE NOT NULL,
    min_group_size INTEGER NOT NULL,
    feedback_window_days INTEGER NOT NULL,
    jpm_optimal_min INTEGER NOT NULL,
    jpm_cukup_min INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
INSERT INTO settings (id, jp_target, dissatisfaction_threshold, min_group_size, feedback_window_days,
                      jpm_optimal_min, jpm_cukup_min, updated_at, version)
VALUES (1, 20, 0.5, 3, 30, 90, 78, CURRENT_TIMESTAMP, 1);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'api_client', 'anonymous', 'system')),
    actor_id BIGINT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    request_id TEXT,
    ip TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
    detail TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log(actor_id);
CREATE INDEX audit_log_at ON audit_log(at);
