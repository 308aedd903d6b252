-- wrk: correct logins of twenty other users in turn, each from a new address.
local n = 0

request = function()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = string.format("10.1.%d.%d", math.floor(n / 250) % 250, n % 250 + 1),
  }
  local body = string.format('{"email":"user%d@example.com","password":"correct horse battery"}', n % 20)
  return wrk.format("POST", nil, headers, body)
end
