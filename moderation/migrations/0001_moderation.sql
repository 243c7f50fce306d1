-- Cases: every action Steward or a moderator takes, with its evidence.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    number INTEGER NOT NULL,
    member TEXT NOT NULL,
    member_name TEXT NOT NULL DEFAULT '',
    rule TEXT,
    severity TEXT,
    actions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(actions)),
    actor TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(evidence)),
    message TEXT,
    channel TEXT,
    points INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'pardoned', 'appealed', 'overturned', 'shadow', 'review')),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    UNIQUE (community, number)
);
CREATE INDEX cases_member ON cases (community, member, created_at);

-- Notes are appended, never overwritten.
CREATE TABLE case_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id);

-- Each platform action of a case and how it went; pending ones are retried after a crash.
CREATE TABLE case_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'failed', 'handed_off')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (case_id, position)
);
CREATE INDEX case_actions_pending ON case_actions (status) WHERE status = 'pending';

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    member TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'reduced', 'overturned')),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    decision TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX appeals_one_open ON appeals (case_id) WHERE status = 'open';

-- What moderators should look at; the hand-off queue builds on this.
CREATE TABLE review_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    case_id INTEGER REFERENCES cases (id),
    source TEXT NOT NULL,
    member TEXT,
    message TEXT,
    channel TEXT,
    rule TEXT,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(evidence)),
    priority INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'decided', 'expired')),
    created_at TEXT NOT NULL
);
CREATE INDEX review_items_open ON review_items (community, status, priority);

-- Actions due later (a tempban's end, a raid slowmode's end); they survive restarts.
CREATE TABLE scheduled_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    case_id INTEGER REFERENCES cases (id),
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    due_at TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))
);
CREATE INDEX scheduled_actions_due ON scheduled_actions (done, due_at);

-- Rules a moderator put in shadow mode at run time (policy shadow RULE).
CREATE TABLE shadowed_rules (
    community TEXT NOT NULL,
    rule TEXT NOT NULL,
    since TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (community, rule)
);
