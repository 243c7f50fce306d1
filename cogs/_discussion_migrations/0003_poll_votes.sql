-- When a poll closes, so its summary goes out on time even after a restart.
ALTER TABLE discussion_posts ADD COLUMN closes_at TEXT;

-- Poll votes: a member's latest choice per poll (number reactions on Slack and locally).
CREATE TABLE discussion_votes (
    post_id INTEGER NOT NULL REFERENCES discussion_posts (id),
    member TEXT NOT NULL,
    answer INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (post_id, member)
);
