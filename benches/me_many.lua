-- wrk: GET /api/v1/auth/me with the session cookies listed one a line in the file
-- $SESSION_COOKIES, in turn: each request names another session (as many users'
-- browsers would), not one session on every connection.
local cookies = {}
for line in io.lines(os.getenv("SESSION_COOKIES")) do
  cookies[#cookies + 1] = "access_token=" .. line
end
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/auth/me", { ["Cookie"] = cookies[n % #cookies + 1] })
end
