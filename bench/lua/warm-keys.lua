-- GETs of /items/1 … /items/KEYS in turn, round and round: run with -t1 (one Lua state, one
-- counter) for long enough to send KEYS requests, and every key has been read once.
local keys = tonumber(os.getenv("KEYS") or "1")
local i = 0
request = function()
  i = i % keys + 1
  return wrk.format(nil, "/items/" .. i)
end
