-- SPDX-License-Identifier: MIT
-- rotate.lua: wrk script for bench.sh: rotates over a list of URLs and prints one BENCH summary line.
--
--   wrk ... -s rotate.lua URL -- LISTFILE MODE NTHREADS ["Header: value"]...
--
-- LISTFILE: one request per line, "path" or "path<TAB>etag" (the etag is sent
-- as If-None-Match). MODE "rotate": each thread loops over the whole list from
-- its own offset. MODE "once": threads take disjoint slices and each URL is
-- requested at most once; a thread that runs out stops (exhausted=1), so every
-- measured request is a first request (the cold-page run).
-- Requests are pre-formatted in init() so request() costs a table lookup.

local threads = {}
local nsetup = 0

function setup(thread)
   thread:set("tid", nsetup)
   nsetup = nsetup + 1
   table.insert(threads, thread)
end

function init(args)
   local file, mode, nthreads = args[1], args[2], tonumber(args[3])
   local headers = {}
   for k = 4, #args do
      local name, value = args[k]:match("^([^:]+):%s*(.*)$")
      headers[name] = value
   end
   local all = {}
   for line in io.lines(file) do
      local path, etag = line:match("^([^\t]+)\t?(.*)$")
      if path then
         local h = {}
         for k, v in pairs(headers) do h[k] = v end
         if etag ~= "" then h["If-None-Match"] = etag end
         all[#all + 1] = wrk.format("GET", path, h)
      end
   end
   once = (mode == "once")
   if once then
      reqs = {}
      for k = tid + 1, #all, nthreads do reqs[#reqs + 1] = all[k] end
      idx = 1
   else
      reqs = all
      idx = math.floor(#reqs * tid / nthreads) % #reqs + 1
   end
   fallback = all[1]
   sent = 0
   exhausted = 0
end

function request()
   local r = reqs[idx]
   if r == nil then
      exhausted = 1
      wrk.thread:stop()
      return fallback
   end
   idx = idx + 1
   if idx > #reqs then
      idx = 1
      if once then
         reqs = {}
      end
   end
   sent = sent + 1
   return r
end

function done(summary, latency, requests)
   local nsent, nexhausted = 0, 0
   for _, t in ipairs(threads) do
      nsent = nsent + (t:get("sent") or 0)
      nexhausted = nexhausted + (t:get("exhausted") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%d " ..
      "connect_err=%d read_err=%d write_err=%d status_err=%d timeout_err=%d sent=%d exhausted=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      e.connect, e.read, e.write, e.status, e.timeout, nsent, nexhausted))
end
