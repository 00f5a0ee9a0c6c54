-- Report aggregates kept in the same transaction as the rows they summarise, so that the
-- reports read thousands of rows instead of hundreds of thousands (issue 5: every report
-- ≤ 100 ms on the 20,000-employee set).

-- Feedback per training and respondent unit: counts and sums per aspect (4–5 = top2, 1–2 = low),
-- promoters (9–10) and detractors (0–6). Feedback is never changed or deleted once given.
CREATE TABLE feedback_totals (
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    responses INTEGER NOT NULL DEFAULT 0,
    promoters INTEGER NOT NULL DEFAULT 0,
    detractors INTEGER NOT NULL DEFAULT 0,
    material_n INTEGER NOT NULL DEFAULT 0,
    material_sum INTEGER NOT NULL DEFAULT 0,
    material_top2 INTEGER NOT NULL DEFAULT 0,
    material_low INTEGER NOT NULL DEFAULT 0,
    method_n INTEGER NOT NULL DEFAULT 0,
    method_sum INTEGER NOT NULL DEFAULT 0,
    method_top2 INTEGER NOT NULL DEFAULT 0,
    method_low INTEGER NOT NULL DEFAULT 0,
    trainer_n INTEGER NOT NULL DEFAULT 0,
    trainer_sum INTEGER NOT NULL DEFAULT 0,
    trainer_top2 INTEGER NOT NULL DEFAULT 0,
    trainer_low INTEGER NOT NULL DEFAULT 0,
    facilities_n INTEGER NOT NULL DEFAULT 0,
    facilities_sum INTEGER NOT NULL DEFAULT 0,
    facilities_top2 INTEGER NOT NULL DEFAULT 0,
    facilities_low INTEGER NOT NULL DEFAULT 0,
    relevance_n INTEGER NOT NULL DEFAULT 0,
    relevance_sum INTEGER NOT NULL DEFAULT 0,
    relevance_top2 INTEGER NOT NULL DEFAULT 0,
    relevance_low INTEGER NOT NULL DEFAULT 0,
    organisation_n INTEGER NOT NULL DEFAULT 0,
    organisation_sum INTEGER NOT NULL DEFAULT 0,
    organisation_top2 INTEGER NOT NULL DEFAULT 0,
    organisation_low INTEGER NOT NULL DEFAULT 0,
    overall_n INTEGER NOT NULL DEFAULT 0,
    overall_sum INTEGER NOT NULL DEFAULT 0,
    overall_top2 INTEGER NOT NULL DEFAULT 0,
    overall_low INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (training_id, unit_id)
);
INSERT INTO feedback_totals (training_id, unit_id, responses, promoters, detractors, material_n, material_sum, material_top2, material_low, method_n, method_sum, method_top2, method_low, trainer_n, trainer_sum, trainer_top2, trainer_low, facilities_n, facilities_sum, facilities_top2, facilities_low, relevance_n, relevance_sum, relevance_top2, relevance_low, organisation_n, organisation_sum, organisation_top2, organisation_low, overall_n, overall_sum, overall_top2, overall_low)
SELECT training_id, unit_id, COUNT(*), SUM(CASE WHEN recommend >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN recommend <= 6 THEN 1 ELSE 0 END),
    COUNT(material), COALESCE(SUM(material), 0), SUM(CASE WHEN material >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN material <= 2 THEN 1 ELSE 0 END),
    COUNT(method), COALESCE(SUM(method), 0), SUM(CASE WHEN method >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN method <= 2 THEN 1 ELSE 0 END),
    COUNT(trainer), COALESCE(SUM(trainer), 0), SUM(CASE WHEN trainer >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN trainer <= 2 THEN 1 ELSE 0 END),
    COUNT(facilities), COALESCE(SUM(facilities), 0), SUM(CASE WHEN facilities >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN facilities <= 2 THEN 1 ELSE 0 END),
    COUNT(relevance), COALESCE(SUM(relevance), 0), SUM(CASE WHEN relevance >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN relevance <= 2 THEN 1 ELSE 0 END),
    COUNT(organisation), COALESCE(SUM(organisation), 0), SUM(CASE WHEN organisation >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN organisation <= 2 THEN 1 ELSE 0 END),
    COUNT(overall), COALESCE(SUM(overall), 0), SUM(CASE WHEN overall >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN overall <= 2 THEN 1 ELSE 0 END)
FROM feedback WHERE unit_id IS NOT NULL GROUP BY training_id, unit_id;

-- Active employees whose position has a standard: Σ min(level, required), Σ required and how
-- many of the standard's competencies are assessed (the JPM of DOMAIN.md).
CREATE TABLE employee_standing (
    employee_id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL,
    position_id INTEGER NOT NULL,
    matched INTEGER NOT NULL,
    required INTEGER NOT NULL,
    assessed INTEGER NOT NULL
);
CREATE INDEX employee_standing_unit_id ON employee_standing(unit_id);
INSERT INTO employee_standing (employee_id, unit_id, position_id, matched, required, assessed)
SELECT e.id, e.unit_id, e.position_id,
    SUM(CASE WHEN l.level IS NULL THEN 0 WHEN l.level < ps.required_level THEN l.level ELSE ps.required_level END),
    SUM(ps.required_level), COUNT(l.level)
FROM employees e JOIN position_standards ps ON ps.position_id = e.position_id
LEFT JOIN competency_levels l ON l.employee_id = e.id AND l.competency_id = ps.competency_id
WHERE e.active = TRUE GROUP BY e.id, e.unit_id, e.position_id;

-- Active employees per unit, position, competency and current level.
CREATE TABLE level_counts (
    unit_id INTEGER NOT NULL,
    position_id INTEGER NOT NULL,
    competency_id INTEGER NOT NULL,
    level INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (unit_id, position_id, competency_id, level)
);
INSERT INTO level_counts (unit_id, position_id, competency_id, level, n)
SELECT e.unit_id, e.position_id, l.competency_id, l.level, COUNT(*)
FROM employees e JOIN competency_levels l ON l.employee_id = e.id
WHERE e.active = TRUE AND e.position_id IS NOT NULL GROUP BY e.unit_id, e.position_id, l.competency_id, l.level;

-- Enrolments per training and the participant's (current) unit: participants (not withdrawn),
-- completed, finished (completed or failed), JP credited to completions, and the sums behind the
-- score means (gain and normalised gain over enrolments with both scores).
CREATE TABLE enrolment_totals (
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    unit_id INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    jp_completed INTEGER NOT NULL,
    pre_n INTEGER NOT NULL,
    pre_sum REAL,
    post_n INTEGER NOT NULL,
    post_sum REAL,
    gain_n INTEGER NOT NULL,
    gain_sum REAL,
    ngain_n INTEGER NOT NULL,
    ngain_sum REAL,
    PRIMARY KEY (training_id, unit_id)
);
INSERT INTO enrolment_totals (training_id, unit_id, participants, completed, finished, jp_completed, pre_n, pre_sum,
    post_n, post_sum, gain_n, gain_sum, ngain_n, ngain_sum)
SELECT en.training_id, e.unit_id, COUNT(*), SUM(CASE WHEN en.status = 'completed' THEN 1 ELSE 0 END),
    SUM(CASE WHEN en.status IN ('completed', 'failed') THEN 1 ELSE 0 END),
    COALESCE(SUM(CASE WHEN en.status = 'completed' THEN en.jp_credited END), 0),
    COUNT(en.pre_test_score), SUM(en.pre_test_score), COUNT(en.post_test_score), SUM(en.post_test_score),
    COUNT(en.post_test_score - en.pre_test_score), SUM(en.post_test_score - en.pre_test_score),
    COUNT(CASE WHEN en.pre_test_score < 100 THEN en.post_test_score END),
    SUM(CASE WHEN en.pre_test_score < 100 THEN (en.post_test_score - en.pre_test_score) / (100 - en.pre_test_score) END)
FROM enrolments en JOIN employees e ON e.id = en.employee_id
WHERE en.status <> 'withdrawn' GROUP BY en.training_id, e.unit_id;

-- JP credited to each employee per calendar year of the trainings' end dates.
CREATE TABLE employee_jp (
    employee_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    jp INTEGER NOT NULL,
    PRIMARY KEY (year, employee_id)
);
INSERT INTO employee_jp (employee_id, year, jp)
SELECT en.employee_id, CAST(strftime('%Y', t.end_date) AS INTEGER), SUM(en.jp_credited)
FROM enrolments en JOIN trainings t ON t.id = en.training_id
WHERE en.status = 'completed' AND en.jp_credited IS NOT NULL GROUP BY en.employee_id, CAST(strftime('%Y', t.end_date) AS INTEGER);

