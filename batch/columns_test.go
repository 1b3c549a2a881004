package batch

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"First Name", "firstname"},
		{"first_name", "firstname"},
		{"FIRST-NAME", "firstname"},
		{"first.name", "firstname"},
		{"firstName", "firstname"},
		{"  Zip\tCode ", "zipcode"},
		{"Straße", "straße"},
		{"\u212a", "k"}, // Kelvin sign folds like strings.EqualFold
		{"E-Mail\u00a0Address", "emailaddress"},
		{"_-. ", ""},
		{"", ""},
		{"address2", "address2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeName(tt.in); got != tt.want {
				t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMatchColumns(t *testing.T) {
	tests := []struct {
		name      string
		fields    []string
		header    []string
		overrides map[string]string
		want      map[string]string
		missing   []string
		unused    []string
		errKind   error
		errHas    []string // substrings of the error
	}{
		{
			name:   "exact names",
			fields: []string{"name", "email"},
			header: []string{"name", "email"},
			want:   map[string]string{"name": "name", "email": "email"},
		},
		{
			name:   "auto-match by normalised name",
			fields: []string{"firstName", "last_name", "zip"},
			header: []string{"First Name", "LAST-NAME", "ZIP", "Phone"},
			want:   map[string]string{"firstName": "First Name", "last_name": "LAST-NAME", "zip": "ZIP"},
			unused: []string{"Phone"},
		},
		{
			name:    "missing and unused reported in order",
			fields:  []string{"name", "company", "city", "name"},
			header:  []string{"ID", "Name", "Street", "Town"},
			want:    map[string]string{"name": "Name"},
			missing: []string{"company", "city"},
			unused:  []string{"ID", "Street", "Town"},
		},
		{
			name:      "override by exact column name",
			fields:    []string{"city", "name"},
			header:    []string{"name", "Town", "City (old)"},
			overrides: map[string]string{"city": "Town"},
			want:      map[string]string{"city": "Town", "name": "name"},
			unused:    []string{"City (old)"},
		},
		{
			name:      "override by normalised column name",
			fields:    []string{"city"},
			header:    []string{"TOWN_NAME"},
			overrides: map[string]string{"city": "town name"},
			want:      map[string]string{"city": "TOWN_NAME"},
		},
		{
			name:      "override wins over an auto-match",
			fields:    []string{"name"},
			header:    []string{"name", "full name"},
			overrides: map[string]string{"name": "full name"},
			want:      map[string]string{"name": "full name"},
			unused:    []string{"name"},
		},
		{
			name:      "override to empty leaves the field unmapped",
			fields:    []string{"name", "phone"},
			header:    []string{"name", "phone"},
			overrides: map[string]string{"phone": ""},
			want:      map[string]string{"name": "name"},
			missing:   []string{"phone"},
			unused:    []string{"phone"},
		},
		{
			name:   "two fields may share a column",
			fields: []string{"first_name", "FirstName"},
			header: []string{"First Name"},
			want:   map[string]string{"first_name": "First Name", "FirstName": "First Name"},
		},
		{
			name:      "override naming an unknown column",
			fields:    []string{"city"},
			header:    []string{"name", "town"},
			overrides: map[string]string{"city": "Ciudad"},
			errKind:   ErrUnknownColumn,
			errHas:    []string{`field "city"`, `column "Ciudad"`, "name, town"},
		},
		{
			name:      "override for a field the template does not have",
			fields:    []string{"city"},
			header:    []string{"city"},
			overrides: map[string]string{"cty": "city"},
			errKind:   ErrUnknownField,
			errHas:    []string{`"cty"`},
		},
		{
			name:      "override matching two columns loosely",
			fields:    []string{"city"},
			header:    []string{"Town Name", "town_name"},
			overrides: map[string]string{"city": "TOWN-NAME"},
			errKind:   ErrAmbiguousColumn,
			errHas:    []string{`"Town Name"`, `"town_name"`},
		},
		{
			name:   "ambiguity resolved by the exact name",
			fields: []string{"first_name"},
			header: []string{"First Name", "first_name"},
			want:   map[string]string{"first_name": "first_name"},
			unused: []string{"First Name"},
		},
		{
			name:    "ambiguity without an exact name is an error naming both",
			fields:  []string{"firstName"},
			header:  []string{"First Name", "first_name"},
			errKind: ErrAmbiguousColumn,
			errHas:  []string{`field "firstName"`, `"First Name" and "first_name"`},
		},
		{
			name:      "ambiguity resolved by an override",
			fields:    []string{"firstName"},
			header:    []string{"First Name", "first_name"},
			overrides: map[string]string{"firstName": "first_name"},
			want:      map[string]string{"firstName": "first_name"},
			unused:    []string{"First Name"},
		},
		{
			name:    "names that normalise to nothing match only exactly",
			fields:  []string{"-", "_"},
			header:  []string{"_", "."},
			want:    map[string]string{"_": "_"},
			missing: []string{"-"},
			unused:  []string{"."},
		},
		{
			name:    "empty header",
			fields:  []string{"a"},
			want:    map[string]string{},
			missing: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := MatchColumns(tt.fields, tt.header, tt.overrides)
			if tt.errKind != nil {
				if !errors.Is(err, tt.errKind) {
					t.Fatalf("err = %v, want %v", err, tt.errKind)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %s", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(m.Field, tt.want) {
				t.Errorf("Field = %v, want %v", m.Field, tt.want)
			}
			if !slices.Equal(m.Missing, tt.missing) {
				t.Errorf("Missing = %q, want %q", m.Missing, tt.missing)
			}
			if !slices.Equal(m.Unused, tt.unused) {
				t.Errorf("Unused = %q, want %q", m.Unused, tt.unused)
			}
		})
	}
}

func TestMatchColumnsLongHeaderInError(t *testing.T) {
	header := make([]string, 30)
	for i := range header {
		header[i] = "c" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
	}
	_, err := MatchColumns([]string{"f"}, header, map[string]string{"f": "nope"})
	if err == nil || !strings.Contains(err.Error(), "and 20 more") {
		t.Fatalf("err = %v, want the header list cut at ten", err)
	}
}

func TestColumnMapApply(t *testing.T) {
	in := "\ufeffFirst Name;E-Mail;Town;Notes\nAnn;ann@example.com;Paris;x\n"
	r, err := NewReader(strings.NewReader(in), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := MatchColumns([]string{"firstName", "email", "city", "company"}, r.Header(), map[string]string{"city": "town"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	got := m.Apply(rec)
	want := map[string]string{"firstName": "Ann", "email": "ann@example.com", "city": "Paris"}
	if !maps.Equal(got, want) {
		t.Errorf("Apply = %v, want %v", got, want)
	}
	if !slices.Equal(m.Missing, []string{"company"}) || !slices.Equal(m.Unused, []string{"Notes"}) {
		t.Errorf("Missing = %q, Unused = %q", m.Missing, m.Unused)
	}
	if m.Apply(nil) != nil {
		t.Error("Apply(nil) != nil")
	}
}
