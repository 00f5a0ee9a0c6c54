-- A training's partner, trainer and target-competency ids, kept on its row as JSON (a copy of
-- the link tables, written in the same transaction), so reading a training is one primary-key
-- lookup. The link tables stay the source for filters, reports and foreign keys.
ALTER TABLE trainings ADD COLUMN links_json TEXT NOT NULL DEFAULT '{"partner_ids":[],"trainer_ids":[],"competencies":[]}';
UPDATE trainings SET links_json = json_object(
    'partner_ids', json(COALESCE((SELECT json_group_array(partner_id) FROM
        (SELECT partner_id FROM training_partners WHERE training_id = trainings.id ORDER BY partner_id)), '[]')),
    'trainer_ids', json(COALESCE((SELECT json_group_array(trainer_id) FROM
        (SELECT trainer_id FROM training_trainers WHERE training_id = trainings.id ORDER BY trainer_id)), '[]')),
    'competencies', json(COALESCE((SELECT json_group_array(json_object('competency_id', competency_id,
                                                                       'target_level', target_level)) FROM
        (SELECT competency_id, target_level FROM training_competencies
         WHERE training_id = trainings.id ORDER BY competency_id)), '[]'))
);
