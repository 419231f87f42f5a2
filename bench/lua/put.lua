-- Conditional PUTs of a ~300-byte body. IF_MATCH: the If-Match value; KEYS: spread the writes over
-- /items/1 … /items/KEYS (1 = one hot resource); METHOD defaults to PUT; PREFER: a Prefer value.
local if_match = os.getenv("IF_MATCH")
local keys = tonumber(os.getenv("KEYS") or "1")
wrk.method = os.getenv("METHOD") or "PUT"
wrk.body = string.rep("x", 280) .. '{"done":true}'
wrk.headers["Content-Type"] = "application/json"
if if_match ~= nil and if_match ~= "" then wrk.headers["If-Match"] = if_match end
local prefer = os.getenv("PREFER")
if prefer ~= nil and prefer ~= "" then wrk.headers["Prefer"] = prefer end
request = function()
  return wrk.format(nil, "/items/" .. math.random(1, keys))
end
