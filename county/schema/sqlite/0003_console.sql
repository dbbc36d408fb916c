-- The county console (county/console/): its accounts, their sessions, the
-- login attempts that rate-limit them, the audit trail, and the levels of a
-- multi-level approval. Lists (roles, villages, seals, stations) are JSON text.
CREATE TABLE console_accounts (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    villages TEXT NOT NULL,
    level TEXT,
    seals TEXT NOT NULL,
    custodian_of TEXT NOT NULL,
    disabled REAL,
    created REAL NOT NULL,
    changed REAL NOT NULL
);
-- a session is known by the sha256 of its cookie's token: the table never
-- holds a token that would let a reader of a backup log in
CREATE TABLE console_sessions (
    token_sha256 TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    csrf TEXT NOT NULL,
    address TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE INDEX console_sessions_by_account ON console_sessions (account);
CREATE TABLE console_login_attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at REAL NOT NULL,
    ok INTEGER NOT NULL
);
CREATE INDEX console_attempts_by_account ON console_login_attempts (account, at);
CREATE INDEX console_attempts_by_address ON console_login_attempts (address, at);
-- append-only: who did what, when, from where, on what
CREATE TABLE console_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    address TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX console_audit_by_object ON console_audit (object, seq);
CREATE TRIGGER console_audit_no_update BEFORE UPDATE ON console_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: a row is never changed');
END;
CREATE TRIGGER console_audit_no_delete BEFORE DELETE ON console_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: a row is never deleted');
END;
-- the levels of a request's approval so far (village, then township...):
-- one row per level, the key is what makes a level decide once
CREATE TABLE console_approval_levels (
    device_id TEXT NOT NULL,
    req TEXT NOT NULL,
    step INTEGER NOT NULL,
    level TEXT NOT NULL,
    approver TEXT NOT NULL,
    amount INTEGER,
    uses INTEGER NOT NULL,
    minutes REAL NOT NULL,
    decided REAL NOT NULL,
    PRIMARY KEY (device_id, req, step)
);
