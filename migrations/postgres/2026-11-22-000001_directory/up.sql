-- Directory: accounts (companies), their employees, roles, history and browser sessions.
-- Ids are UUID text made in Rust; times are UTC set from Rust. The *_key columns hold the
-- normalised (case-folded) login name and email: NULL once a person is released, so a plain
-- unique index gives case-insensitive uniqueness among people who are not released.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sso_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    nameid_mode TEXT NOT NULL DEFAULT 'upn',
    idp_initiated BOOLEAN NOT NULL DEFAULT TRUE,
    idp_entity_id TEXT,
    idp_sso_url TEXT,
    clock_skew_secs INTEGER NOT NULL DEFAULT 180,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE employees (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT,
    entra_object_id TEXT,
    user_name TEXT NOT NULL,
    user_name_key TEXT,
    email TEXT NOT NULL,
    email_key TEXT,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    job_title TEXT,
    department TEXT,
    mobile_phone TEXT,
    work_phone TEXT,
    country TEXT,
    employment_date DATE,
    payroll_number TEXT,
    employee_number TEXT,
    subsidiary TEXT,
    manager_ref TEXT,
    approver_id TEXT REFERENCES employees(id) ON DELETE SET NULL,
    active BOOLEAN NOT NULL,
    termination_date DATE,
    federated BOOLEAN NOT NULL DEFAULT FALSE,
    defederated BOOLEAN NOT NULL DEFAULT FALSE,
    released_at TIMESTAMP,
    is_setup_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_approver BOOLEAN NOT NULL DEFAULT FALSE,
    approves_self BOOLEAN NOT NULL DEFAULT FALSE,
    only_selected_approver BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX employees_user_name_key ON employees (account_id, user_name_key);
CREATE UNIQUE INDEX employees_email_key ON employees (account_id, email_key);
CREATE INDEX employees_external_id ON employees (account_id, external_id);
CREATE INDEX employees_entra_object_id ON employees (account_id, entra_object_id);
CREATE INDEX employees_manager_ref ON employees (account_id, manager_ref);
CREATE INDEX employees_approver ON employees (approver_id);

-- Kept apart from master data so no listing or export ever selects a secret.
CREATE TABLE credentials (
    employee_id TEXT PRIMARY KEY NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE department_approvers (
    employee_id TEXT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    department TEXT NOT NULL,
    PRIMARY KEY (employee_id, department)
);

CREATE TABLE employee_history (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    employee_id TEXT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX employee_history_employee ON employee_history (employee_id, at);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    employee_id TEXT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_employee ON sessions (employee_id);
