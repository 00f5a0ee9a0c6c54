//! The standard handlers of a resource, one macro each, so a resource is written by filling in
//! its rules (model, queries, permission table) rather than by copying another's handlers:
//!
//! ```text
//! crate::list_route!(/// List partners …
//!     list_partners, op::ListPartners, "/partners", queries::list, PartnerFilter, Partner, "partners");
//! crate::get_route!(/// One partner.
//!     get_partner, op::GetPartner, "/partners/{id}", Partners, "partner", "partners");
//! crate::create_route!(…); crate::update_route!(…); crate::delete_route!(…);
//! ```
//!
//! The conventions they rely on: the area's `queries` module has
//! `list(conn, &caller, &filter, &sort, (offset, limit)) -> (total, items)`,
//! `create(tx, &input) -> id`, `update(tx, &current, &input)` and `delete(tx, &current)`;
//! the resource implements `db::resource::Resource` with `Current` the API object.

/// `GET <collection>`: one page of the caller's view of the resource, sorted by `sort` over
/// the whitelist `[..]`.
#[macro_export]
macro_rules! list_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $list:path, $filter:ty, $item:ty,
     [$($sortable:tt),+], $many:tt, $tag:tt) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = $tag,
            params($crate::web::PageParams, $filter),
            responses(
                (status = 200, description = concat!("One page of ", $many), body = $crate::web::Paginated<$item>),
                $crate::error::ReadErrors
            ),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $name(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::AppState>,
            caller: $crate::auth::Allowed<$op>,
            $crate::web::ValidQuery(page): $crate::web::ValidQuery<$crate::web::PageParams>,
            $crate::web::ValidQuery(filter): $crate::web::ValidQuery<$filter>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let sort = page.sort_fields(&[$($sortable),+])?;
            let window = page.window();
            let caller = caller.caller;
            let (total, items) = $crate::web::db(&state.pool, move |c| {
                $list(c, &caller, &filter, &sort, window)
            })
            .await?;
            Ok($crate::web::paginated(&req, &page, total, items))
        }
    };
}

/// `GET <item>`: one row by id, through `db::resource::read` (the asynchronous path on
/// PostgreSQL), with its `ETag`.
#[macro_export]
macro_rules! get_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $item:ty, $one:tt, $tag:tt) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = $tag,
            params(("id" = i64, Path, description = concat!("The ", $one, "'s id"))),
            responses(
                (status = 200, description = concat!("The ", $one),
                 body = $item,
                 headers(("ETag" = String, description = "Current version"))),
                $crate::error::ReadErrors
            ),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $name(
            state: actix_web::web::Data<$crate::AppState>,
            _: $crate::auth::Allowed<$op>,
            id: actix_web::web::Path<<$resource as $crate::db::resource::Resource>::Id>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let current = $crate::db::resource::read::<$resource>(&state, id.into_inner()).await?;
            let version = <$resource as $crate::db::resource::Resource>::version(&current);
            Ok($crate::web::ok_versioned(&current, version))
        }
    };
}

/// `POST <collection>`: `create(tx, &input)` in the write pipeline; 201 with `Location`.
#[macro_export]
macro_rules! create_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $item:ty, $create:path,
     $input:ty, $one:tt, $tag:tt) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = $tag,
            request_body = $input,
            responses(
                (status = 201, description = "Created",
                 body = $item,
                 headers(("Location" = String, description = "URL of the created resource"))),
                $crate::error::WriteErrors
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            w: $crate::web::Write<$op>,
            $crate::web::ValidJson(body): $crate::web::ValidJson<$input>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let current = w.create::<$resource, _>(move |tx| $create(tx, &body)).await?;
            let version = <$resource as $crate::db::resource::Resource>::version(&current);
            Ok($crate::web::created(
                format!("/api/v1{}/{}", $path, current.id),
                &current,
                version,
            ))
        }
    };
}

/// `PATCH <item>`: the body applied to the current state (`web::Patch`), then
/// `update(tx, &current, &input)` in the write pipeline under `If-Match`.
#[macro_export]
macro_rules! update_route {
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $item:ty, $update:path,
     $input:ty, $patch:ty, $one:tt, $tag:tt) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = i64, Path, description = concat!("The ", $one, "'s id")),
                ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")
            ),
            request_body = $patch,
            responses(
                (status = 200, description = "Updated",
                 body = $item,
                 headers(("ETag" = String, description = "New version"))),
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
    ($(#[$doc:meta])* $name:ident, $op:ty, $path:tt, $resource:ty, $delete:path, $one:tt,
     $tag:tt) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = i64, Path, description = concat!("The ", $one, "'s id")),
                ("If-Match" = Option<String>, Header, description = "The ETag read before; 412 when stale")
            ),
            responses((status = 204, description = "Deleted"), $crate::error::WriteErrors),
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
