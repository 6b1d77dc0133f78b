//! Why a SAML sign-in was refused: one variant per reason, each with a stable code (shown to
//! the person as a short error code), a detail for the login journal, and a hint an admin can
//! act on.

use actix_web::http::StatusCode;

use super::sp::SpUrls;
use crate::directory::{DirectoryError, Refusal};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("SSO is turned off for this account")]
    SsoDisabled,
    #[error("the account has no valid IdP certificate, entity id or sign-on URL")]
    NotConfigured,
    #[error("the SAML response is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the request carries no SAMLResponse, or it is not Base64 text")]
    NotBase64,
    #[error("the SAML response is not well-formed XML: {0}")]
    Malformed(String),
    #[error("the SAML response is not declared as UTF-8 ({0})")]
    Encoding(String),
    #[error("the SAML response declares a DOCTYPE or entities")]
    Doctype,
    #[error("the SAML response contains XML comments")]
    Comment,
    #[error("the SAML response contains processing instructions")]
    ProcessingInstruction,
    #[error("the document is not a SAML 2.0 Response")]
    NotAResponse,
    #[error("the response contains no assertion")]
    NoAssertion,
    #[error("the response contains {0} assertions; exactly one is accepted")]
    MultipleAssertions(usize),
    #[error("the response contains an encrypted assertion")]
    EncryptedAssertion,
    #[error("the assertion is not a direct child of the Response")]
    AssertionMisplaced,
    #[error("two elements share the ID {0:?}")]
    DuplicateId(String),
    #[error("neither the response nor the assertion is signed")]
    Unsigned,
    #[error("unexpected signature structure: {0}")]
    SignatureShape(String),
    #[error("signature algorithm not accepted: {0}")]
    WeakAlgorithm(String),
    #[error(
        "the signature was made by a certificate this account does not trust (SHA-1 thumbprint {0})"
    )]
    UnknownCertificate(String),
    #[error("the signing certificate (SHA-1 thumbprint {0}) has expired")]
    CertificateExpired(String),
    #[error("the signature does not verify against any trusted certificate")]
    InvalidSignature,
    #[error("Entra ID answered with status {code}: {message}")]
    StatusNotSuccess { code: String, message: String },
    #[error("the response was sent to {0:?}, not to this account's Reply URL")]
    WrongDestination(String),
    #[error("the assertion is meant for {0:?}, not this account's Reply URL")]
    WrongRecipient(String),
    #[error("the response was issued by {got:?}; this account trusts {expected:?}")]
    WrongIssuer { got: String, expected: String },
    #[error("the assertion is meant for audience {0:?}")]
    WrongAudience(String),
    #[error("the assertion names no audience")]
    AudienceMissing,
    #[error("the assertion has expired ({0})")]
    Expired(String),
    #[error("the assertion is not valid yet ({0})")]
    NotYetValid(String),
    #[error("the signed assertion is not the one in the document")]
    SignedAssertionMismatch,
    #[error("the response and the assertion answer different requests")]
    InResponseToMismatch,
    #[error(
        "the response answers request {0:?}, which this account did not send, already used, or let expire"
    )]
    UnknownRequest(String),
    #[error(
        "the response answers a request that another browser started (or its sign-in cookie was lost)"
    )]
    OtherBrowser,
    #[error("IdP-initiated sign-in is turned off for this account")]
    IdpInitiatedDisabled,
    #[error("assertion {0:?} was already used")]
    Replay(String),
    #[error("the assertion has no NameID")]
    NoNameId,
    #[error("no person with the {mode} {name_id:?} in this account")]
    UnknownPerson { mode: &'static str, name_id: String },
    #[error(
        "the NameID {0:?} is a login name (UPN), but this account matches the NameID on the work email"
    )]
    NameIdIsUpn(String),
    #[error(
        "the NameID {0:?} is a work email, but this account matches the NameID on the login name (UPN)"
    )]
    NameIdIsMail(String),
    #[error("{0} is inactive")]
    Inactive(String),
    #[error("{0} was deleted (released) in this account")]
    Released(String),
    #[error("{0} was removed from the federation by an admin")]
    Defederated(String),
    #[error(
        "{user}: Entra object id {got} differs from {pinned}, pinned at the first sign-in from this tenant"
    )]
    ObjectIdMismatch {
        user: String,
        got: String,
        pinned: String,
    },
    #[error("Entra object id {object_id} already belongs to {holder} in this tenant")]
    ObjectIdTaken { object_id: String, holder: String },
    #[error("internal error: {0}")]
    Internal(String),
}

/// The directory's refusals of a sign-in as the journal's reasons; anything else is internal.
impl From<DirectoryError> for Failure {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::Refused(Refusal::Defederated { user_name }) => {
                Failure::Defederated(user_name)
            }
            DirectoryError::Refused(Refusal::Inactive { user_name }) => {
                Failure::Inactive(user_name)
            }
            DirectoryError::Refused(Refusal::ObjectIdMismatch {
                user_name,
                got,
                pinned,
            }) => Failure::ObjectIdMismatch {
                user: user_name,
                got,
                pinned,
            },
            DirectoryError::Refused(Refusal::ObjectIdTaken { object_id, holder }) => {
                Failure::ObjectIdTaken { object_id, holder }
            }
            other => Failure::Internal(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(error: diesel::result::Error) -> Self {
        DirectoryError::from(error).into()
    }
}

impl Failure {
    /// A stable code for the journal, logs and the error page.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::SsoDisabled => "sso_disabled",
            Failure::NotConfigured => "not_configured",
            Failure::TooLarge(_) => "too_large",
            Failure::NotBase64 => "not_base64",
            Failure::Malformed(_) => "malformed",
            Failure::Encoding(_) => "encoding",
            Failure::Doctype => "doctype",
            Failure::Comment => "xml_comment",
            Failure::ProcessingInstruction => "processing_instruction",
            Failure::NotAResponse => "not_a_response",
            Failure::NoAssertion => "no_assertion",
            Failure::MultipleAssertions(_) => "multiple_assertions",
            Failure::EncryptedAssertion => "encrypted_assertion",
            Failure::AssertionMisplaced => "assertion_misplaced",
            Failure::DuplicateId(_) => "duplicate_id",
            Failure::Unsigned => "unsigned",
            Failure::SignatureShape(_) => "signature_shape",
            Failure::WeakAlgorithm(_) => "weak_algorithm",
            Failure::UnknownCertificate(_) => "unknown_certificate",
            Failure::CertificateExpired(_) => "certificate_expired",
            Failure::InvalidSignature => "invalid_signature",
            Failure::StatusNotSuccess { .. } => "idp_status",
            Failure::WrongDestination(_) => "wrong_destination",
            Failure::WrongRecipient(_) => "wrong_recipient",
            Failure::WrongIssuer { .. } => "wrong_issuer",
            Failure::WrongAudience(_) => "wrong_audience",
            Failure::AudienceMissing => "audience_missing",
            Failure::Expired(_) => "expired",
            Failure::NotYetValid(_) => "not_yet_valid",
            Failure::SignedAssertionMismatch => "signed_assertion_mismatch",
            Failure::InResponseToMismatch => "in_response_to_mismatch",
            Failure::UnknownRequest(_) => "unknown_request",
            Failure::OtherBrowser => "other_browser",
            Failure::IdpInitiatedDisabled => "idp_initiated_disabled",
            Failure::Replay(_) => "replay",
            Failure::NoNameId => "no_name_id",
            Failure::UnknownPerson { .. } => "unknown_person",
            Failure::NameIdIsUpn(_) => "nameid_is_upn",
            Failure::NameIdIsMail(_) => "nameid_is_mail",
            Failure::Inactive(_) => "inactive",
            Failure::Released(_) => "released",
            Failure::Defederated(_) => "defederated",
            Failure::ObjectIdMismatch { .. } => "object_id_mismatch",
            Failure::ObjectIdTaken { .. } => "object_id_taken",
            Failure::Internal(_) => "internal",
        }
    }

    /// What an admin can do about it.
    pub fn hint(&self, sp: &SpUrls) -> String {
        match self {
            Failure::SsoDisabled => "Turn SSO on for the account once the IdP settings are complete.".into(),
            Failure::NotConfigured => "Set the IdP: upload Entra's federation metadata or paste its certificate.".into(),
            Failure::UnknownCertificate(_) => "The certificate was probably renewed in Entra ID: paste the new \
                 certificate (Base64) from the SAML Certificates section, or upload fresh federation metadata."
                .into(),
            Failure::CertificateExpired(_) => "Entra ID still signs with an expired certificate: create a new one in \
                 Entra (SAML Certificates), make it active, and paste it here."
                .into(),
            Failure::InvalidSignature | Failure::SignatureShape(_) | Failure::DuplicateId(_) => {
                "The response was altered on its way or is forged; if it keeps happening, check for a proxy \
                 that rewrites requests."
                    .into()
            }
            Failure::WeakAlgorithm(_) => "In Entra ID set the signing algorithm to SHA-256.".into(),
            Failure::Unsigned => "In Entra ID set the signing option to 'Sign SAML assertion' (the default).".into(),
            Failure::EncryptedAssertion => "Turn off token encryption for this application in Entra ID.".into(),
            Failure::StatusNotSuccess { message, .. } if message.contains("AADSTS50105") => {
                "The person is not assigned to the application: assign them (or their group) under Users and \
                 groups in Entra ID."
                    .into()
            }
            Failure::StatusNotSuccess { .. } => "Entra ID refused the sign-in; its message says why.".into(),
            Failure::WrongDestination(_) | Failure::WrongRecipient(_) => {
                format!("Set the Reply URL (Assertion Consumer Service URL) in Entra ID to {}", sp.acs_url)
            }
            Failure::WrongAudience(_) | Failure::AudienceMissing => {
                format!("Set the Identifier (Entity ID) in Entra ID to {}", sp.entity_id)
            }
            Failure::WrongIssuer { .. } => "The response comes from another tenant: if the company moved tenant, \
                 point the account at the new tenant's federation metadata."
                .into(),
            Failure::Expired(_) | Failure::NotYetValid(_) => {
                "Check the clocks: this server's time (NTP) and the clock skew setting of the account.".into()
            }
            Failure::UnknownRequest(_) => "The sign-in took too long or was already completed: start again from \
                 the application or the My Apps tile."
                .into(),
            Failure::OtherBrowser => "The response came back to a browser that did not start this sign-in: a \
                 forwarded sign-in, a browser that blocks this site's cookies, or a login-CSRF attempt. If it \
                 keeps happening for one person, check that their browser accepts cookies from this site."
                .into(),
            Failure::IdpInitiatedDisabled => "Sign-in from My Apps tiles and Entra's Test button needs \
                 IdP-initiated sign-in: turn it on for the account, or start from the application."
                .into(),
            Failure::Replay(_) => "The same response was posted twice (a reload, the back button, or a replay \
                 attack): start the sign-in again."
                .into(),
            Failure::NoNameId => "Set a Unique User Identifier (NameID) claim in Entra ID.".into(),
            Failure::UnknownPerson { .. } => "The person is not in the directory: assign them to the application \
                 in Entra ID and check that provisioning has created them."
                .into(),
            Failure::NameIdIsUpn(_) => "Entra sends the UPN but this account matches on mail: switch the NameID \
                 claim in Entra ID to user.mail, or set the account to match on UPN."
                .into(),
            Failure::NameIdIsMail(_) => "Entra sends the email but this account matches on the UPN: switch the \
                 NameID claim in Entra ID to user.userprincipalname, or set the account to match on mail."
                .into(),
            Failure::Inactive(_) => "The person is deactivated here: reactivate them in Entra ID (provisioning) \
                 or, if they are not federated, in the admin pages."
                .into(),
            Failure::Released(_) => "The person was deleted here: assign them again in Entra ID so provisioning \
                 creates them anew."
                .into(),
            Failure::Defederated(_) => "The person was removed from the federation: they sign in with a local \
                 password."
                .into(),
            Failure::ObjectIdMismatch { .. } | Failure::ObjectIdTaken { .. } => {
                "A different Entra account now carries this name: check in Entra ID whether the UPN was \
                 reassigned before letting it in."
                    .into()
            }
            _ => "See the detail; if it persists, compare the application's SAML settings in Entra ID with the \
                 values on the integration page."
                .into(),
        }
    }

    /// 400 for what is broken, 403 for what is refused.
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::NotBase64
            | Failure::Malformed(_)
            | Failure::Encoding(_)
            | Failure::NotAResponse => StatusCode::BAD_REQUEST,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::FORBIDDEN,
        }
    }

    /// What the person at the browser is told: plain words, no XML, and the one thing they can
    /// do; the page (`web::pages::error_page_with_code`) adds that step's link by this code.
    pub fn public_message(&self) -> &'static str {
        match self {
            Failure::OtherBrowser => {
                "This sign-in was started in another browser or window, or your browser did not keep our cookie. Please start the sign-in again here."
            }
            Failure::Replay(_) | Failure::UnknownRequest(_) | Failure::Expired(_) => {
                "This sign-in has already been used or has expired. Please start the sign-in again."
            }
            Failure::IdpInitiatedDisabled => {
                "This company does not accept sign-ins started from Microsoft (such as the My Apps \
                 tiles). Please start from the application's sign-in link instead."
            }
            Failure::Defederated(_) => {
                "Your account no longer signs in with Microsoft here. Please sign in with your \
                 password instead."
            }
            Failure::SsoDisabled => {
                "Sign-in with Microsoft is turned off for this company. Please sign in with your \
                 password instead."
            }
            Failure::UnknownPerson { .. }
            | Failure::NameIdIsUpn(_)
            | Failure::NameIdIsMail(_)
            | Failure::Inactive(_)
            | Failure::Released(_) => {
                "Your Microsoft account was recognised, but it has no access to this application. \
                 Please contact your administrator and mention the error code below."
            }
            Failure::NotConfigured => {
                "Sign-in with Microsoft is not set up for this company yet. Please contact your \
                 administrator and mention the error code below."
            }
            _ => {
                "We could not sign you in with Microsoft. Please contact your administrator and mention the error code below."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Failure;
    use crate::web::pages::next_step;

    /// Every refusal that names something the person can do gets a page with a link to it.
    #[test]
    fn a_message_that_sends_somewhere_has_its_link() {
        let cases = [
            (Failure::IdpInitiatedDisabled, Some("login")),
            (Failure::Replay("a".into()), Some("login")),
            (Failure::UnknownRequest("r".into()), Some("login")),
            (Failure::Expired("t".into()), Some("login")),
            (Failure::OtherBrowser, Some("login")),
            (Failure::Defederated("ann".into()), Some("/login")),
            (Failure::SsoDisabled, Some("/login")),
            (Failure::Inactive("ann".into()), None),
            (Failure::NotConfigured, None),
            (Failure::InvalidSignature, None),
        ];
        for (failure, href) in cases {
            assert_eq!(
                next_step(failure.code()).map(|s| s.href),
                href,
                "{}",
                failure.code()
            );
            assert!(
                href.is_some() || failure.public_message().contains("administrator"),
                "{} leaves the person nowhere",
                failure.code()
            );
        }
    }
}
