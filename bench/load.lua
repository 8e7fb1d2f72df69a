-- One connection per wrk thread, each on its own session (BENCH_PATHS, comma-separated), as a
-- candidate types: autosaves carry a revision that only grows, so none is stale.
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^,]+") do
  table.insert(paths, p)
end
local method = os.getenv("BENCH_METHOD") or "GET"
local count = 0

function setup(thread)
  count = count + 1
  thread:set("path", paths[((count - 1) % #paths) + 1])
end

-- Each run starts above the last one's revisions (BENCH_REVISION_BASE), so none is stale.
local revision = tonumber(os.getenv("BENCH_REVISION_BASE") or "0")

function request()
  if method == "POST" then
    revision = revision + 1
    local body = "answer=I+would+start+by+checking+the+data+pipeline&revision=" .. revision
    return wrk.format("POST", path, nil, body)
  end
  return wrk.format("GET", path)
end
