-- Posts each prepared SAML response exactly once, then stops (the replay cache would refuse a
-- repeat). RESPONSES names the file, one form body per line.
local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    bodies = {}
    for line in io.lines(os.getenv("RESPONSES")) do
        table.insert(bodies, line)
    end
    sent, answered = 0, 0
    total = #bodies
end

request = function()
    sent = sent + 1
    if sent > #bodies then
        -- Connections still open after the last response: nothing left to sign in with.
        return wrk.format("GET", "/healthz")
    end
    return wrk.format("POST", "/saml/acme/acs",
        { ["Content-Type"] = "application/x-www-form-urlencoded" }, bodies[sent])
end

response = function(status, headers, body)
    answered = answered + 1
    if answered <= #bodies and status ~= 303 and status ~= 200 then
        io.stderr:write("unexpected status " .. status .. "\n")
    end
    if answered >= #bodies then
        wrk.thread:stop()
    end
end

done = function(summary, latency, requests)
    local signed_in = math.min(summary.requests, threads[1]:get("total"))
    io.write(string.format("signed-in/s %.1f\n", signed_in / (summary.duration / 1e6)))
end
