//! The SCIM harness: account "acme" with a SCIM token, and requests as Entra's provisioning
//! service sends them.

use gatehouse::auth::scim_tokens;
use gatehouse::directory::accounts::{self, Account};
use serde_json::{Value, json};

use super::app::{TestApp, spawn_app};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const OURS: &str = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User";
pub const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub struct Scim {
    pub app: TestApp,
    pub account: Account,
    pub token: String,
}

pub async fn scim_app() -> Scim {
    let app = spawn_app().await;
    let account = app
        .write(|c| accounts::create(c, "acme", "Acme"))
        .expect("account");
    let token = app
        .write(|c| scim_tokens::issue(c, &account.id, &crate::helpers::system()))
        .expect("token");
    Scim {
        app,
        account,
        token,
    }
}

impl Scim {
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(&self.token, method, path, body).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.app.scim(token, method, path, body).await
    }
}

/// A user as Entra's provisioning service creates one.
pub fn entra_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": "Ann Lee",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "name": {"formatted": "Ann Lee", "familyName": "Lee", "givenName": "Ann"},
        "title": "Buyer",
        ENTERPRISE: {"department": "Sales", "employeeNumber": "E-17"},
        OURS: {"dateOfEmployment": "2021-04-01T00:00:00Z", "payrollNumber": "P-17", "groupCompanyName": "Acme AB"}
    })
}

/// A PATCH body with these operations.
pub fn ops(operations: Value) -> Value {
    json!({"schemas": [PATCH], "Operations": operations})
}

/// `/Users` filtered by `filter`, encoded as Entra sends it.
pub fn filter_path(filter: &str) -> String {
    format!(
        "/Users?filter={}",
        filter.replace(' ', "%20").replace('"', "%22")
    )
}
