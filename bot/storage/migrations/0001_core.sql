-- Core tables: the audit log, the ledger of handled events and per-cog state.
-- Refs are stored as "platform:id" text, times as ISO-8601 UTC text of fixed width
-- (so text order is time order), structured values as JSON text.

-- Every action the bot applied or tried to apply.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    community TEXT NOT NULL,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
    error TEXT NOT NULL DEFAULT '',
    rule TEXT,
    case_id TEXT,
    detail TEXT CHECK (detail IS NULL OR json_valid(detail))
);

-- "The latest entries of a community" is the audit log's main question.
CREATE INDEX audit_log_community_at ON audit_log (community, at);

-- Platform event ids already handled, so a redelivered event never acts twice.
CREATE TABLE event_ledger (
    community TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (community, event_id)
) WITHOUT ROWID;

-- Pruning drops old ids across all communities by time.
CREATE INDEX event_ledger_seen_at ON event_ledger (seen_at);

-- Small JSON values per community and cog: cursors, settings, counters.
CREATE TABLE cog_state (
    community TEXT NOT NULL,
    cog TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (community, cog, key)
) WITHOUT ROWID;
