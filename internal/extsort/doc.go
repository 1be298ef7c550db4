// Package extsort sorts a stream of Arrow records that may not fit in
// memory: an external merge sort with a fixed memory budget.
//
// In: records of one flat schema (string, timestamp, int64 and boolean
// columns), given to Sorter.Add in any order. Out: the same rows, in one
// total order, handed to the function given to Sorter.Finish as records of
// Options.BatchRows rows (the last one shorter).
//
// The order: the timestamp column Options.TimeKey, then the string column
// Options.StringKey, then every column in schema order; in each column a
// null comes before any value. Rows that compare equal are equal in every
// column, so the output is the same, record for record and byte for byte,
// whatever order the rows arrived in and however they were batched.
//
// Memory: Add keeps rows until about Options.RunBytes of Arrow data is
// held, then sorts them and writes them to a run file in Options.Dir
// (Arrow IPC, uncompressed: LZ4 cost more CPU than the disk it saved) on
// a goroutine of its own while Add goes on filling the next run, so at
// most about two runs are in memory. Finish sorts the last run in memory
// and merges it with the run files, reading one batch of SpillRows rows
// from each at a time; more than MaxFanIn runs are first
// merged MaxFanIn at a time into longer runs. So memory stays near
// 2 × RunBytes + MaxFanIn batches whatever the input size, and the disk
// used is about the Arrow size of the input (twice that while runs are
// merged into longer ones).
//
// Ownership: Add retains the record it is given (the caller keeps and
// releases its own reference). The records Finish hands out are released
// when the function returns (Retain to keep one). Close releases every
// record still held and removes the run files; it must be called, also
// after Finish or an error.
package extsort
