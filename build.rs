//! Build-time settings: which id types the OpenAPI generator reads as plain integers, and
//! whether the PostgreSQL variants of the integration tests run (`TEST_POSTGRES_URL` set at
//! build time; otherwise they are listed as ignored, never silently passed).

/// The id newtypes of `src/ids.rs`: on the wire they are plain integers.
const ID_TYPES: &[&str] = &[
    "UnitId",
    "CompetencyId",
    "PositionId",
    "EmployeeId",
    "AssessmentId",
    "PartnerId",
    "TrainerId",
    "TrainingId",
    "EnrolmentId",
    "UserId",
    "ClientId",
    "ExemptionId",
    "ExternalLearningId",
    "ProgrammeId",
    "ImprovementActionId",
    "DevelopmentNeedId",
    "PlanId",
    "PlanItemId",
    "SessionId",
    "PolicyId",
    "WebhookId",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // The migrations are embedded (`db::*_MIGRATIONS`): a new one must rebuild the crate, which
    // the line above alone would not (a build script that names its inputs is rerun for those
    // only).
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    if std::env::var("TEST_POSTGRES_URL").is_ok_and(|u| !u.trim().is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
    let mut config = utoipa_config::Config::new();
    for id in ID_TYPES {
        config = config.alias_for(id, "i64");
    }
    config
        .alias_for("UtcTime", "chrono::DateTime<chrono::Utc>")
        .write_to_file();
}
