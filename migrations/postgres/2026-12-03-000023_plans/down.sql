DROP TABLE plan_item_trainings;
DROP TABLE plan_item_partners;
DROP TABLE plan_item_competencies;
DROP TABLE plan_items;
DROP TABLE plans;
