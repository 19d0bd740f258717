CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE runs(
    id INTEGER PRIMARY KEY,
    stage TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    rows_in INTEGER NOT NULL DEFAULT 0,
    rows_out INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    config_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT);

CREATE TABLE orders(
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    month TEXT NOT NULL,
    channel TEXT, kind TEXT, district TEXT, street TEXT, community TEXT, address TEXT,
    operator_category TEXT, title TEXT, content TEXT, unit TEXT,
    deadline_days INTEGER, deadline_at TEXT, closed_at TEXT, status TEXT, satisfaction TEXT,
    caller_key TEXT,
    source_file TEXT NOT NULL,
    source_line INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    run_id INTEGER NOT NULL);

CREATE TABLE sources(
    file TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    rejected INTEGER NOT NULL);

CREATE TABLE rejects(
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    reason_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL);
CREATE INDEX rejects_by_file ON rejects(file);

CREATE TABLE classified(
    order_seq INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    parent TEXT,
    rule TEXT NOT NULL,
    keywords TEXT NOT NULL,
    run_id INTEGER NOT NULL);

CREATE TABLE communities(
    street TEXT NOT NULL,
    community TEXT NOT NULL,
    population INTEGER,
    grid_workers INTEGER,
    PRIMARY KEY(street, community));

CREATE TABLE agg_summary(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE agg_category(category TEXT PRIMARY KEY, parent TEXT, n INTEGER NOT NULL, share REAL NOT NULL);
CREATE TABLE agg_month(month TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE agg_month_category(
    month TEXT NOT NULL, category TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(month, category));
CREATE TABLE agg_street(
    street TEXT PRIMARY KEY, n INTEGER NOT NULL, population INTEGER, grid_workers INTEGER,
    per_10k REAL, per_grid REAL, top_category TEXT, top_n INTEGER);
CREATE TABLE agg_area(
    street TEXT NOT NULL, community TEXT NOT NULL, n INTEGER NOT NULL, population INTEGER,
    grid_workers INTEGER, per_10k REAL, per_grid REAL, top_category TEXT, top_n INTEGER,
    PRIMARY KEY(street, community));
CREATE TABLE agg_area_category(
    street TEXT NOT NULL, community TEXT NOT NULL, category TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY(street, community, category));
