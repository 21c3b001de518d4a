"""bench/floor.py: what it measures per request kind, and a replay that must really write."""

import os
import sqlite3
from pathlib import Path

import pytest

from bench.floor import backend_ticks, phases, plain, replay
from models.accounts import AccountStatus


def test_each_kind_is_measured_on_the_bare_app_and_its_statements_replayed() -> None:
    sql = {"who-owns": [("SELECT 1", ())], "log-call": [("SELECT 2", ())], "crm-help": []}
    assert phases(sql, postgres=False) == [
        ("who-owns", "bare"),
        ("who-owns", "sqlite3"),
        ("who-owns", "cursor"),
        ("who-owns", "models"),
        ("log-call", "bare"),
        ("log-call", "sqlite3"),
        ("log-call", "cursor"),
        ("crm-help", "bare"),
    ]
    assert phases(sql, postgres=True) == [
        ("who-owns", "bare"),
        ("who-owns", "psycopg"),
        ("log-call", "bare"),
        ("log-call", "psycopg"),
        ("crm-help", "bare"),
    ]


def test_an_enum_parameter_is_replayed_as_its_value() -> None:
    assert plain(("T0001", AccountStatus.ACTIVE)) == ("T0001", "active")
    assert type(plain({"status": AccountStatus.ACTIVE})["status"]) is str


def test_a_replayed_write_that_changes_no_row_is_refused() -> None:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
    connection.execute("INSERT INTO t (id, x) VALUES (1, 0)")
    replay(connection, [("UPDATE t SET x = ? WHERE id = ?", (1, 1))], check=True)
    replay(connection, [("INSERT INTO t (x) VALUES (?) RETURNING id", (2,))], check=True)
    with pytest.raises(SystemExit, match="changed no row"):
        replay(connection, [("UPDATE t SET x = ? WHERE id = ?", (1, 9))], check=True)
    replay(connection, [("UPDATE t SET x = ? WHERE id = ?", (1, 9))])  # unchecked: warm-ups


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_process_cpu_is_read_in_clock_ticks() -> None:
    before = backend_ticks(os.getpid())
    sum(n * n for n in range(300_000))
    assert backend_ticks(os.getpid()) >= before >= 0
