-- chaos_mixed.lua — wrk script of scripts/chaos: mixed traffic, counted.
--
-- Each connection cycles through GET /health, an authenticated GET /api/user
-- (Authorization: Bearer $CHAOS_TOKEN) and POST /api/generate-image with the
-- body $CHAOS_GEN_BODY (the same builtin request every time: a cache hit once
-- it has been answered). $CHAOS_MIX picks the kinds ("hug", the default: all
-- three; "h" only /health, …).
--
-- wrk counts socket errors itself; this script counts every answer that is
-- not 2xx by status, and the error answers whose body is not a JSON object
-- (the API's error shape; nginx's own errors use it too). At the end one line
-- on stdout, parsed by scripts/chaos:
--   CHAOS requests=N non2xx=N nonjson=N connect=N read=N write=N timeout=N statuses=503:4,502:1
-- Every thread's counters are read in done() through thread:get.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local token = os.getenv("CHAOS_TOKEN") or ""
local gen_body = os.getenv("CHAOS_GEN_BODY") or
   '{"prompt":"chaos cache probe","api_provider":"builtin","image_size":"256x256","seed":7}'
local mix = os.getenv("CHAOS_MIX") or "hug"
local reqs = {}
local n = 0

non2xx = 0
nonjson = 0
statuses = {}

function init(args)
   local auth = { ["Authorization"] = "Bearer " .. token }
   for c in mix:gmatch(".") do
      if c == "h" then
         table.insert(reqs, wrk.format("GET", "/health"))
      elseif c == "u" then
         table.insert(reqs, wrk.format("GET", "/api/user", auth))
      elseif c == "g" then
         table.insert(reqs, wrk.format("POST", "/api/generate-image",
            { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
            gen_body))
      end
   end
end

function request()
   n = n + 1
   return reqs[(n % #reqs) + 1]
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
      if body == nil or not body:match("^%s*{") then
         nonjson = nonjson + 1
      end
   end
end

function done(summary, latency, requests)
   local bad, nj, st = 0, 0, {}
   for _, t in ipairs(threads) do
      bad = bad + t:get("non2xx")
      nj = nj + t:get("nonjson")
      for code, c in pairs(t:get("statuses")) do
         st[code] = (st[code] or 0) + c
      end
   end
   local parts = {}
   for code, c in pairs(st) do
      table.insert(parts, code .. ":" .. c)
   end
   table.sort(parts)
   local e = summary.errors
   io.write(string.format(
      "CHAOS requests=%d non2xx=%d nonjson=%d connect=%d read=%d write=%d timeout=%d p99_ms=%.1f statuses=%s\n",
      summary.requests, bad, nj, e.connect, e.read, e.write, e.timeout,
      latency:percentile(99) / 1000, table.concat(parts, ",")))
end
