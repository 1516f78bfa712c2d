-- wrk script for `make loadtest`: the threads walk the benchmark's request mix in order (one URL
-- path per line in the file named by $LOADTEST_PATHS, or "kind<TAB>path"), each from its own share
-- of the list ($LOADTEST_THREADS of them), so no thread replays another's requests; the summary is
-- printed as one JSON line with the percentiles wrk's own report leaves out (p95).

local paths = {}
local counter = 0
local threads = {}

local function read_paths()
  local file = assert(io.open(os.getenv("LOADTEST_PATHS"), "r"), "cannot read $LOADTEST_PATHS")
  for line in file:lines() do
    local path = line:match("\t(.*)$") or line
    if #path > 0 then paths[#paths + 1] = path end
  end
  file:close()
  assert(#paths > 0, "no paths in $LOADTEST_PATHS")
end

function setup(thread)
  thread:set("index", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  read_paths()
  local count = tonumber(os.getenv("LOADTEST_THREADS") or "1")
  counter = math.floor((index or 0) * #paths / count)
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "duration_s": %.2f, "requests_per_s": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
