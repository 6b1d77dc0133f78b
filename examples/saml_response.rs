//! Prints a fresh signed response of the test IdP (Entra-shaped, assertion signed), Base64 as a
//! SAMLResponse form field wants it, for the browser tests to post from a page of another site.
//! Usage: saml_response SP_ENTITY_ID NAME_ID [IN_RESPONSE_TO|-] [OBJECT_ID]

#[path = "../tests/suite/test_idp.rs"]
mod test_idp;

use test_idp::{Key, Spec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (sp, name_id) = match args.as_slice() {
        [sp, name_id, ..] => (sp, name_id),
        _ => {
            return Err(
                "usage: saml_response SP_ENTITY_ID NAME_ID [IN_RESPONSE_TO|-] [OBJECT_ID]".into(),
            );
        }
    };
    let mut spec = Spec::new(sp, name_id);
    spec.in_response_to = args.get(2).filter(|id| *id != "-").cloned();
    spec.object_id = args.get(3).cloned().or(spec.object_id);
    println!(
        "{}",
        test_idp::encode(&test_idp::response(&spec, &Key::active()))
    );
    Ok(())
}
