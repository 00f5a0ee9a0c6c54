-- Two reports read many rows through an index and then fetched each row from its table,
-- scattered over thousands of pages; with the columns they read in the index they read it alone.
--
-- trainer-shortage: its candidates go from the few levels of 4 and 5 to their people. At 200k
-- employees (933k levels) the 30k rows were a bitmap scan over 6,000 pages of the table: the
-- statement 151-180 -> 73-83 ms.
DROP INDEX competency_levels_level;
CREATE INDEX competency_levels_level ON competency_levels(level, competency_id, employee_id);
-- jp-compliance: the people of the groups below target, with their NIP and name (40k people
-- at 200k employees): the statement's execution 46 -> 25 ms.
DROP INDEX jp_people_group;
CREATE INDEX jp_people_group ON jp_people(year, unit_id, asn_type, months_active, jp) INCLUDE (employee_id, nip, name);
