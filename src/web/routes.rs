//! The standard handlers of a resource, one macro each, and `resource_routes!`, which declares
//! a resource's routes in one place, so a resource is written by filling in its rules (model,
//! queries, permission table) rather than by copying another's handlers:
//!
//! ```text
//! crate::resource_routes! {
//!     Partners at "/partners", "/partners/{id}" tagged "partners";
//!     /// List partners.
//!     list list_partners: ListPartners(PartnerFilter => PartnerPage) sorted PartnerSort ["id", "name"];
//!     /// One partner.
//!     get get_partner: GetPartner(Partner);
//!     /// Create a partner.
//!     create create_partner: CreatePartner(PartnerInput => Partner);
//!     /// Change a partner.
//!     update update_partner: UpdatePartner(PartnerInput, PartnerPatch => Partner);
//!     /// Delete a partner.
//!     delete delete_partner: DeletePartner;
//!     service some_other_handler;
//! }
//! ```
//!
//! It writes the five handlers and the area's `configure`, which registers every listed
//! handler in the order written (the order of the OpenAPI document's paths). The operations
//! are named from `auth::op`. The conventions the handlers rely on: the area's `queries` module
//! (in scope where the macro is called) has
//! `list(conn, &caller, &filter, sort, (offset, limit)) -> (total, items)`,
//! `create(tx, &input) -> id`, `update(tx, &current, &input)` and `delete(tx, &current)`;
//! the resource implements `db::resource::Resource` with `Current` the API object (with `id`
//! and `version`). Each macro also writes the operation's description, parameters, headers and
//! problem responses, so every operation of a kind is documented alike.
//!
//! An area's `configure` registers its handlers on [`Routes`]: described into the OpenAPI
//! document (`openapi()`), or served without describing them (each server worker).

/// Where an area's `configure` registers its handlers: the same calls build the OpenAPI
/// document and the server's routes, so the two cannot differ. A worker registers them
/// undescribed, since the document served is the committed one: describing every operation
/// needs ~35 MiB of heap for a moment (`kompetensi openapi` peaks at 44 MiB RSS, `--help` at 9).
pub enum Routes<'a, 'b> {
    Described(&'a mut utoipa_actix_web::service_config::ServiceConfig<'b>),
    Served(&'a mut actix_web::web::ServiceConfig),
}

impl Routes<'_, '_> {
    pub fn service<F>(&mut self, handler: F) -> &mut Self
    where
        F: actix_web::dev::HttpServiceFactory + utoipa_actix_web::OpenApiFactory + 'static,
    {
        match self {
            Routes::Described(cfg) => {
                cfg.service(handler);
            }
            Routes::Served(cfg) => {
                cfg.service(handler);
            }
        }
        self
    }
}

/// A resource's routes in one declaration (see the module doc).
#[macro_export]
macro_rules! resource_routes {
    ($resource:ident at $collection:tt, $item:tt tagged $tag:tt; $($ops:tt)*) => {
        $crate::resource_routes!(@ops [$resource $collection $item $tag] [] $($ops)*);
    };
    (@ops [$r:ident $c:tt $i:tt $tag:tt] [$($done:path,)*]
     $(#[$doc:meta])* list $name:ident: $op:ident($filter:ty => $page:ty)
     sorted $sort:ident [$($field:tt),+]; $($rest:tt)*) => {
        $crate::list_route!($(#[$doc])* $name, $crate::auth::op::$op, $c, queries::list, $filter,
            $page, $sort = [$($field),+], $tag);
        $crate::resource_routes!(@ops [$r $c $i $tag] [$($done,)* $name,] $($rest)*);
    };
    (@ops [$r:ident $c:tt $i:tt $tag:tt] [$($done:path,)*]
     $(#[$doc:meta])* get $name:ident: $op:ident($current:ty) $(via $via:path)?; $($rest:tt)*) => {
        $crate::get_route!($(#[$doc])* $name, $crate::auth::op::$op, $i, $r, $current, $tag
            $(, via = $via)?);
        $crate::resource_routes!(@ops [$r $c $i $tag] [$($done,)* $name,] $($rest)*);
    };
    (@ops [$r:ident $c:tt $i:tt $tag:tt] [$($done:path,)*]
     $(#[$doc:meta])* create $name:ident: $op:ident($input:ty => $current:ty); $($rest:tt)*) => {
        $crate::create_route!($(#[$doc])* $name, $crate::auth::op::$op, $c, $r, $current,
            queries::create, $input, $tag);
        $crate::resource_routes!(@ops [$r $c $i $tag] [$($done,)* $name,] $($rest)*);
    };
    (@ops [$r:ident $c:tt $i:tt $tag:tt] [$($done:path,)*]
     $(#[$doc:meta])* update $name:ident: $op:ident($input:ty, $patch:ty => $current:ty);
     $($rest:tt)*) => {
        $crate::update_route!($(#[$doc])* $name, $crate::auth::op::$op, $i, $r, $current,
            queries::update, $input, $patch, $tag);
        $crate::resource_routes!(@ops [$r $c $i $tag] [$($done,)* $name,] $($rest)*);
    };
    (@ops [$r:ident $c:tt $i:tt $tag:tt] [$($done:path,)*]
     $(#[$doc:meta])* delete $name:ident: $op:ident; $($rest:tt)*) => {
        $crate::delete_route!($(#[$doc])* $name, $crate::auth::op::$op, $i, $r, queries::delete,
            $tag);
        $crate::resource_routes!(@ops [$r $c $i $tag] [$($done,)* $name,] $($rest)*);
    };
    (@ops [$r:ident $c:tt $i:tt $tag:tt] [$($done:path,)*] service $handler:path; $($rest:tt)*) => {
        $crate::resource_routes!(@ops [$r $c $i $tag] [$($done,)* $handler,] $($rest)*);
    };
    (@ops [$r:ident $c:tt $i:tt $tag:tt] [$($done:path,)*]) => {
        pub fn configure(cfg: &mut $crate::web::routes::Routes) {
            $(cfg.service($done);)*
        }
    };
}

/// `GET <collection>`: one page of the caller's view of the resource, sorted by `sort` over
/// `$sort = [fields]` (which this defines), with the `Link` header; kept in memory until a write
/// (`web::cache::list_page`) unless `Keeping::Computed` is given last.
#[macro_export]
macro_rules! list_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $list:path, $filter:ty, $page:ty,
     $sort:ident = [$($field:tt),+], $tag:tt) => {
        $crate::list_route!($(#[$doc])* $name, $op, $path, $list, $filter, $page,
            $sort = [$($field),+], $tag, $crate::web::cache::Keeping::Kept);
    };
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $list:path, $filter:ty, $page:ty,
     $sort:ident = [$($field:tt),+], $tag:tt, $keeping:expr) => {
        /// The fields this list sorts by.
        pub struct $sort;

        impl $crate::web::SortFields for $sort {
            const FIELDS: &'static [&'static str] = &[$($field),+];
        }

        $(#[$doc])*
        ///
        /// Pages of `per_page` (at most 100); the `Link` header names the first, previous, next and
        /// last pages. Only what the caller may see is listed. Every page shows every write
        /// acknowledged before it was asked for; `Cache-Control: no-cache` computes it afresh
        /// rather than from memory.
        #[utoipa::path(
            tag = $tag,
            params($crate::web::PageParams, $crate::web::SortBy<$sort>, $filter),
            responses(
                (status = 200, description = "One page", body = $page),
                $crate::error::ListErrors
            ),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $name(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::AppState>,
            caller: $crate::auth::Allowed<$op>,
            $crate::web::ValidQuery(page): $crate::web::ValidQuery<$crate::web::PageParams>,
            sort: $crate::web::SortBy<$sort>,
            $crate::web::ValidQuery(filter): $crate::web::ValidQuery<$filter>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let window = page.window();
            let params = format!("{page:?} {:?} {filter:?}", sort.fields);
            $crate::web::cache::list_page(
                &req,
                &state,
                caller.caller,
                (stringify!($name), $keeping),
                (&page, params),
                move |c, caller| $list(c, caller, &filter, &sort.fields, window),
            )
            .await
        }
    };
}

/// `GET /employees/{id}/<records>`: one page of an employee's records (assessments,
/// exemptions, …), sorted over `$sort = [fields]` (which this defines), when the caller may see
/// the employee (404 otherwise); `list(conn, employee, sort, window) -> (total, page)`.
#[macro_export]
macro_rules! employee_records_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $list:path, $page:ty,
     $sort:ident = [$($field:tt),+], $tag:tt) => {
        /// The fields this list sorts by.
        pub struct $sort;

        impl $crate::web::SortFields for $sort {
            const FIELDS: &'static [&'static str] = &[$($field),+];
        }

        $(#[$doc])*
        ///
        /// Pages of `per_page` (at most 100), with the `Link` header; 404 for an employee the
        /// caller may not see. Every page shows every write acknowledged before it was asked for;
        /// `Cache-Control: no-cache` computes it afresh rather than from memory.
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = i64, Path, description = "The employee's id", minimum = 1, example = 1),
                $crate::web::PageParams, $crate::web::SortBy<$sort>
            ),
            responses((status = 200, description = "One page", body = $page), $crate::error::ReadErrors),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $name(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::AppState>,
            caller: $crate::auth::Allowed<$op>,
            id: actix_web::web::Path<$crate::types::EmployeeId>,
            $crate::web::ValidQuery(page): $crate::web::ValidQuery<$crate::web::PageParams>,
            sort: $crate::web::SortBy<$sort>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            $crate::employees::access::page_of(
                &req,
                &state,
                caller.caller,
                (stringify!($name), id.into_inner()),
                (&page, format!("{:?}", sort.fields)),
                move |c, id, window| $list(c, id, &sort.fields, window),
            )
            .await
        }
    };
}

/// `GET <item>`: one row by id, through `db::resource::read` (the asynchronous path on
/// PostgreSQL), or through `via = <fn>(state, caller, id)` where visibility decides, with its
/// `ETag`; 304 for a matching `If-None-Match`.
#[macro_export]
macro_rules! get_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $item:ty, $tag:tt) => {
        $crate::get_route!($(#[$doc])* $name, $op, $path, $resource, $item, $tag,
            via = $crate::db::resource::read_for::<$resource>);
    };
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $item:ty, $tag:tt,
     via = $via:path) => {
        $(#[$doc])*
        ///
        /// The `ETag` is the version: send it as `If-Match` to change the resource, or as
        /// `If-None-Match` to get 304 while it is unchanged.
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = i64, Path, description = "The id", minimum = 1, example = 1),
                ("If-None-Match" = Option<String>, Header, description = "The ETag read before: 304 while unchanged")
            ),
            responses(
                (status = 200, description = "Found", body = $item,
                 headers(("ETag" = String, description = "The current version"))),
                (status = 304, description = "Unchanged since the ETag sent as If-None-Match"),
                $crate::error::ReadErrors
            ),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $name(
            state: actix_web::web::Data<$crate::AppState>,
            caller: $crate::auth::Allowed<$op>,
            id: actix_web::web::Path<<$resource as $crate::db::resource::Resource>::Id>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let current = $via(&state, &caller, id.into_inner()).await?;
            let version = <$resource as $crate::db::resource::Resource>::version(&current);
            Ok($crate::web::ok_versioned(&current, version))
        }
    };
}

/// `POST <collection>`: `create(tx, &input)` in the write pipeline, once per
/// `Idempotency-Key`; 201 with `Location` and `ETag`.
#[macro_export]
macro_rules! create_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $item:ty, $create:path,
     $input:ty, $tag:tt) => {
        $(#[$doc])*
        ///
        /// Validated as a whole (422 names each invalid field). With an `Idempotency-Key`, a
        /// retry of the same request within 24 hours gets the first answer and creates nothing.
        #[utoipa::path(
            tag = $tag,
            params($crate::web::IdempotencyKey),
            request_body = $input,
            responses(
                (status = 201, description = "Created", body = $item,
                 headers(("Location" = String, description = "URL of the created resource"),
                         ("ETag" = String, description = "Its version"))),
                $crate::error::CreateErrors
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            w: $crate::web::Write<$op>,
            $crate::web::ValidJson(body): $crate::web::ValidJson<$input>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            w.create_replayable::<$resource, _>(
                |current| format!("/api/v1{}/{}", $path, current.id),
                move |tx| $create(tx, &body),
            )
            .await
        }
    };
}

/// `PATCH <item>`: the body applied to the current state (`web::Patch`), then
/// `update(tx, &current, &input)` in the write pipeline under `If-Match`.
#[macro_export]
macro_rules! update_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $item:ty, $update:path,
     $input:ty, $patch:ty, $tag:tt) => {
        $(#[$doc])*
        ///
        /// Any subset of the fields; `null` clears one that may be empty. The result is
        /// validated as a whole. Without `If-Match` the last writer wins; with a stale one,
        /// 412 and nothing changes.
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = i64, Path, description = "The id", minimum = 1, example = 1),
                $crate::web::IfMatch
            ),
            request_body = $patch,
            responses(
                (status = 200, description = "Updated", body = $item,
                 headers(("ETag" = String, description = "The new version"))),
                $crate::error::WriteErrors
            ),
            security(("bearer" = []))
        )]
        #[patch($path)]
        pub async fn $name(
            w: $crate::web::Write<$op>,
            id: actix_web::web::Path<<$resource as $crate::db::resource::Resource>::Id>,
            patch: $crate::web::Patch<$input>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let current = w
                .update::<$resource, _>(id.into_inner(), move |tx, current| {
                    let input = patch.apply(&current)?;
                    $update(tx, &current, &input)
                })
                .await?;
            let version = <$resource as $crate::db::resource::Resource>::version(&current);
            Ok($crate::web::ok_versioned(&current, version))
        }
    };
}

/// `DELETE <item>`: `delete(tx, &current)` in the write pipeline under `If-Match`; 204.
#[macro_export]
macro_rules! delete_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $delete:path, $tag:tt) => {
        $(#[$doc])*
        ///
        /// With a stale `If-Match`, 412 and nothing is deleted.
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = i64, Path, description = "The id", minimum = 1, example = 1),
                $crate::web::IfMatch
            ),
            responses((status = 204, description = "Deleted"), $crate::error::DeleteErrors),
            security(("bearer" = []))
        )]
        #[delete($path)]
        pub async fn $name(
            w: $crate::web::Write<$op>,
            id: actix_web::web::Path<<$resource as $crate::db::resource::Resource>::Id>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            w.delete::<$resource, _>(id.into_inner(), move |tx, current| $delete(tx, &current))
                .await
        }
    };
}

/// A page of a list, named for its items (`page_type!(PartnerPage = Partner)`), so generated
/// clients get one type per list with its items typed, not an anonymous envelope.
#[macro_export]
macro_rules! page_type {
    ($name:ident = $item:ty) => {
        #[doc = concat!("One page of `", stringify!($item), "`.")]
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// All the items the filter selects, on every page.
            pub total: i64,
            pub page: i64,
            pub per_page: i64,
        }
    };
}
