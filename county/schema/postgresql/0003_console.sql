-- The county console, as sqlite/0003_console.sql makes it: the same tables,
-- columns, keys and indexes; the audit trail refused UPDATE, DELETE and
-- TRUNCATE by triggers.
CREATE TABLE console_accounts (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    villages TEXT NOT NULL,
    level TEXT,
    seals TEXT NOT NULL,
    custodian_of TEXT NOT NULL,
    disabled DOUBLE PRECISION,
    created DOUBLE PRECISION NOT NULL,
    changed DOUBLE PRECISION NOT NULL
);
CREATE TABLE console_sessions (
    token_sha256 TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    csrf TEXT NOT NULL,
    address TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    last_seen DOUBLE PRECISION NOT NULL
);
CREATE INDEX console_sessions_by_account ON console_sessions (account);
CREATE TABLE console_login_attempts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    ok INTEGER NOT NULL
);
CREATE INDEX console_attempts_by_account ON console_login_attempts (account, at);
CREATE INDEX console_attempts_by_address ON console_login_attempts (address, at);
CREATE TABLE console_audit (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    address TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX console_audit_by_object ON console_audit (object, seq);
CREATE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: a row is never changed or deleted';
END;
$$;
CREATE TRIGGER console_audit_no_update BEFORE UPDATE OR DELETE ON console_audit
    FOR EACH ROW EXECUTE FUNCTION console_audit_append_only();
CREATE TRIGGER console_audit_no_truncate BEFORE TRUNCATE ON console_audit
    FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only();
CREATE TABLE console_approval_levels (
    device_id TEXT NOT NULL,
    req TEXT NOT NULL,
    step INTEGER NOT NULL,
    level TEXT NOT NULL,
    approver TEXT NOT NULL,
    amount BIGINT,
    uses INTEGER NOT NULL,
    minutes DOUBLE PRECISION NOT NULL,
    decided DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (device_id, req, step)
);
