//! What the middleware adds to every response, declared on the operations of the document:
//! `X-Request-Id` on every response, `Link` on every page of a list; and `security: []` on the
//! public operations, so generated clients call them without a token.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ObjectBuilder, OpenApi, RefOr, Type};

fn text_header(description: &str) -> RefOr<Header> {
    RefOr::T(
        HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
            .description(Some(description))
            .build(),
    )
}

fn operations(api: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    api.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}

fn pages(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(
        |p| matches!(p, RefOr::T(p) if p.name == "page" && p.parameter_in == ParameterIn::Query),
    )
}

/// Declares `X-Request-Id` on every response and `Link` on the 200 of every paginated list,
/// and public operations as taking no token.
pub fn declare_common_headers(api: &mut OpenApi) {
    for operation in operations(api) {
        // utoipa writes `security(())` as `[{}]` ("a token is optional"); these take none.
        if let Some(security) = &mut operation.security {
            if security.iter().all(|s| s == &Default::default()) {
                security.clear();
            }
        }
        let paginated = pages(operation);
        for (status, response) in operation.responses.responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            response.headers.insert(
                "X-Request-Id".into(),
                text_header(
                    "Names this request in the service's log (the client's own, when it sent one)",
                ),
            );
            if paginated && status == "200" {
                response.headers.insert(
                    "Link".into(),
                    text_header("RFC 8288 links to the first, previous, next and last pages"),
                );
            }
        }
    }
}
