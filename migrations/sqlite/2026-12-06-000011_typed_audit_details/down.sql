-- The details stay JSON: a release before typed details shows them as text, which
-- loses nothing. Only the challenge column goes.
ALTER TABLE two_factor_challenges DROP COLUMN first_factor;
