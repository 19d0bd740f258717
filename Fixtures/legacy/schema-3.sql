ALTER TABLE classified ADD COLUMN source TEXT;
ALTER TABLE classified ADD COLUMN probability REAL;
ALTER TABLE classified ADD COLUMN model_category TEXT;
ALTER TABLE classified ADD COLUMN model_probability REAL;
ALTER TABLE classified ADD COLUMN mislabel INTEGER NOT NULL DEFAULT 0;
