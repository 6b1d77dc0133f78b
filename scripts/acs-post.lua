-- Posts each prepared SAML response once (the replay cache refuses repeats). RESPONSES names the
-- file; each wrk thread takes every n-th line.
local threads = {}
function setup(thread)
    table.insert(threads, thread)
    thread:set("tid", #threads)
end

function init(args)
    bodies = {}
    local index = 0
    for line in io.lines(os.getenv("RESPONSES")) do
        index = index + 1
        if index % tonumber(os.getenv("THREADS")) == tid - 1 then
            table.insert(bodies, line)
        end
    end
    next_body = 0
end

request = function()
    next_body = next_body + 1
    local body = bodies[next_body] or bodies[#bodies]
    return wrk.format("POST", "/saml/acme/acs", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

done = function(summary, latency, requests)
    io.write(string.format("posted %d responses\n", summary.requests))
end
