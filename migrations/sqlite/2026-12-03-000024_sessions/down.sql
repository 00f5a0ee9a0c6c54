DROP TABLE session_attendance;
DROP TABLE session_trainers;
DROP TABLE training_sessions;
