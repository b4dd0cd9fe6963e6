package names

import "testing"

// TestTiedNamesShowTheQuerysScript: a person entered in Latin and Cyrillic
// (the two spellings romanise alike, so they tie) is shown by its Latin
// name to a Latin query, whichever order the names were entered in; a
// Cyrillic query keeps the first of the tied names. Before, the romanised
// form (always Latin) was tested, and the last name always won.
func TestTiedNamesShowTheQuerysScript(t *testing.T) {
	x := NewIndex()
	x.Add("latin-first", []string{"Muammar Kaddafi", "Муаммар Каддафи"}, Evidence{BirthDate: "1942-06-07"})
	x.Add("cyrillic-first", []string{"Муаммар Каддафи", "Muammar Kaddafi"}, Evidence{BirthDate: "1942-06-07"})
	for _, c := range []struct{ query, want string }{
		{"Muammar Kaddafi", "Muammar Kaddafi"},
		{"MUAMMAR KADDAFI", "Muammar Kaddafi"},
	} {
		got := x.Search(Query{Name: c.query}, 5)
		if len(got) != 2 {
			t.Fatalf("%q: %d candidates", c.query, len(got))
		}
		for _, cand := range got {
			if cand.Name != c.want {
				t.Errorf("%q: %s shown as %q, want %q", c.query, cand.ID, cand.Name, c.want)
			}
		}
	}
	for _, cand := range x.Search(Query{Name: "Муаммар Каддафи"}, 5) {
		want := map[string]string{"latin-first": "Muammar Kaddafi", "cyrillic-first": "Муаммар Каддафи"}[cand.ID]
		if cand.Name != want {
			t.Errorf("Cyrillic query: %s shown as %q, want the first tied name %q", cand.ID, cand.Name, want)
		}
	}
}
