-- A training's partner, trainer and target-competency ids, kept on its row as JSON (a copy of
-- the link tables, written in the same transaction), so reading a training is one primary-key
-- lookup. The link tables stay the source for filters, reports and foreign keys.
ALTER TABLE trainings ADD COLUMN links_json TEXT NOT NULL DEFAULT '{"partner_ids":[],"trainer_ids":[],"competencies":[]}';
UPDATE trainings t SET links_json = json_build_object(
    'partner_ids', COALESCE((SELECT json_agg(partner_id ORDER BY partner_id)
                             FROM training_partners WHERE training_id = t.id), '[]'::json),
    'trainer_ids', COALESCE((SELECT json_agg(trainer_id ORDER BY trainer_id)
                             FROM training_trainers WHERE training_id = t.id), '[]'::json),
    'competencies', COALESCE((SELECT json_agg(json_build_object('competency_id', competency_id,
                                                                'target_level', target_level)
                                              ORDER BY competency_id)
                              FROM training_competencies WHERE training_id = t.id), '[]'::json)
)::text;
