package member

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/errs"
)

const isoCodes = "/usr/share/iso-codes/json/iso_3166-1.json"

func TestMembers(t *testing.T) {
	cs, err := Members()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 196 {
		t.Errorf("got %d members, want 196", len(cs))
	}
	alpha2 := make(map[string]bool)
	alpha3 := make(map[string]bool)
	perRegion := make(map[Region]int)
	for i, c := range cs {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Alpha2, err)
		}
		if c.Status != Active {
			t.Errorf("%s: status %q, want active", c.Alpha2, c.Status)
		}
		if i > 0 && cs[i-1].Alpha2 >= c.Alpha2 {
			t.Errorf("not sorted by alpha-2 at %s, %s", cs[i-1].Alpha2, c.Alpha2)
		}
		if alpha2[c.Alpha2] {
			t.Errorf("duplicate alpha-2 %s", c.Alpha2)
		}
		if alpha3[c.Alpha3] {
			t.Errorf("duplicate alpha-3 %s", c.Alpha3)
		}
		alpha2[c.Alpha2], alpha3[c.Alpha3] = true, true
		if !c.Region.Valid() {
			t.Errorf("%s: invalid region %q", c.Alpha2, c.Region)
		}
		perRegion[c.Region]++
	}
	for _, r := range Regions {
		if perRegion[r] == 0 {
			t.Errorf("region %s has no members", r)
		}
	}
	for _, cc := range []string{"KP", "TV", "TW", "XK", "HK", "MO", "PR", "BQ"} {
		if alpha2[cc] {
			t.Errorf("%s is listed but is not an INTERPOL member", cc)
		}
	}
	for _, cc := range []string{"PW", "VA", "PS", "FM", "AW", "CW", "SX", "SS", "FR", "US"} {
		if !alpha2[cc] {
			t.Errorf("%s is missing", cc)
		}
	}

	// Members returns a copy.
	cs[0].Name = "changed"
	again, err := Members()
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Name == "changed" {
		t.Error("Members shares its slice with the caller")
	}
}

func TestRegionOf(t *testing.T) {
	tests := []struct {
		code string
		want Region
		kind errs.Kind
	}{
		{"FR", Europe, errs.Other},
		{" fr ", Europe, errs.Other},
		{"ng", Africa, errs.Other},
		{"BR", Americas, errs.Other},
		{"JP", AsiaPacific, errs.Other},
		{"PW", AsiaPacific, errs.Other},
		{"IR", AsiaPacific, errs.Other},
		{"EG", MENA, errs.Other},
		{"PS", MENA, errs.Other},
		{"IL", Europe, errs.Other},
		{"TR", Europe, errs.Other},
		{"CY", Europe, errs.Other},
		{"KZ", Europe, errs.Other},
		{"KP", "", errs.NotFound},
		{"ZZ", "", errs.NotFound},
		{"FRA", "", errs.Invalid},
		{"", "", errs.Invalid},
	}
	for _, tt := range tests {
		got, err := RegionOf(tt.code)
		if errs.KindOf(err) != tt.kind {
			t.Errorf("RegionOf(%q): error %v, want kind %v", tt.code, err, tt.kind)
			continue
		}
		if got != tt.want {
			t.Errorf("RegionOf(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

// TestGenerated checks that countries.json is what the generator writes now.
func TestGenerated(t *testing.T) {
	if _, err := os.Stat(isoCodes); err != nil {
		t.Skipf("iso-codes not installed: %v", err)
	}
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go command not found: %v", err)
	}
	out := filepath.Join(t.TempDir(), "countries.json")
	cmd := exec.Command(goBin, "run", "./gen", "-in", isoCodes, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(countriesJSON, want) {
		t.Error("countries.json is out of date; run go generate ./internal/member/")
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"FR", "FR"},
		{"fr", "FR"},
		{"fR", "FR"},
		{"  us\t\n", "US"},
		{"", ""},
		{" ", ""},
		{"F", ""},
		{"FRA", ""},
		{"F1", ""},
		{"F-", ""},
		{"é1", ""},
		{"ſt", ""}, // U+017F upper-cases to S: not ASCII
		{"F R", ""},
		{"\x00FR", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeCode(tt.in)
		if tt.want == "" {
			if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "alpha2" {
				t.Errorf("NormalizeCode(%q) = %q, %v; want an invalid alpha2 error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCountryValidate(t *testing.T) {
	good := Country{Alpha2: "FR", Alpha3: "FRA", Name: "France", Region: Europe, Status: Active}
	tests := []struct {
		name  string
		edit  func(*Country)
		field string // "" when valid
	}{
		{"valid", func(*Country) {}, ""},
		{"suspended", func(c *Country) { c.Status = Suspended }, ""},
		{"lower alpha2", func(c *Country) { c.Alpha2 = "fr" }, "alpha2"},
		{"padded alpha2", func(c *Country) { c.Alpha2 = " FR" }, "alpha2"},
		{"long alpha2", func(c *Country) { c.Alpha2 = "FRA" }, "alpha2"},
		{"empty alpha2", func(c *Country) { c.Alpha2 = "" }, "alpha2"},
		{"short alpha3", func(c *Country) { c.Alpha3 = "FR" }, "alpha3"},
		{"lower alpha3", func(c *Country) { c.Alpha3 = "fra" }, "alpha3"},
		{"digit alpha3", func(c *Country) { c.Alpha3 = "F1A" }, "alpha3"},
		{"empty name", func(c *Country) { c.Name = "" }, "name"},
		{"blank name", func(c *Country) { c.Name = "  " }, "name"},
		{"control in name", func(c *Country) { c.Name = "Fr\nance" }, "name"},
		{"long name", func(c *Country) { c.Name = strings.Repeat("é", 201) }, "name"},
		{"200 runes", func(c *Country) { c.Name = strings.Repeat("é", 200) }, ""},
		{"bad utf-8", func(c *Country) { c.Name = "Fr\xffance" }, "name"},
		{"no region", func(c *Country) { c.Region = "" }, "region"},
		{"bad region", func(c *Country) { c.Region = "asia" }, "region"},
		{"no status", func(c *Country) { c.Status = "" }, "status"},
		{"bad status", func(c *Country) { c.Status = "expelled" }, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			checkInvalid(t, c.Validate(), tt.field)
		})
	}
}

func TestOrgValidate(t *testing.T) {
	ncb := Org{ID: "ncb-fr", Kind: NCB, Name: "NCB Paris", Country: "FR"}
	agency := Org{ID: "fr-pj", Kind: Agency, Name: "Police judiciaire", Country: "FR", Parent: "ncb-fr"}
	gs := Org{ID: SecretariatID, Kind: Secretariat, Name: "General Secretariat"}
	ccf := Org{ID: OversightID, Kind: Oversight, Name: "Commission for the Control of Files"}
	tests := []struct {
		name  string
		org   Org
		edit  func(*Org)
		field string // "" when valid
	}{
		{"ncb", ncb, func(*Org) {}, ""},
		{"agency", agency, func(*Org) {}, ""},
		{"secretariat", gs, func(*Org) {}, ""},
		{"oversight", ccf, func(*Org) {}, ""},
		{"64-char id", ncb, func(o *Org) { o.ID = strings.Repeat("a", 64) }, ""},
		{"empty id", ncb, func(o *Org) { o.ID = "" }, "id"},
		{"1-char id", ncb, func(o *Org) { o.ID = "a" }, "id"},
		{"65-char id", ncb, func(o *Org) { o.ID = strings.Repeat("a", 65) }, "id"},
		{"upper id", ncb, func(o *Org) { o.ID = "NCB-FR" }, "id"},
		{"underscore id", ncb, func(o *Org) { o.ID = "ncb_fr" }, "id"},
		{"space id", ncb, func(o *Org) { o.ID = "ncb fr" }, "id"},
		{"non-ASCII id", ncb, func(o *Org) { o.ID = "ncb-fré" }, "id"},
		{"no kind", ncb, func(o *Org) { o.Kind = "" }, "kind"},
		{"bad kind", ncb, func(o *Org) { o.Kind = "police" }, "kind"},
		{"empty name", ncb, func(o *Org) { o.Name = "" }, "name"},
		{"blank name", ncb, func(o *Org) { o.Name = " \t" }, "name"},
		{"control in name", ncb, func(o *Org) { o.Name = "NCB\x7fParis" }, "name"},
		{"C1 control in name", ncb, func(o *Org) { o.Name = "NCB\u0085Paris" }, "name"},
		{"201-char name", ncb, func(o *Org) { o.Name = strings.Repeat("x", 201) }, "name"},
		{"200-char name", ncb, func(o *Org) { o.Name = strings.Repeat("x", 200) }, ""},
		{"ncb without country", ncb, func(o *Org) { o.Country = "" }, "country"},
		{"ncb lower country", ncb, func(o *Org) { o.Country = "fr" }, "country"},
		{"ncb bad country", ncb, func(o *Org) { o.Country = "FRA" }, "country"},
		{"ncb with parent", ncb, func(o *Org) { o.Parent = "gs" }, "parent"},
		{"agency without country", agency, func(o *Org) { o.Country = "" }, "country"},
		{"agency without parent", agency, func(o *Org) { o.Parent = "" }, "parent"},
		{"agency bad parent", agency, func(o *Org) { o.Parent = "NCB FR" }, "parent"},
		{"secretariat with country", gs, func(o *Org) { o.Country = "FR" }, "country"},
		{"secretariat with parent", gs, func(o *Org) { o.Parent = "ccf" }, "parent"},
		{"oversight with country", ccf, func(o *Org) { o.Country = "FR" }, "country"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.org
			tt.edit(&o)
			checkInvalid(t, o.Validate(), tt.field)
		})
	}
}

// checkInvalid checks that err is nil when field is "" and otherwise an
// errs.Invalid error naming field.
func checkInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
		return
	}
	if !errs.Is(errs.Invalid, err) {
		t.Fatalf("error %v, want an invalid error", err)
	}
	if got := errs.FieldOf(err); got != field {
		t.Errorf("error names field %q, want %q (%v)", got, field, err)
	}
}

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"FR", "us", " gb\n", "", "FRA", "ſt", "1A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeCode(s)
		if err != nil {
			if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "alpha2" {
				t.Fatalf("NormalizeCode(%q): error %v, want an invalid alpha2 error", s, err)
			}
			if got != "" {
				t.Fatalf("NormalizeCode(%q) = %q with an error", s, got)
			}
			return
		}
		if len(got) != 2 || got[0] < 'A' || got[0] > 'Z' || got[1] < 'A' || got[1] > 'Z' {
			t.Fatalf("NormalizeCode(%q) = %q, want two upper-case ASCII letters", s, got)
		}
		if !strings.EqualFold(strings.TrimSpace(s), got) {
			t.Fatalf("NormalizeCode(%q) = %q, not the trimmed input", s, got)
		}
		again, err := NormalizeCode(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeCode(%q) = %q, %v; not idempotent", got, again, err)
		}
	})
}
