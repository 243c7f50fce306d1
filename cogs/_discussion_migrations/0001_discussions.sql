-- Discussion prompts: from the community's library file or added by moderators.
CREATE TABLE discussion_prompts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    text TEXT NOT NULL,
    topics TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL DEFAULT 'en',
    channel TEXT NOT NULL DEFAULT '',
    answers TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL CHECK (source IN ('library', 'command', 'import')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT,
    retired_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (community, text)
);

-- One row per schedule slot. The unique key is what makes posting idempotent: whoever
-- inserts the slot's row posts it; a restart or a second process finds it taken.
CREATE TABLE discussion_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    schedule TEXT NOT NULL,
    slot_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'skipped', 'failed')),
    prompt_id INTEGER REFERENCES discussion_prompts (id),
    channel TEXT,
    message TEXT,
    thread TEXT,
    posted_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (community, schedule, slot_at)
);
CREATE INDEX discussion_posts_prompt ON discussion_posts (prompt_id);

-- Replies and reactions to posted prompts, one row per reply or per member's reaction.
CREATE TABLE discussion_activity (
    post_id INTEGER NOT NULL REFERENCES discussion_posts (id),
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'reaction')),
    member TEXT NOT NULL,
    item TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (post_id, kind, member, item)
);
