-- The bank catalogue: one row per bank.

CREATE TABLE banks (
    bank_id     text COLLATE "C" PRIMARY KEY,
    description text,
    created_at  timestamptz NOT NULL,
    metadata    jsonb
);
