"""A check of our own beside schemathesis's: a request the document says is valid is
never refused for its shape.

Schemathesis's `positive_data_acceptance` treats every 400 as a refusal, but many of
this API's 400s are the contract's answers to well-formed requests (a reset token
that does not exist is INVALID_TOKEN, an address with an account is EMAIL_TAKEN), so
the run's configuration accepts 400 there and this check looks at the error code
instead: VALIDATION_ERROR, INVALID_REQUEST (not JSON), UNSUPPORTED_MEDIA_TYPE and
PAYLOAD_TOO_LARGE on schema-valid data mean the document is looser than validation.
"""

import json

import schemathesis

REFUSED_FOR_ITS_SHAPE = {
    "VALIDATION_ERROR",
    "INVALID_REQUEST",
    "UNSUPPORTED_MEDIA_TYPE",
    "PAYLOAD_TOO_LARGE",
}

# The contract's own VALIDATION_ERRORs for a request of the right shape in the wrong
# state: `/two-factor/enable` without a set-up waiting ("400 VALIDATION_ERROR without
# a pending setup"); removing the last operator (the management API's "never the last
# operator"); a ban's end that the clock has passed. Nothing else is excused.
LAST_OPERATOR = "is the last operator: the panel would have none"
STATE_ERRORS = {
    ("/api/v1/auth/two-factor/enable", "no set-up is waiting: call /two-factor/setup first"),
    ("/api/v1/admin/users/{id}", LAST_OPERATOR),
    ("/api/v1/admin/users/{id}", "would demote the last operator: the panel would have none"),
    ("/api/v1/admin/users/{id}/ban", LAST_OPERATOR),
    ("/api/v1/admin/users/{id}/ban", "is not in the future"),
}


# Refusals the document cannot express: a webhook URL and a profile picture's address
# are parsed by the WHATWG URL grammar (the `url` crate), which no JSON Schema pattern
# spells; the document says `^https?://` or `^https://` (not `format: uri`: the grammar
# takes non-ASCII hosts, which a URI may not hold), and these answers name what else
# is wrong.
GRAMMAR_ERRORS = {
    ("/api/v1/admin/webhooks", "url", "is not an absolute http(s) URL"),
    ("/api/v1/admin/webhooks", "url", "may not carry a user name or password"),
    ("/api/v1/user/profile", "image", "must be an https:// URL"),
    ("/api/v1/user/profile", "image", "must not contain credentials"),
}


@schemathesis.check
def schema_valid_requests_pass_validation(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code < 400 or response.status_code >= 500:
        return None
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return None
    code = error.get("code")
    fields = (error.get("details") or {}).get("fields") or {}
    if code == "VALIDATION_ERROR" and fields and all(
        (case.operation.path, problem) in STATE_ERRORS
        or (case.operation.path, field, problem) in GRAMMAR_ERRORS
        for field, problem in fields.items()
    ):
        return None
    if code in REFUSED_FOR_ITS_SHAPE:
        raise AssertionError(
            f"a schema-valid request was refused with {code}: "
            f"{json.dumps(error.get('details'), ensure_ascii=False)}"
        )
    return None
