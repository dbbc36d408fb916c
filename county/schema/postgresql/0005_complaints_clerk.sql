-- The complaint handlers' and the clerks' pages, as sqlite/0005_complaints_clerk.sql
-- makes them: the same tables, keys and rules (a complaint's steps only
-- added, never to an earlier status or time; never changed or deleted).
CREATE TABLE complaint_steps (
    code TEXT NOT NULL,
    step INTEGER NOT NULL,
    status TEXT NOT NULL,
    rank INTEGER NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    day TEXT NOT NULL,
    handler TEXT NOT NULL,
    reply TEXT,
    PRIMARY KEY (code, step),
    CHECK ((status = 'received' AND rank = 1) OR (status = 'handling' AND rank = 2)
           OR (status = 'replied' AND rank = 3))
);
CREATE FUNCTION complaint_steps_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'complaint_steps: a step is never changed or deleted';
    END IF;
    -- one complaint's steps are added one at a time, whichever process adds them
    PERFORM pg_advisory_xact_lock(hashtext('complaint_steps:' || NEW.code));
    IF EXISTS (SELECT 1 FROM complaint_steps
               WHERE code = NEW.code AND (rank > NEW.rank OR at > NEW.at OR step >= NEW.step)) THEN
        RAISE EXCEPTION 'complaint_steps: a complaint never goes back to an earlier status or time';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER complaint_steps_forward BEFORE INSERT OR UPDATE OR DELETE ON complaint_steps
    FOR EACH ROW EXECUTE FUNCTION complaint_steps_forward();
CREATE TRIGGER complaint_steps_no_truncate BEFORE TRUNCATE ON complaint_steps
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_steps_forward();
CREATE TABLE catalog_drafts (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    file_name TEXT NOT NULL,
    uploaded DOUBLE PRECISION NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    published DOUBLE PRECISION
);
CREATE INDEX catalog_drafts_by_account ON catalog_drafts (account, uploaded);
