"""The directory API judged from outside: the served OpenAPI document by openapi-spec-validator,
and real responses of every endpoint (lists, pages, single records, problems) by openapi-core
against that document. Run by scripts/api-judge.sh against a seeded server.

Environment: GATEHOUSE_URL; CLIENT_ID, CLIENT_SECRET (a confidential client serving acme only);
OTHER_ID, OTHER_SECRET (one serving globex only); SCIM_TOKEN (acme's, to push a group as Entra).
"""

import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate

BASE = os.environ["GATEHOUSE_URL"]
checked = []
failures = []


def call(path, token=None, method="GET", form=None, auth=None):
    headers = {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


status, _, body = call("/api/v1/openapi.json")
assert status == 200, f"openapi.json answered {status}"
spec = json.loads(body)
assert spec["openapi"].startswith("3.1."), spec["openapi"]
validate(spec)  # picks the OpenAPI 3.1 validator from the document's version
print(f"ok   openapi.json: a valid OpenAPI {spec['openapi']} document, {len(spec['paths'])} paths")
# openapi-core reads application/json itself; RFC 9457's media type is JSON too.
api = OpenAPI.from_dict(
    spec, config=Config(extra_media_type_deserializers={"application/problem+json": json.loads})
)

def token_of(client_id, secret):
    status, _, body = call(
        "/oauth/token",
        method="POST",
        form={"grant_type": "client_credentials", "scope": "directory.read"},
        auth=f"{client_id}:{secret}",
    )
    assert status == 200, body
    return json.loads(body)["access_token"]


def get_json(path, token):
    status, _, body = call(path, token)
    assert status == 200, f"{path}: {status} {body[:300]!r}"
    return json.loads(body)


token = token_of(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"])
globex = get_json("/api/v1/accounts/globex/employees", token_of(os.environ["OTHER_ID"], os.environ["OTHER_SECRET"]))
other_employee = globex["data"][0]["id"]


def scim(path, body):
    request = urllib.request.Request(
        BASE + "/scim/v2" + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {os.environ['SCIM_TOKEN']}", "Content-Type": "application/scim+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def entra_user(user_name, given, family, manager=None):
    enterprise = {"department": "Care", "employeeNumber": f"E-{given}"}
    if manager:
        enterprise["manager"] = {"value": manager}
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": f"ext-{given}",
        "userName": user_name,
        "active": True,
        "displayName": f"{given} {family}",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"familyName": family, "givenName": given},
        "title": "Nurse",
        "phoneNumbers": [{"type": "mobile", "value": "+46 70 1"}, {"type": "work", "value": "+46 8 2"}],
        ENTERPRISE: enterprise,
        GATEHOUSE: {"dateOfEmployment": "2021-04-01T00:00:00Z", "payrollNumber": "P-17", "groupCompanyName": "Acme AB"},
    }


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GATEHOUSE = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User"
# Entra pushes Boss, then Ann with Boss as manager, then a group with both.
boss_id = scim("/Users", entra_user("boss@acme.com", "Boss", "Lind"))["id"]
ann_id = scim("/Users", entra_user("ann@acme.com", "Ann", "Lee", manager=boss_id))["id"]
group_id = scim(
    "/Groups",
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Care team",
        "externalId": "g-care",
        "members": [{"value": ann_id}, {"value": boss_id}],
    },
)["id"]


def judge(path, expected, token=token):
    """GETs `path` and validates the answer against the document; returns the JSON body."""
    status, headers, body = call(path, token)
    content_type = headers.get("Content-Type", "").split(";")[0].strip()
    parsed = urllib.parse.urlsplit(path)
    request = MockRequest(
        BASE,
        "get",
        parsed.path,
        args=dict(urllib.parse.parse_qsl(parsed.query)),
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    response = MockResponse(body, status_code=status, content_type=content_type)
    name = f"{status} {path}"
    try:
        assert status == expected, f"expected {expected}, got {status}: {body[:300]!r}"
        api.validate_response(request, response)
        print(f"ok   {name}")
    except Exception as error:  # noqa: BLE001 - every failure is reported, then the run fails
        failures.append(name)
        print(f"FAIL {name}: {error!r} (cause: {error.__cause__!r})")
        for detail in getattr(error, "schema_errors", []) or []:
            print(f"       {detail.message} at {list(detail.absolute_path)}")
    checked.append(name)
    return json.loads(body) if body else None


acme = "/api/v1/accounts/acme"
people = judge(f"{acme}/employees", 200)
assert len(people["data"]) >= 3, people
first = judge(f"{acme}/employees?limit=2", 200)
assert first["next_cursor"], first
judge(f"{acme}/employees?limit=2&after={first['next_cursor']}", 200)
judge(f"{acme}/employees?active=true&department=Care&q=a&include_released=true", 200)
judge(f"{acme}/employees?updated_since=2020-01-01T00:00:00Z", 200)
ann = next(p for p in people["data"] if p["user_name"] == "ann@acme.com")
boss = ann["approval"]["approver"]
assert boss and boss["user_name"] == "boss@acme.com", ann
judge(f"{acme}/employees/{ann['id']}", 200)
approvers = judge(f"{acme}/employees/{ann['id']}/approvers", 200)
assert [a["via"] for a in approvers["data"]] == ["direct_approver"], approvers
judge(f"{acme}/approvers/{boss['id']}/employees", 200)
judge(f"{acme}/approvers/{boss['id']}/employees?active=true&limit=1", 200)
judge(f"{acme}/departments", 200)
judge(f"{acme}/departments?q=care&limit=1", 200)
groups = judge(f"{acme}/groups", 200)
assert groups["data"] and groups["data"][0]["members"], groups
judge(f"{acme}/groups?member={ann['id']}", 200)
judge(f"{acme}/groups/{group_id}", 200)
events = judge(f"{acme}/events?limit=5", 200)
judge(f"{acme}/events?after={events['next_cursor']}", 200)
judge(f"{acme}/events/cursor", 200)
# Problems: another account, an id of another account, a bad parameter, no token.
judge("/api/v1/accounts/globex/employees", 404)
judge(f"{acme}/employees/{other_employee}", 404)
judge(f"{acme}/employees/{other_employee}/approvers", 404)
judge(f"{acme}/groups/no-such-group", 404)
judge(f"{acme}/employees?active=yes", 400)
judge(f"{acme}/employees?limit=5000", 400)
judge(f"{acme}/events?after=garbage", 400)
judge(f"{acme}/employees", 401, token=None)

print(f"{len(checked) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
