CREATE TABLE candidates(
    id TEXT PRIMARY KEY,
    detected INTEGER NOT NULL,
    rank INTEGER,
    weight REAL NOT NULL,
    status TEXT NOT NULL,
    signals TEXT NOT NULL,
    reason TEXT NOT NULL,
    category TEXT NOT NULL,
    place TEXT NOT NULL,
    streets TEXT NOT NULL,
    communities TEXT NOT NULL,
    orders INTEGER NOT NULL,
    callers INTEGER NOT NULL,
    unsatisfied INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    level TEXT NOT NULL,
    level_reason TEXT NOT NULL,
    departments TEXT NOT NULL,
    first_detected TEXT NOT NULL,
    last_detected TEXT NOT NULL,
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL);

CREATE TABLE candidate_evidence(
    candidate_id TEXT NOT NULL,
    order_seq INTEGER NOT NULL,
    signals TEXT NOT NULL,
    PRIMARY KEY(candidate_id, order_seq));
CREATE INDEX candidate_evidence_by_order ON candidate_evidence(order_seq);
