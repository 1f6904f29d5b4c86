#!/usr/bin/env python3
"""Which tables and indexes a SQLite workload writes: WAL frames and distinct pages by b-tree.

Usage: scripts/wal-pages.py DB WAL MESSAGES

DB is a copy of the database taken together with WAL (a copy of its `-wal` file), MESSAGES how
many messages the frames in WAL stand for. To get such a pair from a running server, start it
with `LAYAN_SQLITE_CHECKPOINT_MS=3600000` (no checkpoint for an hour; the writer's safety net
still checkpoints at 100,000 pages, so keep the load short of that), send the load, stop it
with SIGKILL (a clean stop would checkpoint) and copy `layan.db` and `layan.db-wal` before
anything opens them. Count the messages in the copy before and after, or from the load.

Frames are every page written to the WAL, once per commit that changed it: the bytes each
commit writes and flushes. Distinct pages are what a checkpoint copies back into the database
file at random places: its cost, and what grows with the database.

Only the frames of the current log are read (those carrying the header's salt; see
https://www.sqlite.org/fileformat2.html#walformat). Pages are attributed to their b-tree with
SQLite's `dbstat` table, as the copy stands after the WAL.
"""
import collections
import sqlite3
import struct
import sys


def frames(wal_path):
    data = open(wal_path, "rb").read()
    page_size = struct.unpack(">I", data[8:12])[0]
    salt = data[16:24]
    out, offset = [], 32
    while offset + 24 + page_size <= len(data):
        page, commit_size = struct.unpack(">II", data[offset:offset + 8])
        if data[offset + 8:offset + 16] != salt:
            break
        out.append((page, commit_size != 0))
        offset += 24 + page_size
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    db, wal, messages = sys.argv[1], sys.argv[2], float(sys.argv[3])
    log = frames(wal)
    commits = max(1, sum(1 for _, commit in log if commit))
    owner = dict(sqlite3.connect(db).execute("SELECT pageno, name FROM dbstat"))
    name = lambda page: owner.get(page, "(free or new)")
    written = collections.Counter(name(page) for page, _ in log)
    distinct = collections.Counter(name(page) for page in {page for page, _ in log})
    print(f"{len(log)} frames in {commits} commits: {len(log) / commits:.1f} per commit, "
          f"{len(log) / messages:.2f} per message")
    print(f"{sum(distinct.values())} distinct pages: {sum(distinct.values()) / messages:.2f} per message")
    print(f"{'b-tree':36s} {'frames/msg':>10s} {'distinct/msg':>12s}")
    for tree, n in written.most_common():
        print(f"{tree:36s} {n / messages:10.3f} {distinct[tree] / messages:12.3f}")


if __name__ == "__main__":
    main()
