-- The picture a case's member showed (the platform's hash of it), so that a banned member
-- who comes back under another name with the same picture is recognised (ban evasion).
ALTER TABLE cases ADD COLUMN member_avatar TEXT NOT NULL DEFAULT '';
