-- Constant-rate load for bench/load/rate.ts: wrk -s wrk-rate.lua <url> -- <requests/s per thread>
--
-- Pacing: each thread keeps a schedule of send slots (slot n at start + n / rate) and every
-- delay() call (made before each request of any of the thread's connections) takes the next one.
-- A connection still waiting for its answer takes no slot, so slow answers don't lower the rate
-- as long as a connection is free; when none is, the late slots are sent as soon as one is.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clk_id, timespec *tp);
]]
local ts = ffi.new("timespec")
local function nowMs()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state); read by done() through thread:get().
intervalMs = 0
started = nil
slots = 0
ok = 0
statuses = {} -- non-2xx status → count
versions = {} -- X-App-Version of the 2xx answers → count

function init(args)
  intervalMs = 1000 / tonumber(args[1])
end

function delay()
  local now = nowMs()
  started = started or now
  local at = started + slots * intervalMs
  slots = slots + 1
  return math.max(0, math.floor(at - now + 0.5))
end

function response(status, headers)
  if status >= 200 and status < 300 then
    ok = ok + 1
    local v = headers["X-App-Version"] or headers["x-app-version"] or "none"
    versions[v] = (versions[v] or 0) + 1
  else
    statuses[status] = (statuses[status] or 0) + 1
  end
end

local function add(into, from)
  for k, n in pairs(from) do into[k] = (into[k] or 0) + n end
end

local function json(t)
  local parts = {}
  for k, v in pairs(t) do
    local value = type(v) == "table" and json(v) or string.format("%.17g", v)
    table.insert(parts, string.format("%q:%s", tostring(k), value))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Prints one line, "wrk-rate: " then JSON (latencies in microseconds), on stdout.
function done(summary, latency)
  local total = { ok = 0, statuses = {}, versions = {} }
  for _, t in ipairs(threads) do
    total.ok = total.ok + t:get("ok")
    add(total.statuses, t:get("statuses"))
    add(total.versions, t:get("versions"))
  end
  -- Answers slower than each bound: latency(i) is the i-th distinct latency (µs) and its count.
  local bounds = { ["10ms"] = 10000, ["50ms"] = 50000, ["100ms"] = 100000, ["1s"] = 1000000 }
  local slower = { ["10ms"] = 0, ["50ms"] = 0, ["100ms"] = 0, ["1s"] = 0 }
  for i = 1, #latency do
    local us, n = latency(i)
    for name, bound in pairs(bounds) do
      if us > bound then slower[name] = slower[name] + n end
    end
  end
  local e = summary.errors
  io.write("wrk-rate: ", json({
    durationUs = summary.duration, ok = total.ok, statuses = total.statuses, versions = total.versions,
    errors = { connect = e.connect, read = e.read, write = e.write, timeout = e.timeout },
    p50Us = latency:percentile(50), p90Us = latency:percentile(90), p99Us = latency:percentile(99),
    maxUs = latency.max, slowerThan = slower,
  }), "\n")
end
