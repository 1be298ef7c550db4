-- keyaudit export tables for spark. Generated from the Parquet schemas; LOCATION is where the files are.

CREATE TABLE IF NOT EXISTS `sec`.`keyaudit_events` (
  `event_time` timestamp,
  `user` string,
  `key_slot` int,
  `event_count` bigint,
  `ratio` double,
  `muted` boolean,
  `account_id` string,
  `date` string
)
USING parquet
PARTITIONED BY (`account_id`, `date`)
LOCATION 's3://b/p/events/';
MSCK REPAIR TABLE `sec`.`keyaudit_events`;

CREATE TABLE IF NOT EXISTS `sec`.`keyaudit_keys` (
  `event_time` timestamp,
  `user` string,
  `key_slot` int,
  `event_count` bigint,
  `ratio` double,
  `muted` boolean
)
USING parquet
LOCATION 's3://b/p/keys/';
