-- One connection per wrk thread, each on its own path (BENCH_PATHS, comma-separated), as a
-- candidate types: each thread is one page (its own writer id), so every save continues its own
-- last revision and is applied, as when a page keeps typing.
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^,]+") do
  table.insert(paths, p)
end
local method = os.getenv("BENCH_METHOD") or "GET"
local run = os.getenv("BENCH_RUN") or "0"
local count = 0

function setup(thread)
  count = count + 1
  thread:set("path", paths[((count - 1) % #paths) + 1])
  thread:set("writer", "wrk-" .. run .. "-" .. count)
end

function request()
  if method == "POST" then
    local body = "answer=I+would+start+by+checking+the+data+pipeline&base=0&writer=" .. writer
    return wrk.format("POST", path, nil, body)
  end
  return wrk.format("GET", path)
end

-- wrk's --latency table has no 95th percentile: print it (microseconds) for the benchmark.
function done(summary, latency, requests)
  io.write(string.format("P95_US %d\n", latency:percentile(95)))
end
