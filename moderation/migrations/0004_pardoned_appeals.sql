-- A pardon settles the appeal waiting on its case: appeals may end "pardoned". SQLite
-- cannot change a CHECK constraint in place, so the table is copied into a new one.
-- Nothing refers to appeals by foreign key; its rows keep their ids.
CREATE TABLE appeals_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    member TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('open', 'upheld', 'reduced', 'overturned', 'pardoned')),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    decision TEXT NOT NULL DEFAULT ''
);
INSERT INTO appeals_new (id, case_id, member, reason, status, created_at, decided_at,
    decided_by, decision)
SELECT id, case_id, member, reason, status, created_at, decided_at, decided_by, decision
FROM appeals;
DROP TABLE appeals;
ALTER TABLE appeals_new RENAME TO appeals;
CREATE UNIQUE INDEX appeals_one_open ON appeals (case_id) WHERE status = 'open';
