-- Wrong passwords for a real local account, as fast as possible. Each post carries what a
-- browser's would (the double-submit CSRF token and our Origin), so it reaches the password check.
local token = "floodfloodfloodfloodfloodflood0123456789"
request = function()
    return wrk.format("POST", "/login", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Cookie"] = "gatehouse_csrf=" .. token,
        ["Origin"] = "http://127.0.0.1:18095",
    }, "account=acme&login=flood%40acme.com&password=not+the+password+at+all&csrf=" .. token)
end
