-- Whom the yearly JP target holds, and for how much of the year (API.md "Learning record
-- rules"): the appointment date (TMT) pro-rates a PNS's target, and exemptions (study leave,
-- unpaid leave, …) take whole months out of it. A PNS's TMT defaults to the first day of the
-- CPNS month in the NIP (characters 9-14), here for the employees already stored.
ALTER TABLE employees ADD COLUMN appointed_on DATE;
UPDATE employees SET appointed_on = substr(nip, 9, 4) || '-' || substr(nip, 13, 2) || '-01'
    WHERE asn_type = 'pns' AND substr(nip, 9, 4) BETWEEN '1900' AND '2999'
      AND substr(nip, 13, 2) BETWEEN '01' AND '12';
CREATE TABLE exemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id INTEGER NOT NULL REFERENCES employees(id),
    kind TEXT NOT NULL CHECK (kind IN ('study_leave', 'unpaid_leave', 'maternity_leave', 'long_leave', 'secondment', 'other')),
    from_date DATE NOT NULL,
    to_date DATE NOT NULL CHECK (to_date >= from_date),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX exemptions_employee ON exemptions(employee_id, from_date);
