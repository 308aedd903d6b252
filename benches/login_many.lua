-- wrk: correct logins spread over 64 accounts (load0..load63@example.com) in turn.
-- One account is logged in at most once at a time (an account's logins take turns
-- for its password hash, so one account on every connection measured refusals, not
-- logins): with wrk -t1 and up to 32 connections, an account comes round again only
-- after 63 other requests were sent.
local n = 0

request = function()
  n = n + 1
  local body = string.format('{"email":"load%d@example.com","password":"correct horse battery"}', n % 64)
  return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
end
