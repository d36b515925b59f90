-- Every request is the next line of a prepared file: path, cookie, body (tab separated), each line
-- used once. The lines are dealt to wrk's threads in turn: thread k takes lines k, k+n, k+2n …
-- Usage: wrk -s bench/rotate.lua URL -- FILE THREADS
local threads = {}
local lines = {}
sent = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(args[2])
  sent = 0
  local i = 0
  for line in io.lines(args[1]) do
    if i % n == tid then
      table.insert(lines, line)
    end
    i = i + 1
  end
end

function request()
  sent = sent + 1
  -- Past the end the lines come round again: those answers are refusals (counted as errors).
  local line = lines[((sent - 1) % #lines) + 1]
  local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  return wrk.format("POST", path, {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true",
  }, body)
end

-- Requests sent, also those still in flight when the run ended (wrk's own count leaves them out).
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("sent")
  end
  io.write(string.format("bench-sent: %d\n", total))
end
