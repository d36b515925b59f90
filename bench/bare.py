"""The bare baseline: a Flask page that runs 3 SQLite queries and renders a Jinja layout with 30
cards, no session, no extensions. Served exactly like the portal (`gunicorn -w 2 bench.bare:app`),
it is the yardstick: a target's server CPU per request is reported as a ratio to this page's.

The SQLite file (BENCH_BARE_DB, default /tmp/aj-bench-bare.db) is made on first use.
"""
from __future__ import annotations

import os
import sqlite3

from flask import Flask, render_template
from jinja2 import DictLoader

DB_PATH = os.environ.get("BENCH_BARE_DB", "/tmp/aj-bench-bare.db")
CARDS = 30

LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><nav><a href="/">{{ programme.name }}</a> <span>{{ person.name }}</span>
<span class="points">{{ person.points }}</span></nav></header>
<main>{% block main %}{% endblock %}</main><footer>{{ programme.footer }}</footer></body></html>"""

PAGE = """{% extends "layout" %}{% block title %}{{ programme.name }}{% endblock %}
{% block main %}<h1>Hello {{ person.name }}</h1><ol class="cards">
{% for card in cards %}<li class="card {{ 'done' if card.done else 'open' }}"><h2>{{ card.title }}</h2>
<p>{{ card.body }}</p><a href="/challenges/{{ card.id }}">{{ card.points }} points</a></li>
{% endfor %}</ol>{% endblock %}"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"layout": LAYOUT, "page": PAGE})  # compiled once, cached like the portal's
_connection: tuple[int, sqlite3.Connection] | None = None


def make_database(path: str) -> None:
    """Create the three tables the page reads, if the file does not have them yet."""
    with sqlite3.connect(path) as connection:
        connection.executescript("""
            CREATE TABLE IF NOT EXISTS programme (id INTEGER PRIMARY KEY, name TEXT, footer TEXT);
            CREATE TABLE IF NOT EXISTS people (id INTEGER PRIMARY KEY, name TEXT, points INTEGER);
            CREATE TABLE IF NOT EXISTS cards (id INTEGER PRIMARY KEY, title TEXT, body TEXT, points INTEGER,
                                              done INTEGER);
        """)
        if connection.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 0:
            connection.execute("INSERT INTO programme VALUES (1, 'Bare page', 'A page to compare with')")
            connection.execute("INSERT INTO people VALUES (1, 'Kees', 120)")
            connection.executemany("INSERT INTO cards VALUES (?, ?, ?, ?, ?)", [
                (n, f"Challenge {n}", f"Something small to do, number {n}, with a line of text.", 10 + n, n % 3 == 0)
                for n in range(1, CARDS + 1)])


def _db() -> sqlite3.Connection:
    """One connection per process (gunicorn forks the workers after importing this module)."""
    global _connection
    if _connection is None or _connection[0] != os.getpid():
        make_database(DB_PATH)
        connection = sqlite3.connect(DB_PATH)
        connection.row_factory = sqlite3.Row
        _connection = (os.getpid(), connection)
    return _connection[1]


@app.get("/")
def page():
    connection = _db()
    programme = connection.execute("SELECT name, footer FROM programme WHERE id = 1").fetchone()
    person = connection.execute("SELECT name, points FROM people WHERE id = 1").fetchone()
    cards = connection.execute("SELECT id, title, body, points, done FROM cards ORDER BY id LIMIT ?",
                               (CARDS,)).fetchall()
    return render_template("page", programme=programme, person=person, cards=cards)
