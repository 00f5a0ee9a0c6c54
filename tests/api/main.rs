//! Integration tests over HTTP, in-process, on SQLite and (with `TEST_POSTGRES_URL`) PostgreSQL.
#![allow(dead_code)]

mod common;

mod auth;
mod caching;
mod certificates;
mod cli;
mod concurrency;
mod contract;
mod cross_cutting;
mod evaluation;
mod evaluation_loop;
mod external;
mod matrix;
mod migrations;
mod nomination;
mod outage;
mod partners;
mod people;
mod planning;
mod policies;
mod race;
mod replica;
mod search;
mod seed;
mod sessions;
mod settings_audit;
mod targets;
mod trainings;
mod users;
mod webhooks;
