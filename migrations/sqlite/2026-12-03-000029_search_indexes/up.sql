-- `?q=` from an index (db::search): an FTS5 trigram table per searched list, holding its
-- searched columns, kept by triggers; a trigram phrase query is a case-insensitive substring match.
CREATE VIRTUAL TABLE employees_search USING fts5(name, nip, content='employees', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO employees_search (employees_search) VALUES ('rebuild');
CREATE TRIGGER employees_search_insert AFTER INSERT ON employees BEGIN
    INSERT INTO employees_search (rowid, name, nip) VALUES (new.id, new.name, new.nip);
END;
CREATE TRIGGER employees_search_delete AFTER DELETE ON employees BEGIN
    INSERT INTO employees_search (employees_search, rowid, name, nip) VALUES ('delete', old.id, old.name, old.nip);
END;
CREATE TRIGGER employees_search_update AFTER UPDATE OF name, nip ON employees BEGIN
    INSERT INTO employees_search (employees_search, rowid, name, nip) VALUES ('delete', old.id, old.name, old.nip);
    INSERT INTO employees_search (rowid, name, nip) VALUES (new.id, new.name, new.nip);
END;
CREATE VIRTUAL TABLE trainings_search USING fts5(title, location, content='trainings', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO trainings_search (trainings_search) VALUES ('rebuild');
CREATE TRIGGER trainings_search_insert AFTER INSERT ON trainings BEGIN
    INSERT INTO trainings_search (rowid, title, location) VALUES (new.id, new.title, new.location);
END;
CREATE TRIGGER trainings_search_delete AFTER DELETE ON trainings BEGIN
    INSERT INTO trainings_search (trainings_search, rowid, title, location) VALUES ('delete', old.id, old.title, old.location);
END;
CREATE TRIGGER trainings_search_update AFTER UPDATE OF title, location ON trainings BEGIN
    INSERT INTO trainings_search (trainings_search, rowid, title, location) VALUES ('delete', old.id, old.title, old.location);
    INSERT INTO trainings_search (rowid, title, location) VALUES (new.id, new.title, new.location);
END;
CREATE VIRTUAL TABLE partners_search USING fts5(name, contact_person, agreement_number, content='partners', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO partners_search (partners_search) VALUES ('rebuild');
CREATE TRIGGER partners_search_insert AFTER INSERT ON partners BEGIN
    INSERT INTO partners_search (rowid, name, contact_person, agreement_number) VALUES (new.id, new.name, new.contact_person, new.agreement_number);
END;
CREATE TRIGGER partners_search_delete AFTER DELETE ON partners BEGIN
    INSERT INTO partners_search (partners_search, rowid, name, contact_person, agreement_number) VALUES ('delete', old.id, old.name, old.contact_person, old.agreement_number);
END;
CREATE TRIGGER partners_search_update AFTER UPDATE OF name, contact_person, agreement_number ON partners BEGIN
    INSERT INTO partners_search (partners_search, rowid, name, contact_person, agreement_number) VALUES ('delete', old.id, old.name, old.contact_person, old.agreement_number);
    INSERT INTO partners_search (rowid, name, contact_person, agreement_number) VALUES (new.id, new.name, new.contact_person, new.agreement_number);
END;
CREATE VIRTUAL TABLE trainers_search USING fts5(name, content='trainers', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO trainers_search (trainers_search) VALUES ('rebuild');
CREATE TRIGGER trainers_search_insert AFTER INSERT ON trainers BEGIN
    INSERT INTO trainers_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER trainers_search_delete AFTER DELETE ON trainers BEGIN
    INSERT INTO trainers_search (trainers_search, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER trainers_search_update AFTER UPDATE OF name ON trainers BEGIN
    INSERT INTO trainers_search (trainers_search, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO trainers_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE VIRTUAL TABLE competencies_search USING fts5(code, name, content='competencies', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO competencies_search (competencies_search) VALUES ('rebuild');
CREATE TRIGGER competencies_search_insert AFTER INSERT ON competencies BEGIN
    INSERT INTO competencies_search (rowid, code, name) VALUES (new.id, new.code, new.name);
END;
CREATE TRIGGER competencies_search_delete AFTER DELETE ON competencies BEGIN
    INSERT INTO competencies_search (competencies_search, rowid, code, name) VALUES ('delete', old.id, old.code, old.name);
END;
CREATE TRIGGER competencies_search_update AFTER UPDATE OF code, name ON competencies BEGIN
    INSERT INTO competencies_search (competencies_search, rowid, code, name) VALUES ('delete', old.id, old.code, old.name);
    INSERT INTO competencies_search (rowid, code, name) VALUES (new.id, new.code, new.name);
END;
CREATE VIRTUAL TABLE units_search USING fts5(code, name, content='units', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO units_search (units_search) VALUES ('rebuild');
CREATE TRIGGER units_search_insert AFTER INSERT ON units BEGIN
    INSERT INTO units_search (rowid, code, name) VALUES (new.id, new.code, new.name);
END;
CREATE TRIGGER units_search_delete AFTER DELETE ON units BEGIN
    INSERT INTO units_search (units_search, rowid, code, name) VALUES ('delete', old.id, old.code, old.name);
END;
CREATE TRIGGER units_search_update AFTER UPDATE OF code, name ON units BEGIN
    INSERT INTO units_search (units_search, rowid, code, name) VALUES ('delete', old.id, old.code, old.name);
    INSERT INTO units_search (rowid, code, name) VALUES (new.id, new.code, new.name);
END;
CREATE VIRTUAL TABLE positions_search USING fts5(name, content='positions', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO positions_search (positions_search) VALUES ('rebuild');
CREATE TRIGGER positions_search_insert AFTER INSERT ON positions BEGIN
    INSERT INTO positions_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER positions_search_delete AFTER DELETE ON positions BEGIN
    INSERT INTO positions_search (positions_search, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER positions_search_update AFTER UPDATE OF name ON positions BEGIN
    INSERT INTO positions_search (positions_search, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO positions_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE VIRTUAL TABLE policies_search USING fts5(title, reference, content='policies', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO policies_search (policies_search) VALUES ('rebuild');
CREATE TRIGGER policies_search_insert AFTER INSERT ON policies BEGIN
    INSERT INTO policies_search (rowid, title, reference) VALUES (new.id, new.title, new.reference);
END;
CREATE TRIGGER policies_search_delete AFTER DELETE ON policies BEGIN
    INSERT INTO policies_search (policies_search, rowid, title, reference) VALUES ('delete', old.id, old.title, old.reference);
END;
CREATE TRIGGER policies_search_update AFTER UPDATE OF title, reference ON policies BEGIN
    INSERT INTO policies_search (policies_search, rowid, title, reference) VALUES ('delete', old.id, old.title, old.reference);
    INSERT INTO policies_search (rowid, title, reference) VALUES (new.id, new.title, new.reference);
END;
CREATE VIRTUAL TABLE programmes_search USING fts5(code, name, content='programmes', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO programmes_search (programmes_search) VALUES ('rebuild');
CREATE TRIGGER programmes_search_insert AFTER INSERT ON programmes BEGIN
    INSERT INTO programmes_search (rowid, code, name) VALUES (new.id, new.code, new.name);
END;
CREATE TRIGGER programmes_search_delete AFTER DELETE ON programmes BEGIN
    INSERT INTO programmes_search (programmes_search, rowid, code, name) VALUES ('delete', old.id, old.code, old.name);
END;
CREATE TRIGGER programmes_search_update AFTER UPDATE OF code, name ON programmes BEGIN
    INSERT INTO programmes_search (programmes_search, rowid, code, name) VALUES ('delete', old.id, old.code, old.name);
    INSERT INTO programmes_search (rowid, code, name) VALUES (new.id, new.code, new.name);
END;
CREATE VIRTUAL TABLE users_search USING fts5(username, display_name, content='users', content_rowid='id', tokenize='trigram case_sensitive 0');
INSERT INTO users_search (users_search) VALUES ('rebuild');
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, username, display_name) VALUES (new.id, new.username, new.display_name);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, display_name) VALUES ('delete', old.id, old.username, old.display_name);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF username, display_name ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, display_name) VALUES ('delete', old.id, old.username, old.display_name);
    INSERT INTO users_search (rowid, username, display_name) VALUES (new.id, new.username, new.display_name);
END;
