// The SQLite schema of the job store, as an ordered list of migrations. `PRAGMA user_version`
// records how many have been applied; a migration is never edited once released, only appended.

export const MIGRATIONS: readonly string[] = [
  // 1: jobs, their results, logs and buffers; the instruments that were running (for --restore).
  `
  CREATE TABLE jobs (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,   -- submission order = queue order
    id            TEXT    NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    name          TEXT,
    tags          TEXT    NOT NULL DEFAULT '[]',       -- JSON array of strings
    status        TEXT    NOT NULL CHECK (status IN ('queued','running','completed','failed','canceling','canceled')),
    mode          TEXT    NOT NULL DEFAULT 'staged',
    script_path   TEXT,
    script        TEXT,
    params        TEXT    NOT NULL DEFAULT '{}',       -- JSON object
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    error         TEXT,
    result_status TEXT,                                -- success|error once a measure result was saved
    result_script TEXT,
    output        TEXT                                 -- JSON output of a non-measure job
  );
  CREATE INDEX jobs_by_status ON jobs (status, seq);

  CREATE TABLE command_records (
    job_id TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx    INTEGER NOT NULL,
    record TEXT    NOT NULL,                           -- JSON CommandRecord
    PRIMARY KEY (job_id, idx)
  ) WITHOUT ROWID;

  CREATE TABLE log_lines (
    line    INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id  TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at_ms   INTEGER NOT NULL,
    level   TEXT    NOT NULL,
    message TEXT    NOT NULL
  );
  CREATE INDEX log_lines_by_job ON log_lines (job_id, line);

  CREATE TABLE buffers (
    id            TEXT    PRIMARY KEY,
    job_id        TEXT    REFERENCES jobs (id) ON DELETE CASCADE,
    data_type     TEXT    NOT NULL,
    element_count INTEGER NOT NULL,
    data          BLOB    NOT NULL
  );
  CREATE INDEX buffers_by_job ON buffers (job_id);

  CREATE TABLE instruments (
    name        TEXT    PRIMARY KEY,
    config_path TEXT    NOT NULL,
    plugin_path TEXT,
    saved_at    INTEGER NOT NULL
  );
  `,
  // 2: command records stored as one JSON array per write (one flush of a running job, or the
  // final result) instead of one row per record: a job of thousands of commands costs a few
  // inserts instead of thousands. Later chunks replace earlier records of the same index.
  `
  CREATE TABLE command_record_chunks (
    chunk   INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id  TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    records TEXT    NOT NULL                           -- JSON array of CommandRecord
  );
  CREATE INDEX command_record_chunks_by_job ON command_record_chunks (job_id, chunk);
  INSERT INTO command_record_chunks (job_id, records)
    SELECT job_id, json_group_array(json(record)) FROM (SELECT job_id, record FROM command_records ORDER BY job_id, idx) GROUP BY job_id;
  DROP TABLE command_records;
  `,
];
