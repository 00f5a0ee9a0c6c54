//! Liveness, readiness and the Prometheus metrics of the pool.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::IntGauge;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbPool;
use crate::error::{ApiResult, LiveErrors, ReadyErrors};
use crate::web::db;
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness.
///
/// 200 while the process runs; it needs no database and no token.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health), LiveErrors), security(()))]
#[get("/health/live")]
pub async fn check_live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness.
///
/// 200 when the database answers, else 503: a load balancer sends requests only while ready.
/// From SIGTERM on it is 503, while requests are still served for the drain.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        ReadyErrors,
    ),
    security(())
)]
#[get("/health/ready")]
pub async fn check_ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(crate::error::ApiError::Unavailable);
    }
    db(&state.pool, |c| {
        c.batch_execute("SELECT 1")
            .map_err(|_| crate::error::ApiError::Unavailable)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
    }))
}

/// Pool state, read at scrape time.
pub struct PoolCollector {
    pool: DbPool,
    connections: IntGauge,
    idle: IntGauge,
    max: IntGauge,
}

impl PoolCollector {
    pub fn new(pool: DbPool) -> prometheus::Result<Self> {
        Ok(PoolCollector {
            pool,
            connections: IntGauge::new(
                "kompetensi_db_pool_connections",
                "Open database connections",
            )?,
            idle: IntGauge::new("kompetensi_db_pool_idle", "Idle database connections")?,
            max: IntGauge::new("kompetensi_db_pool_max", "Maximum database connections")?,
        })
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.connections, &self.idle, &self.max]
            .into_iter()
            .flat_map(|g| g.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let state = self.pool.state();
        self.connections.set(i64::from(state.connections));
        self.idle.set(i64::from(state.idle_connections));
        self.max.set(i64::from(self.pool.max_size()));
        [&self.connections, &self.idle, &self.max]
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}

/// A counter with labels, registered in the service's registry (served at `/metrics`).
pub fn counter(
    registry: &prometheus::Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> Result<prometheus::IntCounterVec, String> {
    let counter = prometheus::IntCounterVec::new(prometheus::Opts::new(name, help), labels)
        .map_err(|e| e.to_string())?;
    registry
        .register(Box::new(counter.clone()))
        .map_err(|e| e.to_string())?;
    Ok(counter)
}
