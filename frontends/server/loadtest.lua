-- wrk script for frontends/server/loadtest.sh: POSTs prepared bodies, cycling through the
-- "PATH=BODY_FILE[=JSON_HEADER_LENGTH]" targets given after `--` (a header length marks a KServe
-- v2 body with binary tensor data), and prints one JSON line of results at the end.
local targets = {}
local counter = 0

function init(args)
  for _, spec in ipairs(args) do
    local path, file, hlen = spec:match("^([^=]+)=([^=]+)=?(%d*)$")
    local f = assert(io.open(file, "rb"))
    local headers = { ["Content-Type"] = "application/json" }
    if hlen ~= "" then
      headers["Content-Type"] = "application/octet-stream"
      headers["Inference-Header-Content-Length"] = hlen
    end
    targets[#targets + 1] = { path = path, body = f:read("*a"), headers = headers }
    f:close()
  end
end

function request()
  counter = counter + 1
  local t = targets[(counter % #targets) + 1]
  return wrk.format("POST", t.path, t.headers, t.body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
