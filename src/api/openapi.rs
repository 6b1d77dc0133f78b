//! The OpenAPI 3.1 description of the API, generated from the handlers' `#[utoipa::path]`
//! annotations and the body types (`model`), served at `GET /api/v1/openapi.json`. The problem
//! answers every operation shares are added here once, so no operation can forget them.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::model;
use crate::auth::client_tokens::DIRECTORY_READ;
use crate::config::Settings;

/// `{slug}`: the account.
#[derive(IntoParams)]
#[into_params(names("slug"), parameter_in = Path)]
#[allow(dead_code)]
pub struct AccountPath(
    /// The account's slug.
    String,
);

/// `{slug}` and `{id}`: one person of the account.
#[derive(IntoParams)]
#[into_params(names("slug", "id"), parameter_in = Path)]
#[allow(dead_code)]
pub struct PersonPath(
    /// The account's slug.
    String,
    /// The employee's id (the OpenID Connect `sub`).
    String,
);

/// `{slug}` and `{id}`: one group of the account.
#[derive(IntoParams)]
#[into_params(names("slug", "id"), parameter_in = Path)]
#[allow(dead_code)]
pub struct GroupPath(
    /// The account's slug.
    String,
    /// The group's id.
    String,
);

/// The security scheme's name in the document.
const SCHEME: &str = "directory";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gatehouse directory API",
        version = "1",
        description = include_str!("openapi.md"),
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        super::employees::list,
        super::employees::detail,
        super::employees::approvers,
        super::employees::approved,
        super::organisation::departments,
        super::organisation::groups,
        super::organisation::group,
        super::events::feed,
        super::events::newest,
    ),
    components(schemas(model::Problem)),
    tags(
        (name = "employees", description = "People and their master data"),
        (name = "approvals", description = "Who approves whom"),
        (name = "organisation", description = "Departments and SCIM groups"),
        (name = "events", description = "The change feed"),
    )
)]
struct ApiDoc;

/// The problem answers of every operation: (status, component name, when).
const PROBLEMS: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "A query parameter was refused; `parameter` names it",
    ),
    (
        "401",
        "Unauthorized",
        "No access token, or not a current one",
    ),
    (
        "403",
        "Forbidden",
        "The token lacks the scope directory.read",
    ),
    (
        "404",
        "NotFound",
        "No such account for this client, or nothing with that id in it",
    ),
];

fn problem(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(model::Problem::name())))
                    .build(),
            )
            .build(),
    )
}

/// The whole document, with this installation's URLs.
pub fn document(public_url: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.servers = Some(vec![Server::new(public_url)]);
    let components = doc.components.get_or_insert_with(Default::default);
    for (_, name, description) in PROBLEMS {
        components
            .responses
            .insert((*name).to_owned(), problem(description));
    }
    components.responses.insert(
        "Gone".to_owned(),
        problem("The cursor is from before what was purged: read the directory again"),
    );
    components.add_security_scheme(
        SCHEME,
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::ClientCredentials(ClientCredentials::new(
                format!("{public_url}/oauth/token"),
                Scopes::from_iter([(
                    DIRECTORY_READ,
                    "Read the directory of the accounts the client serves",
                )]),
            ))],
            "A confidential client's client_credentials token, sent as `Authorization: Bearer`.",
        )),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        if let Some(operation) = item.get.as_mut() {
            for (status, name, _) in PROBLEMS {
                operation
                    .responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| {
                        RefOr::Ref(Ref::new(format!("#/components/responses/{name}")))
                    });
            }
            if path.ends_with("/events") {
                operation.responses.responses.insert(
                    "410".to_owned(),
                    RefOr::Ref(Ref::new("#/components/responses/Gone")),
                );
            }
        }
    }
    doc
}

/// `GET /api/v1/openapi.json`: no token needed.
pub async fn serve(settings: web::Data<Settings>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(document(&settings.public_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_every_path_and_problem() {
        let doc = serde_json::to_value(document("https://gatehouse.example")).ok();
        let doc = doc.unwrap_or_default();
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1."))
        );
        let paths = doc["paths"].as_object().map(|p| p.len());
        assert_eq!(paths, Some(9));
        let list = &doc["paths"]["/api/v1/accounts/{slug}/employees"]["get"];
        assert_eq!(
            list["responses"]["404"]["$ref"],
            "#/components/responses/NotFound"
        );
        assert_eq!(
            doc["components"]["securitySchemes"][SCHEME]["flows"]["clientCredentials"]["tokenUrl"],
            "https://gatehouse.example/oauth/token"
        );
    }
}
