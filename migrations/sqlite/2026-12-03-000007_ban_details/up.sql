-- A ban is a disabled account with details: until when (NULL: until an operator
-- enables it; past: lifted), the reason's code (shown to the user: spam, abuse,
-- fraud, terms, security, other) and the operator's note (shown to operators only).
ALTER TABLE users ADD COLUMN disabled_until TIMESTAMP;
ALTER TABLE users ADD COLUMN disabled_reason TEXT;
ALTER TABLE users ADD COLUMN disabled_note TEXT;
