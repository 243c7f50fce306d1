-- Credits towards the weekly highlight: a thank-you reply or a reaction a member's message
-- drew from someone else, counted once per giver and item.
CREATE TABLE discussion_credits (
    community TEXT NOT NULL,
    member TEXT NOT NULL,
    member_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('thanks', 'reaction')),
    item TEXT NOT NULL,
    giver TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (community, kind, item, giver)
);
CREATE INDEX discussion_credits_at ON discussion_credits (community, at);
