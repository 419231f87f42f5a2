-- GETs spread over /items/1 … /items/KEYS.
local keys = tonumber(os.getenv("KEYS") or "1")
request = function()
  return wrk.format(nil, "/items/" .. math.random(1, keys))
end
