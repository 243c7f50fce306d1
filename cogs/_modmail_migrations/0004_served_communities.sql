-- Which staff space holds each community's modmail (itself, or another community's), so
-- other cogs can tell whether a member writing privately to a community is blocked there.
CREATE TABLE modmail_served (
    community TEXT PRIMARY KEY,
    space TEXT NOT NULL
);
