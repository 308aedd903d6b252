-- wrk: PATCH /api/v1/admin/users/{id} with a management key, alternating the name so
-- that every call changes something (and commits a user.updated event).
-- Env: BENCH_KEY (the key), BENCH_USER (the user id).
local key = os.getenv("BENCH_KEY")
local user = os.getenv("BENCH_USER")
local n = 0
request = function()
  n = n + 1
  local body = '{"name":"bench ' .. (n % 2) .. '"}'
  return wrk.format("PATCH", "/api/v1/admin/users/" .. user, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }, body)
end
