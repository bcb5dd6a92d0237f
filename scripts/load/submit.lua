-- Submissions to the JSON intake: every request has its own submission key, and the
-- status of every answer is counted (201 created, 5xx, anything else). The intake
-- token comes from MINYI_TOKEN; the same script drives the parse-only baseline.
local token = os.getenv("MINYI_TOKEN") or ""
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  created = 0
  server_errors = 0
  other = 0
  counter = 0
end
local sat = {"5", "4", "3", "4", "5", "2"}
function request()
  counter = counter + 1
  local s = sat[(counter % #sat) + 1]
  local body = string.format(
    '{"district":"XC","community":"xinhua-xfl","submission_key":"w%d-%d","answers":{"age_band":"a40","residence":"gt3y","district":"XC","aware_campaign":"1","aware_values":"2","quiz_values":"b","support":"1","participated":"3","sat_sanitation":"%s","sat_shops":"4","sat_culture":"dk","sat_security":"5","sat_ecology":"4","sat_traffic":"3","sat_windows":"4","sat_minors":"4","civic_behaviour":"4","sat_overall":"%s","sex":"f"}}',
    tid, counter, s, sat[((counter + 3) % #sat) + 1])
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status >= 500 then
    server_errors = server_errors + 1
  else
    other = other + 1
  end
end
function done(summary, latency, requests)
  local c, e, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    e = e + t:get("server_errors")
    o = o + t:get("other")
  end
  io.write(string.format("created=%d server_errors=%d other=%d\n", c, e, o))
end
