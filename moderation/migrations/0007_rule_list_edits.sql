-- Entries moderators added to or took out of a rule's lists at run time (/policy words),
-- laid over the policy file each time it loads. One row per entry: its latest edit.
CREATE TABLE rule_list_edits (
    community TEXT NOT NULL,
    rule TEXT NOT NULL,
    list TEXT NOT NULL,
    entry TEXT NOT NULL,      -- as typed; compared without regard to case
    entry_key TEXT NOT NULL,  -- the entry casefolded, so one entry has one row
    added INTEGER NOT NULL,   -- 1: added, 0: taken out
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (community, rule, list, entry_key)
);
