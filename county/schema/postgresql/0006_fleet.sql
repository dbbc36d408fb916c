-- The technicians' tables, as sqlite/0006_fleet.sql makes them: the same tables and columns.
CREATE TABLE device_health (
    device_id TEXT PRIMARY KEY,
    report TEXT,  -- protocol.device_health.HealthReport as JSON
    reported DOUBLE PRECISION,  -- the device's clock when it measured
    received DOUBLE PRECISION,  -- the county's clock when it arrived
    clock_offset DOUBLE PRECISION,  -- the device's clock minus the county's, in seconds
    clock_measured DOUBLE PRECISION  -- the county's clock when it was measured
);
-- the latest screenshot asked of a kiosk; the picture itself comes as an
-- event of the stream kiosk.screenshot naming the command's version
CREATE TABLE device_screenshots (
    device_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    requested DOUBLE PRECISION NOT NULL,
    requested_by TEXT NOT NULL
);
