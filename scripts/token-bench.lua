-- Posts each prepared token request exactly once to /oauth/token, then stops (a code or a
-- refresh token used twice revokes its grant). BODIES names the file, one form body per line;
-- AUTHORIZATION is the client's `Basic ...` header (client_secret_basic).
function init(args)
    bodies = {}
    for line in io.lines(os.getenv("BODIES")) do
        table.insert(bodies, line)
    end
    headers = {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Authorization"] = os.getenv("AUTHORIZATION"),
    }
    sent, answered, refused = 0, 0, 0
end

local css = "/static/gatehouse.css"
local verified = false

request = function()
    if not verified then
        -- wrk calls request() once before the run to check what it builds, and never sends
        -- that request: it must not take a body (the code in it would go unused).
        verified = true
        return wrk.format("GET", css)
    end
    sent = sent + 1
    if sent > #bodies then
        -- Connections still open after the last body: nothing left to exchange (a static
        -- file, which touches no store and is told apart from a token answer by its body).
        return wrk.format("GET", css)
    end
    return wrk.format("POST", "/oauth/token", headers, bodies[sent])
end

response = function(status, headers, body)
    if body:sub(1, 1) ~= "{" then
        return
    end
    -- Counted per token answer (JSON), not per response: connections answer out of order, and
    -- stopping at the Nth response of any kind would drop token requests still in flight.
    answered = answered + 1
    if status ~= 200 then
        refused = refused + 1
        if refused <= 5 then
            io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
        end
    end
    if answered >= #bodies then
        wrk.thread:stop()
    end
end
