-- The county's tables as the first county servers made them: on a database
-- from before versioned migrations (which has them all) this changes nothing.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    role TEXT NOT NULL,
    village_code TEXT NOT NULL,
    enrolled REAL NOT NULL,
    last_seen REAL,
    backlog INTEGER,
    backlog_reported REAL
);
CREATE TABLE IF NOT EXISTS enroll_codes (
    code_sha256 TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL,
    revoked REAL,
    used REAL,
    used_key TEXT
);
CREATE TABLE IF NOT EXISTS nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen REAL NOT NULL,
    PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (seen);
-- an event is stored once per (device, event id): the key is what makes a
-- batch sent again harmless
CREATE TABLE IF NOT EXISTS events (
    device_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    created REAL NOT NULL,
    payload TEXT NOT NULL,
    received REAL NOT NULL,
    PRIMARY KEY (device_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_by_stream ON events (device_id, stream);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    audience TEXT NOT NULL,
    wire TEXT NOT NULL,
    published REAL NOT NULL,
    UNIQUE (kind, name, version)
);
CREATE INDEX IF NOT EXISTS documents_by_audience ON documents (audience, seq);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    updated REAL NOT NULL
);
-- one answer per seal request, a request being (station, request id): the
-- key is what makes a second approval of one request impossible
CREATE TABLE IF NOT EXISTS seal_answers (
    device_id TEXT NOT NULL,
    req TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('approved', 'refused')),
    answer_id TEXT NOT NULL UNIQUE,
    slot TEXT NOT NULL,
    uses INTEGER,
    expires REAL,
    approver TEXT NOT NULL,
    reason TEXT,
    token TEXT,
    answered REAL NOT NULL,
    published REAL,
    PRIMARY KEY (device_id, req)
);
