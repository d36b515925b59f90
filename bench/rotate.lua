-- Every request is the next line of a prepared file: path, cookie, body (tab separated), each line
-- used once. The lines are dealt to wrk's threads in turn: thread k takes lines k, k+n, k+2n …
-- Usage: wrk -s bench/rotate.lua URL -- FILE THREADS
local threads = 0
local lines = {}
local sent = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  local n = tonumber(args[2])
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
