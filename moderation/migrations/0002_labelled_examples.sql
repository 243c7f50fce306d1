-- Who decided a review item, when, and what they found; issue 7's queue builds on these.
ALTER TABLE review_items ADD COLUMN decided_at TEXT;
ALTER TABLE review_items ADD COLUMN decided_by TEXT;
ALTER TABLE review_items ADD COLUMN outcome TEXT CHECK (outcome IN ('violation', 'ok'));
ALTER TABLE review_items ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE INDEX review_items_case ON review_items (case_id);

-- Moderators' decisions on messages, kept as labelled examples that steward train learns from.
CREATE TABLE labelled_examples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    violation INTEGER NOT NULL CHECK (violation IN (0, 1)),
    source TEXT NOT NULL CHECK (source IN ('review', 'appeal')),
    rule TEXT,
    case_id INTEGER REFERENCES cases (id),
    review_item_id INTEGER REFERENCES review_items (id),
    decided_by TEXT NOT NULL,
    language TEXT,
    at TEXT NOT NULL
);
CREATE INDEX labelled_examples_community ON labelled_examples (community, at);
CREATE INDEX labelled_examples_at ON labelled_examples (at);
-- A review item is decided once, so it makes at most one example.
CREATE UNIQUE INDEX labelled_examples_one_per_item ON labelled_examples (review_item_id)
    WHERE review_item_id IS NOT NULL;
