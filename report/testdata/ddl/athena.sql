-- keyaudit export tables for athena. Generated from the Parquet schemas; LOCATION is where the files are.

CREATE EXTERNAL TABLE IF NOT EXISTS `sec`.`keyaudit_events` (
  `event_time` timestamp,
  `user` string,
  `key_slot` int,
  `event_count` bigint,
  `ratio` double,
  `muted` boolean
)
PARTITIONED BY (`account_id` string, `date` string)
STORED AS PARQUET
LOCATION 's3://b/p/events/';
MSCK REPAIR TABLE `sec`.`keyaudit_events`;

CREATE EXTERNAL TABLE IF NOT EXISTS `sec`.`keyaudit_keys` (
  `event_time` timestamp,
  `user` string,
  `key_slot` int,
  `event_count` bigint,
  `ratio` double,
  `muted` boolean
)
STORED AS PARQUET
LOCATION 's3://b/p/keys/';
