/**
 * Forward-only schema migrations. Append a new entry to change the schema; never edit a shipped one.
 * `user_version` records the last applied migration; a backup of the file is taken before any runs.
 *
 * Expand now, contract a release later: a migration only adds (tables, nullable or defaulted columns, indexes; a
 * read-only view may be dropped and created again in the same migration with the same columns and more), so
 * the previous release still runs on a store this one migrated, and a rollback keeps everything written meanwhile
 * (migrations.test.ts enforces it). A migration that removes or renames something the previous release uses is a
 * contract step: mark it `contract: true`, ship it at least one release after the code stopped using the thing; it
 * records its version as the oldest schema a release must know to open the store (meta `min_reader_schema`).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Removes or renames something: releases that know only older schemas must refuse the store afterwards. */
  contract?: true;
}

export const MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      CREATE TABLE observations (
        seq INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        source_ts INTEGER,
        source_seq INTEGER,
        bed TEXT NOT NULL,
        device TEXT NOT NULL,
        source TEXT NOT NULL,
        param TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        channel TEXT,
        flags TEXT
      );
      CREATE INDEX observations_received ON observations (received_at);
      CREATE INDEX observations_bed_param ON observations (bed, param, received_at);

      -- Append-only: every alarm transition, with who or what caused it.
      CREATE TABLE alarm_events (
        row INTEGER PRIMARY KEY,
        alarm_id TEXT NOT NULL,
        bed TEXT NOT NULL,
        condition TEXT NOT NULL,
        kind TEXT NOT NULL,
        priority TEXT NOT NULL,
        state TEXT NOT NULL,
        transition TEXT NOT NULL,
        at INTEGER NOT NULL,
        by TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX alarm_events_alarm ON alarm_events (alarm_id, row);

      -- Latest state of every alarm.
      CREATE TABLE alarms (
        id TEXT PRIMARY KEY,
        bed TEXT NOT NULL,
        condition TEXT NOT NULL,
        priority TEXT NOT NULL,
        state TEXT NOT NULL,
        raised_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX alarms_open ON alarms (state) WHERE state != 'cleared';

      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        bed TEXT NOT NULL,
        condition TEXT NOT NULL,
        priority TEXT NOT NULL,
        status TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        body TEXT NOT NULL,
        central_status TEXT,
        assigned_to TEXT,
        central_updated_at INTEGER
      );

      -- Transactional outbox: written in the same transaction as the alarm change that causes it.
      CREATE TABLE outbox (
        gw_seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        incident_id TEXT,
        incident_seq INTEGER,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        delivered_at INTEGER
      );
      CREATE INDEX outbox_pending ON outbox (gw_seq) WHERE delivered_at IS NULL;

      CREATE TABLE audit (
        row INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        bed TEXT,
        detail TEXT NOT NULL
      );

      CREATE TABLE device_state (
        device TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'sync-downlink-and-admissions',
    sql: `
      -- Every message the centre sent down, once per messageId (duplicates are recognised here).
      CREATE TABLE downlink_messages (
        message_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        applied INTEGER NOT NULL,
        body TEXT NOT NULL
      );

      -- The centre's latest view of each incident (order by the centre's 'at', then status rank).
      CREATE TABLE central_status (
        incident_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        rank INTEGER NOT NULL,
        assigned_to TEXT,
        at INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- Which patient is bound to which bed (admit/discharge from the centre); latest 'at' per bed wins.
      CREATE TABLE admissions (
        bed TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        patient_id TEXT,
        patient_name TEXT,
        at INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX admissions_patient ON admissions (patient_id) WHERE patient_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'observations-without-secondary-indexes',
    sql: `
      -- Each secondary index more than doubled the cost of an observation insert (the hot path), and nothing
      -- queries by them: retention now prunes by gateway sequence, using a mark (time, last seq) per prune run.
      DROP INDEX IF EXISTS observations_received;
      DROP INDEX IF EXISTS observations_bed_param;
      CREATE TABLE observation_marks (at INTEGER NOT NULL, seq INTEGER NOT NULL);
      CREATE INDEX observation_marks_at ON observation_marks (at);
      INSERT INTO observation_marks (at, seq) SELECT COALESCE(MAX(received_at), 0), COALESCE(MAX(seq), 0) FROM observations;
    `,
  },
  {
    version: 4,
    name: 'hospital-outputs',
    sql: `
      -- HL7 messages for the hospital's systems (alarm manager: PCD-04; EHR: PCD-01), each written in the same
      -- transaction as the alarm change or observation batch it reports, sent in row order per destination, and
      -- kept until the receiver's accept acknowledgment. body is the HL7 v2 message as sent (segments joined by CR);
      -- message_id is its MSH-10, so a resend after a crash carries the same control id.
      CREATE TABLE output_outbox (
        row INTEGER PRIMARY KEY,
        destination TEXT NOT NULL,
        message_id TEXT NOT NULL UNIQUE,
        stream TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        last_error TEXT,
        acked_at INTEGER
      );
      CREATE INDEX output_outbox_pending ON output_outbox (destination, row) WHERE acked_at IS NULL;

      -- What the alarm manager said became of each alert (PCD-05): delivered, read, accepted, rejected ...
      CREATE TABLE alert_delivery (
        row INTEGER PRIMARY KEY,
        alarm_id TEXT NOT NULL,
        status TEXT NOT NULL,
        recipient TEXT,
        device TEXT,
        at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        message_id TEXT NOT NULL
      );
      CREATE INDEX alert_delivery_alarm ON alert_delivery (alarm_id, row);

      -- Per destination and key (e.g. ehr / last-seq): how far a periodic report has read the store.
      CREATE TABLE output_marks (destination TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (destination, key));
    `,
  },
  {
    version: 5,
    name: 'readings-one-row-per-message',
    sql: `
      -- One row per device message with all its readings (JSON array of [param, value], [param, value, unit] or
      -- [param, value, unit, channel, flags]; a unit left out or null is the parameter's canonical UCUM unit); the
      -- row's seq is its first reading's, the others follow in order. A six-vital message was six rows repeating
      -- bed, device and times: about three times the bytes written (SD-card wear).
      -- Additive: the table 'observations' stays for the previous release (a rollback reads it); this release
      -- copies it here once, writes only here, and retention empties the old table (contract it a release later).
      CREATE TABLE readings (
        seq INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        source_ts INTEGER,
        source_seq INTEGER,
        bed TEXT NOT NULL,
        device TEXT NOT NULL,
        source TEXT NOT NULL,
        readings TEXT NOT NULL
      );
      INSERT INTO readings (seq, received_at, source_ts, source_seq, bed, device, source, readings)
        SELECT seq, received_at, source_ts, source_seq, bed, device, source,
          '[' || CASE WHEN channel IS NULL AND flags IS NULL THEN json_array(param, value, unit)
               ELSE json_array(param, value, unit, channel, flags) END || ']'
        FROM observations ORDER BY seq;
      -- One row per reading, for diagnosis (nothing writes through it); unit NULL: the canonical one.
      CREATE VIEW observation_readings AS
        SELECT r.seq + j.key AS seq, r.received_at, r.source_ts, r.source_seq, r.bed, r.device, r.source,
          json_extract(j.value, '$[0]') AS param, json_extract(j.value, '$[1]') AS value, json_extract(j.value, '$[2]') AS unit,
          json_extract(j.value, '$[3]') AS channel, json_extract(j.value, '$[4]') AS flags
        FROM readings r, json_each(r.readings) j;
    `,
  },
  {
    version: 6,
    name: 'device-messages-compact',
    sql: `
      -- Observations, more compactly (SD-card wear): one row per device message as in 'readings', but what repeats
      -- is written once, in two small dictionaries. A message's origin (bed, device, transport) is a number; each
      -- reading is a kind and a value, the kind being everything about a reading but its value (parameter, unit if
      -- not the canonical one, channel, quality flags, temperature site). 'readings' holds "kind,value,kind,value"
      -- (a JSON array without its brackets); the source time is stored as its offset from the receipt time (a few
      -- bytes instead of eight). A six-vital sample: about 55 bytes instead of about 145.
      -- Additive: 'readings' stays for the previous release (which writes and reads only it after a rollback); this
      -- release writes only here and reads both (their sequences never overlap); retention empties 'readings'.
      CREATE TABLE message_origins (
        id INTEGER PRIMARY KEY,
        bed TEXT NOT NULL,
        device TEXT NOT NULL,
        source TEXT NOT NULL
      );
      CREATE TABLE reading_kinds (
        id INTEGER PRIMARY KEY,
        param TEXT NOT NULL,
        unit TEXT,
        channel TEXT,
        flags TEXT,
        site TEXT
      );
      CREATE TABLE device_messages (
        seq INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        origin INTEGER NOT NULL,
        source_ts_offset REAL,
        source_seq INTEGER,
        readings TEXT NOT NULL
      );
      -- The same view over both tables, one row per reading, with the same columns plus the temperature site (a
      -- read-only view: replacing it changes nothing the previous release writes or reads).
      DROP VIEW observation_readings;
      CREATE VIEW observation_readings AS
        SELECT r.seq + j.key AS seq, r.received_at, r.source_ts, r.source_seq, r.bed, r.device, r.source,
          json_extract(j.value, '$[0]') AS param, json_extract(j.value, '$[1]') AS value, json_extract(j.value, '$[2]') AS unit,
          json_extract(j.value, '$[3]') AS channel, json_extract(j.value, '$[4]') AS flags, NULL AS site
        FROM readings r, json_each(r.readings) j
        UNION ALL
        SELECT m.seq + j.key / 2 AS seq, m.received_at, m.received_at + m.source_ts_offset AS source_ts, m.source_seq,
          o.bed, o.device, o.source, k.param, json_extract('[' || m.readings || ']', '$[' || (j.key + 1) || ']') AS value,
          k.unit, k.channel, k.flags, k.site
        FROM device_messages m JOIN message_origins o ON o.id = m.origin, json_each('[' || m.readings || ']') j
          JOIN reading_kinds k ON k.id = j.value
        WHERE j.key % 2 = 0;
    `,
  },
  {
    version: 7,
    name: 'outbox-delivery-marks',
    sql: `
      -- Delivery marks of the upstream outbox, one narrow row per delivered event. With 1 KiB pages an outbox row
      -- (about 540 bytes) has a page to itself, so setting its delivered_at rewrote a page per event (and its entry
      -- in outbox_pending); about 60 marks share a page, appended in order.
      -- Additive: outbox.delivered_at stays. This release reads a mark in either place (the column's: written
      -- before this migration, copied here too, or by the previous release after a rollback) and writes only
      -- here; the previous release reads only the column, so after a rollback it sends again the events this
      -- release delivered that are still in the outbox, and the centre de-duplicates them on eventId.
      CREATE TABLE outbox_delivered (
        gw_seq INTEGER PRIMARY KEY,
        delivered_at INTEGER NOT NULL
      );
      INSERT INTO outbox_delivered (gw_seq, delivered_at) SELECT gw_seq, delivered_at FROM outbox WHERE delivered_at IS NOT NULL;
      -- For diagnosis (nothing writes through it): every outbox row with its delivery time, NULL while pending.
      CREATE VIEW outbox_deliveries AS
        SELECT o.gw_seq, o.id, o.kind, o.incident_id, o.incident_seq, o.created_at, o.body,
          COALESCE(d.delivered_at, o.delivered_at) AS delivered_at
        FROM outbox o LEFT JOIN outbox_delivered d ON d.gw_seq = o.gw_seq;
    `,
  },
];

/** The newest schema this release knows (`wardgate --version`, /healthz). */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
