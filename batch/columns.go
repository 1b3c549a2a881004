package batch

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Errors MatchColumns reports; test for them with errors.Is.
var (
	ErrUnknownColumn   = errors.New("unknown column")
	ErrUnknownField    = errors.New("unknown field")
	ErrAmbiguousColumn = errors.New("ambiguous column")
)

// NormalizeName folds s for loose matching of template fields to CSV columns:
// case-folded, with white space, underscores, hyphens and dots removed, so
// "First Name", "first_name", "FIRST-NAME" and "first.name" all give
// "firstname".
func NormalizeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '.' || unicode.IsSpace(r) {
			return -1
		}
		// Upper then lower folds the few runes with several cases
		// (for example the Kelvin sign or the long s) like strings.EqualFold.
		return unicode.ToLower(unicode.ToUpper(r))
	}, s)
}

// ColumnMap says which CSV column feeds each template field.
type ColumnMap struct {
	Field   map[string]string // template field -> CSV column (a header name)
	Missing []string          // template fields with no column, in the order given
	Unused  []string          // CSV columns no field uses, in header order
}

// MatchColumns maps template fields to CSV header columns.
//
// overrides (field -> column) come first: the column is found by its exact
// name, else by NormalizeName when that is unambiguous. An override naming a
// column that is not in the header, or a field that is not in fields, is an
// error. An override to "" leaves the field unmapped on purpose (it is then
// reported in Missing and not auto-matched).
//
// Every other field is matched automatically: a column with exactly the
// field's name wins; otherwise the one column whose NormalizeName equals the
// field's. When several columns normalise alike and none is named exactly
// like the field, MatchColumns returns an error naming them, to be resolved
// with an override. A field without a column is listed in Missing, not an
// error: whether it matters depends on the template.
//
// Several fields may use the same column.
func MatchColumns(fields []string, header []string, overrides map[string]string) (*ColumnMap, error) {
	m := &ColumnMap{Field: make(map[string]string, len(fields))}

	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f] = true
	}
	keys := make([]string, 0, len(overrides))
	for f := range overrides {
		keys = append(keys, f)
	}
	slices.Sort(keys) // deterministic errors
	for _, f := range keys {
		if !known[f] {
			return nil, fmt.Errorf("column mapping: %w: the template has no field %q", ErrUnknownField, f)
		}
		col := overrides[f]
		if col == "" {
			continue
		}
		if slices.Contains(header, col) {
			m.Field[f] = col
			continue
		}
		switch cands := normalMatches(col, header); len(cands) {
		case 0:
			return nil, fmt.Errorf("column mapping: %w: field %q is mapped to column %q, which is not in the CSV header (%s)",
				ErrUnknownColumn, f, col, headerList(header))
		case 1:
			m.Field[f] = cands[0]
		default:
			return nil, fmt.Errorf("column mapping: %w: field %q is mapped to column %q, which could be any of %s; use the exact name",
				ErrAmbiguousColumn, f, col, quoteList(cands))
		}
	}

	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if seen[f] {
			continue
		}
		seen[f] = true
		if _, ok := overrides[f]; ok {
			if _, mapped := m.Field[f]; !mapped {
				m.Missing = append(m.Missing, f)
			}
			continue
		}
		if slices.Contains(header, f) {
			m.Field[f] = f
			continue
		}
		switch cands := normalMatches(f, header); len(cands) {
		case 0:
			m.Missing = append(m.Missing, f)
		case 1:
			m.Field[f] = cands[0]
		default:
			return nil, fmt.Errorf("column mapping: %w: field %q matches columns %s; choose one with an override",
				ErrAmbiguousColumn, f, quoteList(cands))
		}
	}

	used := make(map[string]bool, len(m.Field))
	for _, col := range m.Field {
		used[col] = true
	}
	for _, col := range header {
		if !used[col] {
			m.Unused = append(m.Unused, col)
		}
	}
	return m, nil
}

// normalMatches returns the header columns that normalise like name.
func normalMatches(name string, header []string) []string {
	n := NormalizeName(name)
	if n == "" {
		return nil
	}
	var out []string
	for _, col := range header {
		if NormalizeName(col) == n {
			out = append(out, col)
		}
	}
	return out
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, s := range names {
		q[i] = fmt.Sprintf("%q", s)
	}
	switch len(q) {
	case 0:
		return "no columns"
	case 1:
		return q[0]
	case 2:
		return q[0] + " and " + q[1]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// headerList names the columns of a header for a message, at most ten.
func headerList(header []string) string {
	const most = 10
	if len(header) <= most {
		return "columns: " + strings.Join(header, ", ")
	}
	return fmt.Sprintf("columns: %s, and %d more", strings.Join(header[:most], ", "), len(header)-most)
}

// Apply returns the value of each mapped field for one record (field ->
// value). Fields in Missing are absent from the result.
func (m *ColumnMap) Apply(rec *Record) map[string]string {
	if rec == nil {
		return nil
	}
	out := make(map[string]string, len(m.Field))
	for f, col := range m.Field {
		if v, ok := rec.Fields[col]; ok {
			out[f] = v
		}
	}
	return out
}
