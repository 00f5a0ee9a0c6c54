DROP TABLE jp_groups;
DROP TABLE jp_people;
DROP TABLE jp_years;
