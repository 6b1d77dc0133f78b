use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// Someone else already holds this value (a login name, an email, an account slug).
    #[error("{field} {value:?} is already taken")]
    Conflict { field: &'static str, value: String },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The request is understood but a rule of the directory forbids it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the system's random number generator failed: {0}")]
    Randomness(#[from] openssl::error::ErrorStack),
}

/// Each rule that can refuse a change, by name: channels map them to their protocol (see
/// `crate::error`, `scim::error`, `saml::failure`), and the sentence is the rule's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Entra owns a federated person's master data.
    #[error(
        "{user_name} is managed by Entra ID, which owns {field}: change it in Entra, or remove the \
         person from the federation first"
    )]
    OwnedByEntra { user_name: String, field: String },
    /// Entra decides whether a federated person is active.
    #[error(
        "{user_name} is managed by Entra ID: assign them to the application in Entra, or remove \
         them from the federation first"
    )]
    ActivationOwnedByEntra { user_name: String },
    #[error("{user_name} was removed from the federation by an admin")]
    Defederated { user_name: String },
    #[error("{user_name} is inactive")]
    Inactive { user_name: String },
    /// A different Entra object id under a name pinned to another one.
    #[error(
        "{user_name}: Entra object id {got} differs from {pinned}, pinned at the first sign-in \
         from this tenant"
    )]
    ObjectIdMismatch {
        user_name: String,
        got: String,
        pinned: String,
    },
    #[error("Entra object id {object_id} already belongs to {holder} in this tenant")]
    ObjectIdTaken { object_id: String, holder: String },
    #[error("You cannot take away your own setup admin role: ask another setup admin.")]
    OwnSetupAdminRole,
    #[error("You cannot release yourself: ask another setup admin.")]
    OwnRelease,
    /// An account always keeps one active setup admin, so someone can always reach its pages.
    #[error(
        "{user_name} is the account's last active setup admin: make someone else a setup admin first"
    )]
    LastSetupAdmin { user_name: String },
    #[error("Activate the person first: inactive people cannot sign in.")]
    PasswordWhileInactive,
    #[error(
        "This person signs in through Microsoft while SSO is on. Remove them from the federation \
         first if they should use a password."
    )]
    PasswordWhileSso,
    #[error(
        "this is the last valid certificate and SSO is on: add the new certificate first, or turn \
         SSO off"
    )]
    LastValidCertificate,
    #[error("none of these certificates is valid now and SSO is on")]
    NoValidCertificateGiven,
    #[error("SSO cannot be turned on before the IdP is set (entity id, sign-on URL, certificate)")]
    IdpNotSet,
    #[error(
        "SSO cannot be turned on without a valid signing certificate: add the one Entra ID shows"
    )]
    NoValidCertificate,
}

impl Refusal {
    /// Whether the refusal is about who asks (their own account) rather than the person's state.
    pub fn is_about_the_actor(&self) -> bool {
        matches!(self, Refusal::OwnSetupAdminRole | Refusal::OwnRelease)
    }
}

impl From<diesel::result::Error> for DirectoryError {
    fn from(error: diesel::result::Error) -> Self {
        DirectoryError::Db(DbError::Query(error))
    }
}

impl DirectoryError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DirectoryError::Invalid {
            field,
            message: message.into(),
        }
    }
}
