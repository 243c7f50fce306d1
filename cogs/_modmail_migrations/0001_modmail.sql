-- A member's private conversation with the moderators, held in a staff thread. The
-- thread may live in another community's staff space, so it is looked up by its ref alone.
CREATE TABLE modmail_conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    member TEXT NOT NULL,
    member_name TEXT NOT NULL,
    thread TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    close_reason TEXT NOT NULL DEFAULT ''
);
-- One open conversation per member and community at a time.
CREATE UNIQUE INDEX modmail_one_open ON modmail_conversations (community, member)
    WHERE status = 'open';
CREATE INDEX modmail_thread ON modmail_conversations (thread);

-- The transcript: every message in and out, in order.
CREATE TABLE modmail_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES modmail_conversations (id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out', 'note')),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX modmail_messages_conversation ON modmail_messages (conversation_id, id);
