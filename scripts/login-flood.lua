-- Wrong passwords for a real local account, as fast as possible.
request = function()
    return wrk.format("POST", "/login", { ["Content-Type"] = "application/x-www-form-urlencoded" },
        "account=acme&login=flood%40acme.com&password=not+the+password+at+all")
end
