-- Entra-shaped SCIM mix for wrk: 70% userName filter (matching), 15% create, 15% PATCH.
-- SCIM_MODE=filter sends only the userName filter. Environment: SCIM_TOKEN, SEEDED.
local token = os.getenv("SCIM_TOKEN")
local seeded = tonumber(os.getenv("SEEDED"))
local filter_only = os.getenv("SCIM_MODE") == "filter"
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

function init(args)
    math.randomseed(os.time() * 1000 + tid)
    counter = 0
end

local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/scim+json" }

request = function()
    counter = counter + 1
    local roll = filter_only and 1 or math.random(100)
    if roll <= 70 then
        local i = math.random(0, seeded - 1)
        return wrk.format("GET", "/scim/v2/Users?filter=userName%20eq%20%22user" .. i .. "%40load.test%22", headers)
    elseif roll <= 85 then
        local name = "new-" .. os.time() .. "-" .. tid .. "-" .. counter .. "@load.test"
        local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name ..
            '","active":true,"name":{"givenName":"New","familyName":"User"},"emails":[{"type":"work","value":"' .. name .. '"}]}'
        return wrk.format("POST", "/scim/v2/Users", headers, body)
    else
        local path = string.format("/scim/v2/Users/00000000-0000-4000-8000-%012d", math.random(0, seeded - 1))
        local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"T' .. counter .. '"}]}'
        return wrk.format("PATCH", path, headers, body)
    end
end
