-- Events one bot process received for a community another process runs. Discord sends
-- DMs to shard 0 only; where several processes split the shards, the one holding shard 0
-- leaves a DM here for the process that runs its community, which takes it and deletes it.
CREATE TABLE handoffs (
    id INTEGER PRIMARY KEY,
    community TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    created_at TEXT NOT NULL,
    UNIQUE (community, event_id)
);
