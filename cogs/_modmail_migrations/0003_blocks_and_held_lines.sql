-- Members the moderators no longer hear from, by the staff space that blocked them (one
-- staff team serving several communities blocks a member in all of them). A block with no
-- end lasts until it is lifted; `told` says the member has been told once, so that a
-- blocked member's every message does not earn a reply.
CREATE TABLE modmail_blocks (
    space TEXT NOT NULL,
    member TEXT NOT NULL,
    member_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    blocked_by TEXT NOT NULL,
    blocked_at TEXT NOT NULL,
    until TEXT,
    told INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space, member)
);
-- A member's line kept in the transcript but not yet posted in the staff thread, because
-- they wrote faster than the thread is fed; posted together once the minute is over.
ALTER TABLE modmail_messages ADD COLUMN relayed INTEGER NOT NULL DEFAULT 1;
CREATE INDEX modmail_messages_held ON modmail_messages (conversation_id) WHERE relayed = 0;
