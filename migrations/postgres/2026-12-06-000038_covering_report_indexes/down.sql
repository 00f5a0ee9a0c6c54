DROP INDEX jp_people_group;
CREATE INDEX jp_people_group ON jp_people(year, unit_id, asn_type, months_active, jp);
DROP INDEX competency_levels_level;
CREATE INDEX competency_levels_level ON competency_levels(level, competency_id);
