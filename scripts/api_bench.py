"""The directory API's employee list under load (scripts/api-bench.sh drives it).

  seed DB ACCOUNT_ID N   fills a migrated SQLite store with N people in one account, valid for
                         the app: keys folded as directory::keys does for ASCII, a manager (and
                         the approver role) for most, 40 departments each with an approver
  deep DB ACCOUNT_ID     the cursor of a page near the end (the v1 cursor the API gives out
                         after the 150th id from last; clients never build one, the bench may)
  measure URL TOKEN PATH REQUESTS
                         GETs PATH REQUESTS times on one kept-alive connection (after a warm-up)
                         and prints p50 and p99 in milliseconds
"""

import base64
import http.client
import random
import sqlite3
import sys
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

DEPARTMENTS = [f"Department {n:02}" for n in range(40)]


def stamp(at):
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(path, account_id, n):
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    rng = random.Random(7)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]
    managers = ids[: max(1, n // 10)]
    rows = []
    for i, person_id in enumerate(ids):
        login = f"person{i:07}@bench.example"
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        manager = None if i < len(managers) else managers[i % len(managers)]
        changed = stamp(now - timedelta(seconds=n - i))
        rows.append((
            person_id, account_id, f"ext-{i}", None, login, login, login, login,
            f"Given{i}", f"Family{i}", "Nurse", department, "+46 70 000", "+46 8 000", "SE",
            stamp(datetime(2020, 1, 1) + timedelta(days=i % 2000)), f"P-{i}", f"E-{i}", "Bench AB",
            manager, manager, i % 50 != 0, None if i % 50 else (now.date().isoformat()),
            True, False, None, i == 0, i < len(managers), False, False, changed, changed, None,
        ))
        if len(rows) == 20000:
            insert(db, rows)
            rows = []
    insert(db, rows)
    db.executemany(
        "INSERT INTO department_approvers (employee_id, department) VALUES (?, ?)",
        [(managers[k % len(managers)], d) for k, d in enumerate(DEPARTMENTS)],
    )
    db.commit()
    db.execute("ANALYZE")
    db.commit()


def insert(db, rows):
    db.executemany(
        "INSERT INTO employees (id, account_id, external_id, entra_object_id, user_name, "
        "user_name_key, email, email_key, given_name, family_name, job_title, department, "
        "mobile_phone, work_phone, country, employment_date, payroll_number, employee_number, "
        "subsidiary, manager_ref, approver_id, active, termination_date, federated, defederated, "
        "released_at, is_setup_admin, is_approver, approves_self, only_selected_approver, "
        "created_at, updated_at, display_name) VALUES (" + ",".join("?" * 33) + ")",
        rows,
    )


def deep(path, account_id):
    db = sqlite3.connect(path)
    (position,) = db.execute(
        "SELECT id FROM employees WHERE account_id = ? AND released_at IS NULL "
        "ORDER BY id DESC LIMIT 1 OFFSET 150",
        (account_id,),
    ).fetchone()
    return base64.urlsafe_b64encode(f"v1:employees:{position}".encode()).decode().rstrip("=")


def measure(url, token, path, requests):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for i in range(requests + 50):
        start = time.perf_counter()
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        elapsed = time.perf_counter() - start
        if answer.status != 200 or b'"data":[{' not in body:
            sys.exit(f"{path}: {answer.status} {body[:300]!r}")
        if i >= 50:
            times.append(elapsed * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{pick(0.50):.2f} {pick(0.99):.2f}")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "seed":
        seed(args[0], args[1], int(args[2]))
    elif command == "deep":
        print(deep(args[0], args[1]))
    elif command == "measure":
        measure(args[0], args[1], args[2], int(args[3]))
    else:
        sys.exit(__doc__)
