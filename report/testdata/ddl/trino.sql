-- keyaudit export tables for trino. Generated from the Parquet schemas; LOCATION is where the files are.

CREATE TABLE IF NOT EXISTS "sec"."keyaudit_events" (
  "event_time" timestamp(3),
  "user" varchar,
  "key_slot" integer,
  "event_count" bigint,
  "ratio" double,
  "muted" boolean,
  "account_id" varchar,
  "date" varchar
)
WITH (external_location = 's3://b/p/events/', format = 'PARQUET', partitioned_by = ARRAY['account_id', 'date']);
CALL system.sync_partition_metadata('sec', 'keyaudit_events', 'ADD');

CREATE TABLE IF NOT EXISTS "sec"."keyaudit_keys" (
  "event_time" timestamp(3),
  "user" varchar,
  "key_slot" integer,
  "event_count" bigint,
  "ratio" double,
  "muted" boolean
)
WITH (external_location = 's3://b/p/keys/', format = 'PARQUET');
