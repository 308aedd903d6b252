-- Audit details become the JSON of typed events (`AuditEvent`): each free-text format
-- written so far is converted to its event's fields. Text that fits no known format
-- is kept whole as {"note": ...}, so nothing is lost; the panel shows such an entry's
-- details as they are.

UPDATE audit_log SET details = (CASE
    WHEN details IS NULL THEN json_build_object('method', 'password')
    WHEN details = 'second factor: totp' THEN json_build_object('method', 'password+totp')
    WHEN details = 'second factor: recovery_code' THEN json_build_object('method', 'password+recovery_code')
    WHEN details LIKE 'passkey: %' THEN json_build_object('method', 'passkey', 'passkey_name', substr(details, 10))
    WHEN details = 'email verified' THEN json_build_object('method', 'email_link')
    WHEN details = 'password reset' THEN json_build_object('method', 'password_reset')
    WHEN details LIKE 'provider=%' THEN json_build_object('method', 'provider:' || substr(details, 10))
    ELSE json_build_object('note', details)
END)::text
WHERE action = 'user.login';

UPDATE audit_log SET details = (CASE
    WHEN details IS NULL THEN json_build_object('method', 'password')
    WHEN details LIKE 'provider=%' THEN json_build_object('method', 'provider:' || substr(details, 10))
    ELSE json_build_object('note', details)
END)::text
WHERE action IN ('user.signup', 'user.token_issued');

UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'provider=%' THEN json_build_object('provider', substr(details, 10))
    ELSE json_build_object('note', details)
END)::text
WHERE action IN ('user.account_linked', 'user.account_unlinked') AND details IS NOT NULL;

-- `provider=google removed=password,2 sessions`: the provider is typed, what was
-- removed stays as it was written.
UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'provider=% %' THEN json_build_object(
        'provider', substr(details, 10, strpos(details, ' ') - 10),
        'note', substr(details, strpos(details, ' ') + 1))
    ELSE json_build_object('note', details)
END)::text
WHERE action = 'user.account_reclaimed' AND details IS NOT NULL;

UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'step=% method=%' THEN json_build_object(
        'step', replace(substr(details, 6, strpos(details, ' ') - 6), '-', '_'),
        'factor', substr(details, strpos(details, ' method=') + 8))
    ELSE json_build_object('note', details)
END)::text
WHERE action = 'user.second_factor_failed' AND details IS NOT NULL;

UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'passkey=%' THEN json_build_object('passkey', substr(details, 9))
    ELSE json_build_object('note', details)
END)::text
WHERE action IN ('user.passkey_added', 'user.passkey_renamed', 'user.passkey_counter_regressed')
  AND details IS NOT NULL;

UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'passkey=% name=%' THEN json_build_object('removal', json_build_object(
        'passkey', substr(details, 9, strpos(details, ' name=') - 9),
        'name', substr(details, strpos(details, ' name=') + 6)))
    WHEN details LIKE 'passkey=%' THEN json_build_object('removal', json_build_object('passkey', substr(details, 9)))
    ELSE json_build_object('note', details)
END)::text
WHERE action IN ('user.passkey_removed', 'admin.passkey_deleted') AND details IS NOT NULL;

UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'reason=% until=%' THEN json_build_object(
        'reason', substr(details, 8, strpos(details, ' until=') - 8),
        'until', replace(substr(details, strpos(details, ' until=') + 7), '+00:00', 'Z'))
    WHEN details LIKE 'reason=%' THEN json_build_object('reason', substr(details, 8))
    ELSE json_build_object('note', details)
END)::text
WHERE action = 'admin.user_disabled' AND details IS NOT NULL;

UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'role=%' THEN json_build_object('role', substr(details, 6))
    ELSE json_build_object('note', details)
END)::text
WHERE action IN ('admin.role_changed', 'admin.user_created') AND details IS NOT NULL;

UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'email=%' THEN json_build_object('email', substr(details, 7))
    ELSE json_build_object('note', details)
END)::text
WHERE action = 'user.ban_ended' AND details IS NOT NULL;

-- `from=<rfc3339> to=<rfc3339> action=<prefix> rows=<n>`; times written as UTC (`Z`),
-- as the typed events write them.
UPDATE audit_log SET details = (CASE
    WHEN details LIKE 'from=% to=% action=% rows=%' THEN json_build_object(
        'from', replace(substr(details, 6, strpos(details, ' to=') - 6), '+00:00', 'Z'),
        'to', replace(substr(details, strpos(details, ' to=') + 4,
                     strpos(details, ' action=') - strpos(details, ' to=') - 4), '+00:00', 'Z'),
        'action', substr(details, strpos(details, ' action=') + 8,
                         strpos(details, ' rows=') - strpos(details, ' action=') - 8),
        'rows', CAST(substr(details, strpos(details, ' rows=') + 6) AS BIGINT))
    ELSE json_build_object('note', details)
END)::text
WHERE action = 'admin.audit_exported' AND details IS NOT NULL;

-- Anything else not JSON yet (the bootstrap's entries already are).
UPDATE audit_log SET details = json_build_object('note', details)::text
WHERE details IS NOT NULL AND details NOT LIKE '{%';
