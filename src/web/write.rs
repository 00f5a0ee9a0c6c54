//! The HTTP side of the write pipeline: [`Write`], the extractor every write handler takes (the
//! permission gate, the caller for the audit log, `If-Match`), which runs `db::write` on the
//! blocking pool; and [`Patch`], the one implementation of PATCH for every resource.

use std::marker::PhantomData;

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use validator::Validate;

use super::idempotency::{self, Answer, Sealer};
use super::{db, parse_value, request_meta, IfMatch, RequestMeta};
use crate::auth::permissions::{Allowed, Operation};
use crate::auth::Caller;
use crate::db::write::{self, Resource, Tx};
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// A write handler's context. Taking it as an argument is the permission gate for operation
/// `O` (run before the body is read); its methods run the change as one audited transaction.
pub struct Write<O> {
    pub caller: Caller,
    pub meta: RequestMeta,
    pub if_match: IfMatch,
    pool: DbPool,
    writer: crate::db::WriterGate,
    sealer: Sealer,
    req: HttpRequest,
    op: PhantomData<O>,
}

/// What a create answers: the new resource, its URL and its version.
pub struct Created<T> {
    pub location: String,
    pub version: i64,
    pub body: T,
}

impl<T: Serialize> Created<T> {
    fn answer(self) -> ApiResult<Answer> {
        Ok(Answer {
            status: 201,
            location: Some(self.location),
            etag: Some(format!("\"{}\"", self.version)),
            body: serde_json::to_vec(&self.body)
                .map_err(|e| ApiError::Internal(format!("cannot serialise an answer: {e}")))?,
        })
    }
}

impl<O: Operation> FromRequest for Write<O> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Self::extract(req).map_err(Into::into))
    }
}

impl<O: Operation> Write<O> {
    fn extract(req: &HttpRequest) -> ApiResult<Self> {
        let caller = Allowed::<O>::check(req)?;
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
        Ok(Write {
            caller,
            meta: request_meta(req),
            if_match: IfMatch::from_headers(req)?,
            pool: state.pool.clone(),
            writer: state.writer.clone(),
            sealer: state.sealer.clone(),
            req: req.clone(),
            op: PhantomData,
        })
    }
}

impl<O> Write<O> {
    /// Any write: `f` runs as one transaction (again from the start if the database aborted it
    /// for a deadlock), and must record what it did through the [`Tx`].
    pub async fn run<T, F>(self, mut f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Tx) -> ApiResult<T> + Send + 'static,
    {
        let Write {
            caller,
            meta,
            pool,
            writer,
            ..
        } = self;
        let turn = writer.turn(pool.connection_timeout()).await?;
        db(&pool, move |c| {
            let result = write::run(c, caller.actor(), &meta, &mut f);
            drop(turn);
            result
        })
        .await
    }

    /// A create: `insert` writes the rows and returns the new id; the row is read back.
    pub async fn create<R, F>(self, mut insert: F) -> ApiResult<R::Current>
    where
        R: Resource,
        F: FnMut(&mut Tx) -> ApiResult<R::Id> + Send + 'static,
    {
        self.run(move |tx| tx.create::<R>(&mut insert)).await
    }

    /// A create answered 201 with the resource, its `Location` and `ETag`, once per
    /// `Idempotency-Key` (`web::idempotency`).
    pub async fn create_replayable<R, F>(
        self,
        location: impl Fn(&R::Current) -> String + Send + 'static,
        mut insert: F,
    ) -> ApiResult<HttpResponse>
    where
        R: Resource,
        R::Current: Serialize,
        F: FnMut(&mut Tx) -> ApiResult<R::Id> + Send + 'static,
    {
        self.created(move |tx| {
            let current = tx.create::<R>(&mut insert)?;
            Ok(Created {
                location: location(&current),
                version: R::version(&current),
                body: current,
            })
        })
        .await
    }

    /// Any create answered 201, once per `Idempotency-Key`: `f` writes, records its audit row
    /// and says what to answer.
    pub async fn created<T, F>(self, mut f: F) -> ApiResult<HttpResponse>
    where
        T: Serialize + Send + 'static,
        F: FnMut(&mut Tx) -> ApiResult<Created<T>> + Send + 'static,
    {
        let caller = format!("{}:{}", self.caller.kind, self.caller.id);
        let Some(request) = idempotency::Request::of(&self.req, &self.sealer, &caller)? else {
            let created = self.run(f).await?;
            return Ok(created.answer()?.response(false));
        };
        let pool = self.pool.clone();
        let request = std::sync::Arc::new(request);
        let replay = {
            let request = request.clone();
            move |c: &mut crate::db::AnyConnection| idempotency::lookup(c, &request)
        };
        if let Some(answer) = db(&pool, replay.clone()).await? {
            return Ok(answer.response(true));
        }
        let outcome = self
            .run(move |tx| {
                if !idempotency::reserve(tx, &request)? {
                    // Another request took the key meanwhile: answer as it did.
                    return Err(ApiError::Conflict {
                        code: "idempotency_in_progress",
                        detail: "a request with this Idempotency-Key is being processed".into(),
                    });
                }
                let answer = f(tx)?.answer()?;
                idempotency::keep(tx, &request, &answer)?;
                Ok(answer)
            })
            .await;
        match outcome {
            Ok(answer) => Ok(answer.response(false)),
            Err(ApiError::Conflict {
                code: "idempotency_in_progress",
                ..
            }) => match db(&pool, replay).await? {
                Some(answer) => Ok(answer.response(true)),
                None => Err(ApiError::Contention),
            },
            Err(other) => Err(other),
        }
    }

    /// An update of row `id` under `If-Match`: `change` gets the current state, decides and
    /// writes the columns; the version moves on and the row is read back.
    pub async fn update<R, F>(self, id: R::Id, mut change: F) -> ApiResult<R::Current>
    where
        R: Resource,
        F: FnMut(&mut Tx, R::Current) -> ApiResult<()> + Send + 'static,
    {
        let if_match = self.if_match.clone();
        self.run(move |tx| tx.update::<R>(id, &if_match, &mut change))
            .await
    }

    /// A delete of row `id` under `If-Match`: `delete` checks what still refers to it and
    /// removes it. Answers 204.
    pub async fn delete<R, F>(self, id: R::Id, mut delete: F) -> ApiResult<HttpResponse>
    where
        R: Resource,
        F: FnMut(&mut Tx, R::Current) -> ApiResult<()> + Send + 'static,
    {
        let if_match = self.if_match.clone();
        self.run(move |tx| tx.delete::<R>(id, &if_match, &mut delete))
            .await?;
        Ok(HttpResponse::NoContent().finish())
    }
}

/// A PATCH body: any subset of the fields of `T`, the type a create takes. Applied to the
/// current state it gives a whole `T` (a field set to `null` clears it where `T` allows null;
/// where it does not, or for an unknown field, 422), which is then validated like a create.
pub struct Patch<T> {
    fields: serde_json::Map<String, serde_json::Value>,
    of: PhantomData<T>,
}

impl<T> Patch<T> {
    /// A patch from an object already cleaned (an item of a bulk update).
    pub fn from_fields(fields: serde_json::Map<String, serde_json::Value>) -> Self {
        Patch {
            fields,
            of: PhantomData,
        }
    }

    pub fn contains(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    pub fn get(&self, field: &str) -> Option<&serde_json::Value> {
        self.fields.get(field)
    }
}

impl<T: DeserializeOwned + Validate + utoipa::PartialSchema> Patch<T> {
    /// `current` (the resource as the API shows it) with the patched fields: its fields that
    /// `T` has (by `T`'s schema), overlaid with the body's, read and validated as a `T`.
    pub fn apply(&self, current: &impl Serialize) -> ApiResult<T> {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        let fields: Vec<String> = match T::schema() {
            RefOr::T(Schema::Object(object)) => object.properties.into_keys().collect(),
            _ => Vec::new(),
        };
        let shown = serde_json::to_value(current)
            .map_err(|e| ApiError::Internal(format!("cannot serialise for a patch: {e}")))?;
        let mut merged = serde_json::Map::new();
        if let serde_json::Value::Object(shown) = shown {
            merged.extend(shown.into_iter().filter(|(k, _)| fields.contains(k)));
        }
        merged.extend(self.fields.clone());
        parse_value(&mut serde_json::Value::Object(merged))
    }
}

impl<T: 'static> FromRequest for Patch<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = super::ValidJson::<serde_json::Value>::clean(req, payload);
        Box::pin(async move {
            match body.await? {
                serde_json::Value::Object(fields) => Ok(Patch {
                    fields,
                    of: PhantomData,
                }),
                _ => Err(ApiError::validation("body", "must be a JSON object").into()),
            }
        })
    }
}

/// The OpenAPI schema of a PATCH body: the create type's schema with nothing required and no
/// defaults (an absent field keeps its value), and its own example, which changes only a
/// harmless field: `patch_schema!(PartnerPatch = PartnerInput, json!({"phone": "…"}))`.
#[macro_export]
macro_rules! patch_schema {
    ($name:ident = $input:ty, $example:expr) => {
        #[doc = concat!("Any subset of the fields of `", stringify!($input), "`.")]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::web::write::patch_of(<$input as utoipa::PartialSchema>::schema(), $example)
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                <$input as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

pub fn patch_of(
    schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    example: serde_json::Value,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    match schema {
        RefOr::T(Schema::Object(mut object)) => {
            object.required.clear();
            object.example = Some(example);
            object.description = Some(
                "Any subset of the writable fields; `null` clears a field that may be empty. \
                 The result is validated as a whole."
                    .into(),
            );
            for property in object.properties.values_mut() {
                if let RefOr::T(Schema::Object(p)) = property {
                    p.default = None;
                }
            }
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}
