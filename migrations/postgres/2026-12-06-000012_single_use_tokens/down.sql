-- Tokens made since the upgrade are lost: their holders ask again.
DROP TABLE single_use_tokens;
