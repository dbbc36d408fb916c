-- The supervisors' alerts, as sqlite/0004_supervision.sql makes them: the
-- same tables, columns, keys and indexes; UPDATE, DELETE and TRUNCATE
-- refused by triggers.
CREATE TABLE console_alerts (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    device_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    happened DOUBLE PRECISION NOT NULL,
    noticed DOUBLE PRECISION NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX console_alerts_by_village ON console_alerts (village_code, happened);
CREATE INDEX console_alerts_by_device ON console_alerts (device_id, happened);
CREATE TABLE console_alert_steps (
    alert TEXT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('acknowledged', 'closed')),
    actor TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    address TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (alert, step)
);
CREATE FUNCTION console_alerts_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an alert and its steps only move forward: a row is never changed or deleted';
END;
$$;
CREATE TRIGGER console_alerts_no_update BEFORE UPDATE OR DELETE ON console_alerts
    FOR EACH ROW EXECUTE FUNCTION console_alerts_forward_only();
CREATE TRIGGER console_alerts_no_truncate BEFORE TRUNCATE ON console_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION console_alerts_forward_only();
CREATE TRIGGER console_alert_steps_no_update BEFORE UPDATE OR DELETE ON console_alert_steps
    FOR EACH ROW EXECUTE FUNCTION console_alerts_forward_only();
CREATE TRIGGER console_alert_steps_no_truncate BEFORE TRUNCATE ON console_alert_steps
    FOR EACH STATEMENT EXECUTE FUNCTION console_alerts_forward_only();
