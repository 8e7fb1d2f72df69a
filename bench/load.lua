-- One connection per wrk thread, each on its own path (BENCH_PATHS, comma-separated), as a
-- candidate types: each thread is one page (its own writer id, the same in every run), whose
-- text changes with every save and which sends, as its base, the revision the server returned
-- for its last save, as the page's script does. So every save is the happy path, applied by the
-- compare-and-swap in one statement. (Until 2 December 2026 each run had a new writer id and
-- always sent base 0: after the first run no save matched, and each took the slower path that
-- answers a retry of a save already applied.)
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^,]+") do
  table.insert(paths, p)
end
local method = os.getenv("BENCH_METHOD") or "GET"
local count = 0
local base = 0
local typed = 0

function setup(thread)
  count = count + 1
  thread:set("path", paths[((count - 1) % #paths) + 1])
  thread:set("writer", "wrk-" .. count)
end

function request()
  if method == "POST" then
    typed = typed + 1
    local body = "answer=I+would+start+by+checking+the+data+pipeline+" .. typed
      .. "&base=" .. base .. "&writer=" .. writer
    return wrk.format("POST", path, nil, body)
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  local revision = body:match('"revision": (%d+)')
  if revision then
    base = revision
  end
end

-- wrk's --latency table has no 95th percentile: print it (microseconds) for the benchmark.
function done(summary, latency, requests)
  io.write(string.format("P95_US %d\n", latency:percentile(95)))
end
