// Package batch runs personalised rendering jobs: recipients from CSV, column
// mapping, ... (more to come).
//
// So far it holds the input side of a job:
//
//   - Reader streams recipients from CSV text (UTF-8, delimiter detected,
//     RFC 4180 quoting), one Record at a time, with memory bounded by the
//     longest row. A malformed row is reported as a *RowError with its line
//     number and reading goes on with the next row.
//   - MatchColumns maps template fields to CSV columns (by name, loosely via
//     NormalizeName, or by explicit overrides) and ColumnMap.Apply turns a
//     Record into field values.
//
// Jobs, the store, workers, outputs and notifications are not written yet.
package batch
