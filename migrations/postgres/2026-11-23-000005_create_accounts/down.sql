DROP TABLE social_sign_ins;
DROP TABLE accounts;
