-- The supervisors' alerts (county/console/alerts.py): each alert is a fact
-- the county holds (an alarm a station sent, a record of its ledger, a stamp
-- photo that differs from the approved document, a device silent too long),
-- noticed once under a key that names the fact, so it is never raised twice
-- and never lost; and the steps it took (acknowledged, closed), which only
-- go forward. Both tables only take new rows: triggers refuse UPDATE and DELETE.
CREATE TABLE console_alerts (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    device_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    happened REAL NOT NULL,
    noticed REAL NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX console_alerts_by_village ON console_alerts (village_code, happened);
CREATE INDEX console_alerts_by_device ON console_alerts (device_id, happened);
CREATE TABLE console_alert_steps (
    alert TEXT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('acknowledged', 'closed')),
    actor TEXT NOT NULL,
    at REAL NOT NULL,
    address TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (alert, step)
);
CREATE TRIGGER console_alerts_no_update BEFORE UPDATE ON console_alerts
BEGIN
    SELECT RAISE(ABORT, 'an alert is never changed: a new fact is a new alert');
END;
CREATE TRIGGER console_alerts_no_delete BEFORE DELETE ON console_alerts
BEGIN
    SELECT RAISE(ABORT, 'an alert is never deleted');
END;
CREATE TRIGGER console_alert_steps_no_update BEFORE UPDATE ON console_alert_steps
BEGIN
    SELECT RAISE(ABORT, 'an alert only moves forward: a step is never changed');
END;
CREATE TRIGGER console_alert_steps_no_delete BEFORE DELETE ON console_alert_steps
BEGIN
    SELECT RAISE(ABORT, 'an alert only moves forward: a step is never deleted');
END;
