-- wrk replay of a jcsim run's per-user requests (scripts/bench/replay.py):
-- thread t of T sends requests t, t+T, t+2T, ... of the file in order, and
-- starts a new pass with a fresh userName prefix when its share runs out.
local file = os.getenv("REPLAY_FILE")
local token = os.getenv("BULK_TOKEN")
local run = os.getenv("BULK_RUN")
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
    thread:set("nthreads", tonumber(os.getenv("REPLAY_THREADS")))
end
local reqs, i, pass = {}, 0, 0
function init(args)
    local k = 0
    for line in io.lines(file) do
        if k % nthreads == tid - 1 then
            local m, p, b = line:match("^(%u+)\t([^\t]*)\t(.*)$")
            reqs[#reqs + 1] = { m, p, b }
        end
        k = k + 1
    end
end
local headers = {
    ["Accept"] = "application/scim+json",
    ["Authorization"] = "Bearer " .. token,
    ["User-Agent"] = "wrk",
}
local with_body = {
    ["Accept"] = "application/scim+json",
    ["Content-Type"] = "application/scim+json",
    ["Authorization"] = "Bearer " .. token,
    ["User-Agent"] = "wrk",
}
function request()
    i = i + 1
    if i > #reqs then i, pass = 1, pass + 1 end
    local r = reqs[i]
    local prefix = string.format("r%s-%d-%d-", run, tid, pass)
    local path = r[2]:gsub("{{P}}", prefix, 1)
    if r[3] == "" then return wrk.format(r[1], path, headers) end
    return wrk.format(r[1], path, with_body, (r[3]:gsub("{{P}}", prefix, 1)))
end
function done(summary)
    io.write(string.format("RESULT %d %.6f %d\n", summary.requests, summary.duration / 1e6, summary.errors.status))
end
