-- The details stay JSON: a release before typed details shows them as text, which
-- loses nothing.
SELECT 1;
