//! The PATCH applier in both Entra dialects, then the strict reader every PATCH result goes
//! through. Input: a JSON PatchOp request applied to a fixed, valid user.
#![no_main]

use gatehouse::directory::zones;
use gatehouse::scim::{input, patch};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let mut user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ann@acme.com",
        "active": true,
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"type": "work", "value": "ann@acme.com", "primary": true}],
        "phoneNumbers": [{"type": "mobile", "value": "+1 555 0100"}],
        "addresses": [{"type": "work", "country": "DE"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Care", "manager": {"value": "m-1"}
        }
    });
    let before = user.clone();
    if patch::apply(&mut user, &request).is_ok() {
        patch::sync_employee_number(&before, &mut user);
        let _ = input::parse_user(&user, zones::of(zones::DEFAULT));
    }
});
