// Written by hand to match migrations/{sqlite,postgres}: only types both backends share.

diesel::table! {
    accounts (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        sso_enabled -> Bool,
        nameid_mode -> Text,
        idp_initiated -> Bool,
        idp_entity_id -> Nullable<Text>,
        idp_sso_url -> Nullable<Text>,
        clock_skew_secs -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        time_zone -> Text,
    }
}

diesel::table! {
    employees (id) {
        id -> Text,
        account_id -> Text,
        external_id -> Nullable<Text>,
        entra_object_id -> Nullable<Text>,
        user_name -> Text,
        user_name_key -> Nullable<Text>,
        email -> Text,
        email_key -> Nullable<Text>,
        given_name -> Text,
        family_name -> Text,
        job_title -> Nullable<Text>,
        department -> Nullable<Text>,
        mobile_phone -> Nullable<Text>,
        work_phone -> Nullable<Text>,
        country -> Nullable<Text>,
        employment_date -> Nullable<Timestamp>,
        payroll_number -> Nullable<Text>,
        employee_number -> Nullable<Text>,
        subsidiary -> Nullable<Text>,
        manager_ref -> Nullable<Text>,
        approver_id -> Nullable<Text>,
        active -> Bool,
        termination_date -> Nullable<Date>,
        federated -> Bool,
        defederated -> Bool,
        released_at -> Nullable<Timestamp>,
        is_setup_admin -> Bool,
        is_approver -> Bool,
        approves_self -> Bool,
        only_selected_approver -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        display_name -> Nullable<Text>,
    }
}

diesel::table! {
    credentials (employee_id) {
        employee_id -> Text,
        password_hash -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    department_approvers (employee_id, department) {
        employee_id -> Text,
        department -> Text,
    }
}

diesel::table! {
    employee_history (id) {
        id -> Text,
        account_id -> Text,
        employee_id -> Text,
        at -> Timestamp,
        source -> Text,
        actor -> Nullable<Text>,
        action -> Text,
        changes -> Text,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        account_id -> Text,
        employee_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen_at -> Nullable<Timestamp>,
        browser_hash -> Nullable<Text>,
        sid -> Nullable<Text>,
        method -> Nullable<Text>,
    }
}

diesel::table! {
    account_domains (domain) {
        domain -> Text,
        account_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    account_audit (id) {
        id -> Text,
        account_id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_name -> Text,
        action -> Text,
        detail -> Text,
    }
}

diesel::table! {
    idp_certificates (id) {
        id -> Text,
        account_id -> Text,
        role -> Text,
        der_base64 -> Text,
        subject -> Text,
        sha1_thumbprint -> Text,
        sha256_thumbprint -> Text,
        not_before -> Timestamp,
        not_after -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    saml_requests (id) {
        id -> Text,
        account_id -> Text,
        relay_state -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        browser_hash -> Nullable<Text>,
    }
}

diesel::table! {
    saml_replay (account_id, assertion_id) {
        account_id -> Text,
        assertion_id -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    entra_pins (employee_id, idp_entity_id) {
        employee_id -> Text,
        idp_entity_id -> Text,
        object_id -> Text,
        pinned_at -> Timestamp,
    }
}

diesel::table! {
    login_journal (id) {
        id -> Text,
        account_id -> Text,
        at -> Timestamp,
        method -> Text,
        flow -> Text,
        outcome -> Text,
        reason -> Text,
        detail -> Text,
        hint -> Text,
        name_id -> Nullable<Text>,
        assertion_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        employee_id -> Nullable<Text>,
        repeats -> Integer,
        collapse_key -> Nullable<Text>,
    }
}

diesel::table! {
    scim_tokens (account_id) {
        account_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        previous_hash -> Nullable<Text>,
        previous_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scim_groups (id) {
        id -> Text,
        account_id -> Text,
        display_name -> Text,
        display_name_key -> Text,
        external_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scim_group_members (group_id, employee_id) {
        group_id -> Text,
        employee_id -> Text,
    }
}

diesel::table! {
    provisioning_log (id) {
        id -> Text,
        account_id -> Text,
        at -> Timestamp,
        method -> Text,
        path -> Text,
        employee_id -> Nullable<Text>,
        outcome -> Text,
        status -> Integer,
        detail -> Text,
    }
}

diesel::table! {
    password_links (id_hash) {
        id_hash -> Text,
        account_id -> Text,
        employee_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (account_id, login_key) {
        account_id -> Text,
        login_key -> Text,
        failures -> Integer,
        lockouts -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_failure_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        account_id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        redacted -> Bool,
    }
}

diesel::joinable!(employees -> accounts (account_id));
diesel::table! {
    oidc_clients (id) {
        id -> Text,
        name -> Text,
        public -> Bool,
        redirect_uris -> Text,
        post_logout_uris -> Text,
        backchannel_logout_uri -> Nullable<Text>,
        accounts -> Nullable<Text>,
        secret_hash -> Nullable<Text>,
        previous_secret_hash -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oidc_client_use (client_id, account_id) {
        client_id -> Text,
        account_id -> Text,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    oidc_keys (kid) {
        kid -> Text,
        private_pem -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_grants (id) {
        id -> Text,
        client_id -> Text,
        account_id -> Text,
        employee_id -> Text,
        sid -> Text,
        scope -> Text,
        nonce -> Nullable<Text>,
        auth_time -> Timestamp,
        method -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_codes (code_hash) {
        code_hash -> Text,
        grant_id -> Text,
        redirect_uri -> Text,
        code_challenge -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_tokens (token_hash) {
        token_hash -> Text,
        grant_id -> Text,
        kind -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oidc_logout_deliveries (id) {
        id -> Text,
        client_id -> Text,
        account_id -> Text,
        employee_id -> Text,
        sid -> Text,
        url -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_sequences (account_id) {
        account_id -> Text,
        last_seq -> BigInt,
        purged_through -> BigInt,
    }
}

diesel::table! {
    account_events (id) {
        id -> BigInt,
        event_id -> Text,
        account_id -> Text,
        seq -> Nullable<BigInt>,
        event_type -> Text,
        occurred_at -> Timestamp,
        source -> Text,
        subject_type -> Text,
        subject_id -> Text,
        data -> Text,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        client_id -> Text,
        account_id -> Text,
        url -> Text,
        secret -> Text,
        delivered_seq -> BigInt,
        claimed_until -> Nullable<Timestamp>,
        retry_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        account_id -> Text,
        event_id -> Text,
        seq -> BigInt,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        first_attempt_at -> Timestamp,
        last_attempt_at -> Timestamp,
        next_attempt_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_alerts (account_id, alert_key) {
        account_id -> Text,
        alert_key -> Text,
        raised_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        client_id -> Text,
        scope -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::joinable!(webhook_subscriptions -> oidc_clients (client_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(api_tokens -> oidc_clients (client_id));
diesel::joinable!(oidc_logout_deliveries -> oidc_clients (client_id));
diesel::joinable!(oidc_client_use -> oidc_clients (client_id));
diesel::joinable!(oidc_grants -> oidc_clients (client_id));
diesel::joinable!(oidc_grants -> employees (employee_id));
diesel::joinable!(oidc_codes -> oidc_grants (grant_id));
diesel::joinable!(oidc_tokens -> oidc_grants (grant_id));
diesel::joinable!(account_domains -> accounts (account_id));
diesel::joinable!(employee_history -> employees (employee_id));
diesel::joinable!(credentials -> employees (employee_id));
diesel::joinable!(department_approvers -> employees (employee_id));
diesel::joinable!(sessions -> employees (employee_id));
diesel::joinable!(idp_certificates -> accounts (account_id));
diesel::joinable!(entra_pins -> employees (employee_id));
diesel::joinable!(scim_group_members -> scim_groups (group_id));
diesel::joinable!(scim_group_members -> employees (employee_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    account_domains,
    account_audit,
    employees,
    credentials,
    department_approvers,
    employee_history,
    sessions,
    idp_certificates,
    saml_requests,
    saml_replay,
    entra_pins,
    login_journal,
    scim_tokens,
    scim_groups,
    scim_group_members,
    provisioning_log,
    password_links,
    login_failures,
    mail_outbox,
    oidc_clients,
    oidc_client_use,
    oidc_keys,
    oidc_grants,
    oidc_codes,
    oidc_tokens,
    oidc_logout_deliveries,
    event_sequences,
    account_events,
    webhook_subscriptions,
    webhook_deliveries,
    account_alerts,
    api_tokens,
);
