-- A partner's and a trainer's competency ids, kept on the row as a JSON array (a copy of the
-- link table, written in the same transaction by the link table's one writer), so reading one
-- is one primary-key lookup, as for trainings. The link tables stay the source for filters,
-- reports and foreign keys.
ALTER TABLE partners ADD COLUMN competency_ids TEXT NOT NULL DEFAULT '[]';
UPDATE partners SET competency_ids = COALESCE((SELECT json_group_array(competency_id) FROM
    (SELECT competency_id FROM partner_competencies WHERE partner_id = partners.id ORDER BY competency_id)), '[]');
ALTER TABLE trainers ADD COLUMN competency_ids TEXT NOT NULL DEFAULT '[]';
UPDATE trainers SET competency_ids = COALESCE((SELECT json_group_array(competency_id) FROM
    (SELECT competency_id FROM trainer_competencies WHERE trainer_id = trainers.id ORDER BY competency_id)), '[]');
