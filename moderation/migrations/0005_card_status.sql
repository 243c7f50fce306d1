-- What a review item's card says of where the item stands (open, claimed by someone,
-- escalated by someone), so that news about the item shown on its card later (someone at
-- risk who wrote again) keeps that line as it was.
ALTER TABLE review_items ADD COLUMN card_status TEXT NOT NULL DEFAULT '';
