"""Sign-ins per second of one acs-bench run, from the journal: first to last success of the
run (the prefill's rows carry other assertion ids). Usage: acs-bench-rate.py DB N"""
import sqlite3
import sys
from datetime import datetime

rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT at FROM login_journal WHERE outcome = 'success' "
    "AND (assertion_id IS NULL OR assertion_id NOT LIKE '_prefill%') ORDER BY at"
).fetchall()
if len(rows) < 0.99 * int(sys.argv[2]):
    sys.exit(f"expected {sys.argv[2]} sign-ins, the journal has {len(rows)}")
times = [datetime.fromisoformat(r[0]) for r in rows]
print(f"{(len(times) - 1) / (times[-1] - times[0]).total_seconds():.0f}")
