DROP TABLE management_keys;
