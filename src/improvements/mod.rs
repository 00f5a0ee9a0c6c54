//! Improvement actions: what the city does about a flag of a training's evaluation (the
//! "improve" step of the loop). An action that is not dropped answers its flag
//! (`unaddressed_flags` of the training-evaluation report); `next_training_id` names the run
//! where the change should show (`reports/programme-trends`).

pub mod model;
pub mod queries;
pub mod routes;
