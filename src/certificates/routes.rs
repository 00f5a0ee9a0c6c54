//! `GET /verify/{verification_code}` (public, rate limited per client address) and
//! `GET /enrolments/{id}/certificate.pdf` (the participant, staff, their unit manager).

use std::num::NonZeroU32;

use actix_web::{get, web, HttpRequest, HttpResponse};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::model::Verification;
use super::{number, pdf, queries};
use crate::auth::{op, Allowed};
use crate::error::{ApiError, ApiResult, ReadErrors, VerifyErrors};
use crate::types::EnrolmentId;
use crate::web::{db, request_meta};
use crate::AppState;

/// Checks per client address: a third party checking certificates one by one never meets the
/// limit; a script walking the code space does at once.
pub struct VerifyLimiter(DefaultKeyedRateLimiter<String>);

impl VerifyLimiter {
    /// `per_minute` checks a minute per address, all of them at once at most.
    pub fn new(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        VerifyLimiter(RateLimiter::keyed(Quota::per_minute(n)))
    }

    fn check(&self, address: String) -> ApiResult<()> {
        self.0.check_key(&address).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            ApiError::RateLimited {
                retry_after: wait.as_secs().max(1),
            }
        })?;
        if self.0.len() > 100_000 {
            // Forget addresses whose allowance has refilled, so memory stays bounded.
            self.0.retain_recent();
        }
        Ok(())
    }
}

/// Check a certificate (public, no token).
///
/// The code is the one printed under the certificate's QR code. Answers what the certificate
/// shows, with the NIP masked; 404 for an unknown code or a completion since undone. Limited
/// per client address (429 with `Retry-After`).
#[utoipa::path(
    tag = "certificates",
    params(("verification_code" = String, Path, description = "The code on the certificate (16–64 letters and digits, any case)",
            min_length = 16, max_length = 64, pattern = "^[A-Za-z0-9]{16,64}$", example = "0123456789ABCDEF0123456789ABCDEF")),
    responses((status = 200, description = "A valid certificate", body = Verification), VerifyErrors),
    security(())
)]
#[get("/verify/{verification_code}")]
pub async fn verify_certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<Verification>> {
    let address = request_meta(&req).ip.unwrap_or_default();
    state.verify_limiter.check(address)?;
    let code = number::normalise_code(&code).ok_or_else(|| {
        ApiError::validation("verification_code", "must be 16 to 64 letters and digits")
    })?;
    let certificate = db(&state.pool, move |c| queries::by_code(c, &code)).await?;
    Ok(web::Json(certificate.shown))
}

/// Download an enrolment's certificate as PDF.
///
/// One A4 page: the participant, NIP, training, dates, JP, organiser, number, and a QR code of
/// `<public_base_url>/verify/<verification_code>` (this service's `/api/v1` when the setting is
/// empty). The participant, staff and clients with `records:read`, and the participant's unit
/// manager; 404 for another's enrolment or one not completed.
#[utoipa::path(
    tag = "certificates",
    params(("id" = i64, Path, description = "The enrolment's id", minimum = 1, example = 1)),
    responses((status = 200, description = "The certificate", content_type = "application/pdf", body = crate::web::FileBytes,
               headers(("Content-Disposition" = String, description = "attachment; filename=\"sertifikat-<id>.pdf\""))),
              ReadErrors),
    security(("bearer" = []))
)]
#[get("/enrolments/{id}/certificate.pdf")]
pub async fn get_certificate_pdf(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Allowed<op::CertificatePdf>,
    id: web::Path<EnrolmentId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let caller = caller.caller;
    let own_base = {
        let info = req.connection_info();
        format!("{}://{}/api/v1", info.scheme(), info.host())
    };
    let (certificate, settings) = db(&state.pool, move |c| {
        crate::enrolments::access::visible(c, &caller, id)?;
        Ok((
            queries::of_enrolment(c, id)?,
            crate::settings::queries::get(c)?,
        ))
    })
    .await?;
    let base = settings.public_base_url.unwrap_or(own_base);
    let url = format!("{base}/verify/{}", certificate.verification_code);
    let body = web::block(move || pdf::render(&certificate, &settings.institution_name, &url))
        .await
        .map_err(|e| ApiError::Internal(format!("the PDF worker failed: {e}")))??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"sertifikat-{id}.pdf\""),
        ))
        .body(body))
}

pub fn configure(cfg: &mut crate::web::routes::Routes) {
    cfg.service(verify_certificate).service(get_certificate_pdf);
}
