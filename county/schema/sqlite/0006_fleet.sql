-- What the technicians' pages show of each device (county/console/technician.py):
-- its latest health report (county/device_health.py), the clock offset the
-- county measured from its latest signed request, and the latest screenshot
-- asked of a kiosk. Only the latest of each: no history.
CREATE TABLE device_health (
    device_id TEXT PRIMARY KEY,
    report TEXT,  -- protocol.device_health.HealthReport as JSON
    reported REAL,  -- the device's clock when it measured
    received REAL,  -- the county's clock when it arrived
    clock_offset REAL,  -- the device's clock minus the county's, in seconds
    clock_measured REAL  -- the county's clock when it was measured
);
-- the latest screenshot asked of a kiosk; the picture itself comes as an
-- event of the stream kiosk.screenshot naming the command's version
CREATE TABLE device_screenshots (
    device_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    requested REAL NOT NULL,
    requested_by TEXT NOT NULL
);
