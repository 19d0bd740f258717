extension Store {
    /// Schema scripts, one per version: version N is reached by running scripts 0..<N.
    /// Append only; never edit a script that has shipped.
    static let migrations: [String] = [
        """
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
        """,
        // Version 2: the callback's yes/no answers, the versions a later export replaced (to see an
        // order reopened), and the handling figures.
        """
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
        """,
        // Version 3: how each order was classified (rule, model or left for a person), the model's own
        // answer, and whether the operator's label looks wrong.
        """
        ALTER TABLE classified ADD COLUMN source TEXT;
        ALTER TABLE classified ADD COLUMN probability REAL;
        ALTER TABLE classified ADD COLUMN model_category TEXT;
        ALTER TABLE classified ADD COLUMN model_probability REAL;
        ALTER TABLE classified ADD COLUMN mislabel INTEGER NOT NULL DEFAULT 0;
        """,
        // Version 4: escalation candidates (提级处理) kept across runs, and the orders behind each.
        """
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
        """,
    ]
}
