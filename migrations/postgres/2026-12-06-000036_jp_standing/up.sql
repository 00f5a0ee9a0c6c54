-- The summary and jp-compliance read every active person with their year's JP to judge them
-- against their target: 200k rows, ~300 ms at a province's size. These keep what the target
-- rule (exemptions::target) needs to judge a person, in the writers' transactions
-- (aggregates::targets): per employee and year the unit, ASN type, months active and JP, and
-- how many active people share each such combination per unit. The rule itself is
-- applied when a report reads them, so a change of the JP settings invalidates nothing here.
-- Only the years in jp_years are kept (filled by the aggregates' rebuild and, at the turn of
-- a year, by the worker); a report on another year reads the source rows.
CREATE TABLE jp_years (
    year INTEGER PRIMARY KEY
);
CREATE TABLE jp_people (
    employee_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    unit_id BIGINT NOT NULL,
    asn_type TEXT NOT NULL,
    months_active INTEGER NOT NULL,
    jp INTEGER NOT NULL,
    -- Who, for jp-compliance's list of those below target (joining employees for them cost
    -- ~70 ms at 200k); kept current by the same writes, which every employee change makes.
    nip TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (employee_id, year)
);
CREATE INDEX jp_people_group ON jp_people(year, unit_id, asn_type, months_active, jp);
CREATE TABLE jp_groups (
    year INTEGER NOT NULL,
    unit_id BIGINT NOT NULL,
    asn_type TEXT NOT NULL,
    months_active INTEGER NOT NULL,
    jp INTEGER NOT NULL,
    people INTEGER NOT NULL,
    PRIMARY KEY (year, unit_id, asn_type, months_active, jp)
);
-- A database made now has no one to judge yet: this year is kept from the start. One that held
-- data has its standing computed after this migration (db::NEW_STANDING), for its years.
INSERT INTO jp_years (year) VALUES (CAST(EXTRACT(YEAR FROM CURRENT_DATE) AS INTEGER));
