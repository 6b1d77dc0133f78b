//! Profiles and actors to seed the directory with.

use gatehouse::directory::employees::Profile;
use gatehouse::directory::history::{Actor, Source};

/// A person named after the login: given name from its first part, family name "Tester".
pub fn person(user_name: &str) -> Profile {
    let given = user_name.split(['.', '@']).next().unwrap_or("x").to_owned();
    Profile {
        user_name: user_name.into(),
        email: user_name.into(),
        given_name: given,
        family_name: "Tester".into(),
        ..Profile::default()
    }
}

pub fn scim() -> Actor {
    Actor::new(Source::Scim)
}

pub fn csv() -> Actor {
    Actor::new(Source::Csv)
}

pub fn cli() -> Actor {
    Actor::new(Source::Cli)
}

/// Settings changed by the test itself, outside any channel.
pub fn system() -> Actor {
    Actor::new(Source::System)
}
