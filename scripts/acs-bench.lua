-- Posts each prepared SAML response exactly once, then stops (the replay cache would refuse a
-- repeat). RESPONSES names the file, one form body per line.
function init(args)
    bodies = {}
    for line in io.lines(os.getenv("RESPONSES")) do
        table.insert(bodies, line)
    end
    sent, answered = 0, 0
end

request = function()
    sent = sent + 1
    return wrk.format("POST", "/saml/acme/acs",
        { ["Content-Type"] = "application/x-www-form-urlencoded" }, bodies[math.min(sent, #bodies)])
end

response = function(status, headers, body)
    answered = answered + 1
    if status ~= 303 then
        io.stderr:write("unexpected status " .. status .. "\n")
    end
    if answered >= #bodies then
        wrk.thread:stop()
    end
end
