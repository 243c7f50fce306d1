-- Who is on a review item, and the card moderators decide it from (issue 7).
ALTER TABLE review_items ADD COLUMN claimed_by TEXT;
ALTER TABLE review_items ADD COLUMN claimed_at TEXT;
ALTER TABLE review_items ADD COLUMN card_channel TEXT;
ALTER TABLE review_items ADD COLUMN card_message TEXT;
-- A click or a report names the member's message: find its items without a scan.
CREATE INDEX review_items_message ON review_items (community, message);
-- Per-rule figures (steward stats rules) group by rule.
CREATE INDEX review_items_rule ON review_items (community, rule);
CREATE INDEX cases_rule ON cases (community, rule);
