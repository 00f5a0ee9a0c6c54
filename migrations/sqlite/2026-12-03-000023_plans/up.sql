-- The annual competency-development plan (API.md "Planning and nomination"; UU 5/2014 art. 70,
-- Perlan LAN 10/2018): one per year, its items (a programme or course to run, its seats per
-- unit and its budget) and the trainings that realise them.
CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE plan_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    title TEXT NOT NULL,
    form TEXT,
    runs INTEGER NOT NULL CHECK (runs BETWEEN 0 AND 1000),
    seats INTEGER NOT NULL CHECK (seats BETWEEN 0 AND 100000),
    unit_cost BIGINT CHECK (unit_cost >= 0),
    budget BIGINT CHECK (budget >= 0),
    seats_by_unit TEXT NOT NULL DEFAULT '[]',
    competency_ids TEXT NOT NULL DEFAULT '[]',
    partner_ids TEXT NOT NULL DEFAULT '[]',
    training_ids TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX plan_items_plan ON plan_items(plan_id);
CREATE TABLE plan_item_competencies (
    item_id BIGINT NOT NULL REFERENCES plan_items(id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies(id),
    PRIMARY KEY (item_id, competency_id)
);
CREATE INDEX plan_item_competencies_competency ON plan_item_competencies(competency_id);
CREATE TABLE plan_item_partners (
    item_id BIGINT NOT NULL REFERENCES plan_items(id) ON DELETE CASCADE,
    partner_id BIGINT NOT NULL REFERENCES partners(id),
    PRIMARY KEY (item_id, partner_id)
);
CREATE INDEX plan_item_partners_partner ON plan_item_partners(partner_id);
CREATE TABLE plan_item_trainings (
    item_id BIGINT NOT NULL REFERENCES plan_items(id) ON DELETE CASCADE,
    training_id BIGINT NOT NULL REFERENCES trainings(id),
    PRIMARY KEY (item_id, training_id)
);
-- A training realises one item at most, so no run or cost counts twice.
CREATE UNIQUE INDEX plan_item_trainings_training ON plan_item_trainings(training_id);
