-- The reports over every unit (an admin's, the SIASN-bound figures) summed the per-unit totals
-- per training on every request: ~17 rows a training, 331k enrolment and 195k feedback rows at
-- 200k employees (the partners report: 136 ms of its 210 in that sum). These keep the same
-- totals per training, refreshed with the per-unit rows in the same statement batch
-- (aggregates::refresh_*); a unit scope still reads the per-unit rows.
CREATE TABLE feedback_totals_by_training (
    training_id BIGINT PRIMARY KEY REFERENCES trainings(id),
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
    overall_low INTEGER NOT NULL DEFAULT 0
);
INSERT INTO feedback_totals_by_training (training_id, responses, promoters, detractors, material_n, material_sum, material_top2, material_low, method_n, method_sum, method_top2, method_low, trainer_n, trainer_sum, trainer_top2, trainer_low, facilities_n, facilities_sum, facilities_top2, facilities_low, relevance_n, relevance_sum, relevance_top2, relevance_low, organisation_n, organisation_sum, organisation_top2, organisation_low, overall_n, overall_sum, overall_top2, overall_low)
SELECT training_id, SUM(responses), SUM(promoters), SUM(detractors), SUM(material_n), SUM(material_sum), SUM(material_top2), SUM(material_low), SUM(method_n), SUM(method_sum), SUM(method_top2), SUM(method_low), SUM(trainer_n), SUM(trainer_sum), SUM(trainer_top2), SUM(trainer_low), SUM(facilities_n), SUM(facilities_sum), SUM(facilities_top2), SUM(facilities_low), SUM(relevance_n), SUM(relevance_sum), SUM(relevance_top2), SUM(relevance_low), SUM(organisation_n), SUM(organisation_sum), SUM(organisation_top2), SUM(organisation_low), SUM(overall_n), SUM(overall_sum), SUM(overall_top2), SUM(overall_low)
FROM feedback_totals GROUP BY training_id;
CREATE TABLE enrolment_totals_by_training (
    training_id BIGINT PRIMARY KEY REFERENCES trainings(id),
    participants INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    eligible BIGINT NOT NULL,
    jp_completed INTEGER NOT NULL,
    pre_n INTEGER NOT NULL,
    pre_sum DOUBLE PRECISION,
    post_n INTEGER NOT NULL,
    post_sum DOUBLE PRECISION,
    gain_n INTEGER NOT NULL,
    gain_sum DOUBLE PRECISION,
    ngain_n INTEGER NOT NULL,
    ngain_sum DOUBLE PRECISION
);
INSERT INTO enrolment_totals_by_training (training_id, participants, completed, finished, eligible, jp_completed, pre_n, pre_sum, post_n, post_sum, gain_n, gain_sum, ngain_n, ngain_sum)
SELECT training_id, SUM(participants), SUM(completed), SUM(finished), SUM(eligible), SUM(jp_completed), SUM(pre_n), SUM(pre_sum), SUM(post_n), SUM(post_sum), SUM(gain_n), SUM(gain_sum), SUM(ngain_n), SUM(ngain_sum)
FROM enrolment_totals GROUP BY training_id;
