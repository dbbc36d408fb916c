-- The complaint handlers' and the clerks' pages (county/console/complaints.py,
-- county/console/clerk.py).
--
-- complaint_steps: every status a complaint (or whistle-blower report) has
-- reached, with the reply the villager sees at the kiosk. Rows are only
-- added; a new row never names an earlier status (rank) nor an earlier
-- time than the complaint's rows before it: the history only moves forward.
CREATE TABLE complaint_steps (
    code TEXT NOT NULL,
    step INTEGER NOT NULL,
    status TEXT NOT NULL,
    rank INTEGER NOT NULL,
    at REAL NOT NULL,
    day TEXT NOT NULL,
    handler TEXT NOT NULL,
    reply TEXT,
    PRIMARY KEY (code, step),
    CHECK ((status = 'received' AND rank = 1) OR (status = 'handling' AND rank = 2)
           OR (status = 'replied' AND rank = 3))
);
CREATE TRIGGER complaint_steps_forward BEFORE INSERT ON complaint_steps
WHEN EXISTS (SELECT 1 FROM complaint_steps
             WHERE code = NEW.code AND (rank > NEW.rank OR at > NEW.at OR step >= NEW.step))
BEGIN
    SELECT RAISE(ABORT, 'complaint_steps: a complaint never goes back to an earlier status or time');
END;
CREATE TRIGGER complaint_steps_no_update BEFORE UPDATE ON complaint_steps
BEGIN
    SELECT RAISE(ABORT, 'complaint_steps: a step is never changed');
END;
CREATE TRIGGER complaint_steps_no_delete BEFORE DELETE ON complaint_steps
BEGIN
    SELECT RAISE(ABORT, 'complaint_steps: a step is never deleted');
END;
-- catalog_drafts: a catalog a clerk uploaded and the county checked, kept
-- until it is published (the preview's "publish" names it by its id)
CREATE TABLE catalog_drafts (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    file_name TEXT NOT NULL,
    uploaded REAL NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    published REAL
);
CREATE INDEX catalog_drafts_by_account ON catalog_drafts (account, uploaded);
