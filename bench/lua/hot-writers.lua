-- Writers racing on one resource (PATH), each PUT with the newest ETag any response showed: the
-- first answer to a round wins, the others get 412 and its current tag, and try again with it.
local path = os.getenv("PATH_TO") or "/v/hot"
local etag = os.getenv("IF_MATCH") or '"v1"'
wrk.method = "PUT"
wrk.body = string.rep("x", 280) .. '{"done":true}'
wrk.headers["Content-Type"] = "application/json"
request = function()
  wrk.headers["If-Match"] = etag
  return wrk.format(nil, path)
end
response = function(status, headers, body)
  local tag = headers["etag"] or headers["ETag"]
  if tag ~= nil then etag = tag end
end
