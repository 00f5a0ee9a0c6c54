-- A paper form names nobody, so when its author was marked no_show (or failed, or withdrew)
-- after it was entered, they left the training's count of who may answer while their form
-- stayed, and the training's response rate passed 1. Over a whole training (the only place
-- paper forms are counted) at least as many may answer as did (aggregates::refresh_enrolments
-- keeps it so from now on); the kept evaluations are computed afterwards (db::NEW_KEPT).
UPDATE enrolment_totals_by_training SET
    eligible = GREATEST(eligible, COALESCE((SELECT f.responses FROM feedback_totals_by_training f
        WHERE f.training_id = enrolment_totals_by_training.training_id), 0)),
    eligible_opd = GREATEST(eligible_opd, COALESCE((SELECT f.responses FROM feedback_totals_by_training f
        WHERE f.training_id = enrolment_totals_by_training.training_id), 0));
