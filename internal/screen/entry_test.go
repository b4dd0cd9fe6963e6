package screen

import "testing"

// TestEntryField: the fields the checks name for one entry of a batch or
// manifest split into the entry and the field within it.
func TestEntryField(t *testing.T) {
	for field, want := range map[string]struct {
		i    int
		rest string
		ok   bool
	}{
		"documents[3].number":                    {3, "number", true},
		"passengers[0].document.issuing_country": {0, "document.issuing_country", true},
		"passengers[12].name":                    {12, "name", true},
		"passengers":                             {0, "", false},
		"documents[x].number":                    {0, "", false},
		"documents[1]":                           {0, "", false},
		"purpose":                                {0, "", false},
		"vehicles[1].vin":                        {0, "", false},
	} {
		i, rest, ok := EntryField(field)
		if ok != want.ok || ok && (i != want.i || rest != want.rest) {
			t.Errorf("EntryField(%q) = %d %q %v, want %+v", field, i, rest, ok, want)
		}
	}
}
