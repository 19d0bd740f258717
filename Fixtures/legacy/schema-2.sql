ALTER TABLE orders ADD COLUMN contacted INTEGER;
ALTER TABLE orders ADD COLUMN resolved INTEGER;
ALTER TABLE orders ADD COLUMN satisfied_flag INTEGER;

CREATE TABLE order_history(
    order_seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    satisfaction TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    UNIQUE(order_seq, status, satisfaction, closed_at));

CREATE TABLE agg_handling(
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    month TEXT NOT NULL,
    n INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    on_time_base INTEGER NOT NULL,
    overdue_open INTEGER NOT NULL,
    median_hours REAL,
    p90_hours REAL,
    valid_callbacks INTEGER NOT NULL,
    responded INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    satisfied REAL NOT NULL,
    response_rate REAL,
    resolution_rate REAL,
    satisfaction_rate REAL,
    composite REAL,
    rank INTEGER,
    PRIMARY KEY(scope, name, month));

CREATE TABLE agg_supervision(
    order_id TEXT PRIMARY KEY, reason TEXT NOT NULL, unit TEXT NOT NULL, street TEXT NOT NULL,
    community TEXT NOT NULL, category TEXT NOT NULL, received_at TEXT NOT NULL, deadline TEXT,
    days_overdue REAL, satisfaction TEXT);

CREATE TABLE agg_escalation(
    order_id TEXT PRIMARY KEY, reason TEXT NOT NULL, earlier TEXT NOT NULL, unit TEXT NOT NULL,
    street TEXT NOT NULL, category TEXT NOT NULL, received_at TEXT NOT NULL, satisfaction TEXT, status TEXT);

CREATE TABLE agg_quality(issue TEXT PRIMARY KEY, n INTEGER NOT NULL, examples TEXT NOT NULL);
