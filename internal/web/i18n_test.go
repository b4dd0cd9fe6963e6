package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
)

// TestCatalogues checks that the four catalogues hold the same keys, that
// no text is empty, that each language uses the same placeholders, and
// that the Arabic catalogue is written in Arabic.
func TestCatalogues(t *testing.T) {
	cat, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`\{\d+\}`)
	en := cat.byLang["en"]
	if len(en) < 100 {
		t.Fatalf("only %d keys", len(en))
	}
	for _, l := range languages {
		m := cat.byLang[l]
		if d := diffKeys(en, m); len(d) > 0 {
			t.Errorf("%s: keys differ from en: %v", l, d)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", l, k)
			}
			want := placeholder.FindAllString(en[k], -1)
			got := placeholder.FindAllString(v, -1)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s has placeholders %v, en has %v", l, k, got, want)
			}
			if l == "ar" && !strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
				t.Errorf("ar: %s is not in Arabic: %q", k, v)
			}
		}
	}
}

// dynamicKeys are the keys that templates build with print, by the
// arguments of print: a prefix, a value, maybe a suffix. Each names every
// value it may take.
func dynamicKeys() map[string][]string {
	var roles, clearances []string
	for _, r := range identity.Roles {
		roles = append(roles, string(r))
	}
	for c := identity.Public; c <= identity.Confidential; c++ {
		clearances = append(clearances, c.String())
	}
	expand := func(prefix, suffix string, vals []string) []string {
		var out []string
		for _, v := range vals {
			out = append(out, prefix+v+suffix)
		}
		return out
	}
	var regions []string
	for _, r := range member.Regions {
		regions = append(regions, string(r))
	}
	outcomes := []string{audit.OutcomeAllow, audit.OutcomeDeny, audit.OutcomeError, audit.OutcomeOK}
	keys := map[string][]string{
		`"role." ·`:          expand("role.", "", roles),
		`"home." · ".intro"`: expand("home.", ".intro", roles),
		`"clearance." ·`:     expand("clearance.", "", clearances),
		`"region." ·`:        expand("region.", "", regions),
		`"outcome." ·`:       expand("outcome.", "", outcomes),
	}
	maps.Copy(keys, noticeDynamicKeys())
	return keys
}

// templateKeys walks every template and returns the keys passed to t as
// literals, and the print patterns used to build keys.
func templateKeys(t *testing.T) (literal, dynamic map[string]bool) {
	literal, dynamic = map[string]bool{}, map[string]bool{}
	names, err := pageFiles()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n parse.Node)
	cmd := func(c *parse.CommandNode) {
		for i, a := range c.Args {
			id, ok := a.(*parse.IdentifierNode)
			if !ok || id.Ident != "t" || i+1 >= len(c.Args) {
				continue
			}
			switch k := c.Args[i+1].(type) {
			case *parse.StringNode:
				literal[k.Text] = true
			case *parse.PipeNode:
				var parts []string
				for _, pc := range k.Cmds {
					if len(pc.Args) > 0 {
						if fn, ok := pc.Args[0].(*parse.IdentifierNode); ok && fn.Ident == "print" {
							for _, x := range pc.Args[1:] {
								if s, ok := x.(*parse.StringNode); ok {
									parts = append(parts, strconv.Quote(s.Text))
								} else {
									parts = append(parts, "·")
								}
							}
						}
					}
				}
				dynamic[strings.Join(parts, " ")] = true
			default:
				// A field (.Title, .Key, .FieldKey…): keys set by Go code,
				// checked by TestGoKeys.
			}
		}
	}
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				cmd(c)
				for _, a := range c.Args {
					if p, ok := a.(*parse.PipeNode); ok {
						walk(p)
					}
				}
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		}
	}
	for _, name := range names {
		tt, err := parsePage(name, func(string, ...any) string { return "" }, map[string]any{"asset": func(string) (string, error) { return "", nil }})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range tt.Templates() {
			if x.Tree != nil {
				walk(x.Tree.Root)
			}
		}
	}
	return literal, dynamic
}

// goKeys returns the string literals of the package's Go files (tests
// excepted) that look like catalogue keys: their first segment is one of
// the catalogue's.
func goKeys(t *testing.T, namespaces map[string]bool) map[string]bool {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)+$`)
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, fn := range files {
		if strings.HasSuffix(fn, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, fn, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !keyRE.MatchString(s) {
				return true
			}
			if ns, _, _ := strings.Cut(s, "."); namespaces[ns] {
				out[s] = true
			}
			return true
		})
	}
	return out
}

// TestKeysUsed checks that no template or Go code uses a key missing from
// the catalogues, and that every key of the catalogues is used.
func TestKeysUsed(t *testing.T) {
	cat, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	literal, dynamic := templateKeys(t)
	if len(literal) < 30 {
		t.Fatalf("found only %d keys in templates: is the walk broken?", len(literal))
	}
	for k := range literal {
		if !cat.has(k) {
			t.Errorf("a template uses the missing key %q", k)
		}
		used[k] = true
	}
	dyn := dynamicKeys()
	for pat := range dynamic {
		keys, ok := dyn[pat]
		if !ok {
			t.Errorf("a template builds keys as (print %s): list them in dynamicKeys", pat)
		}
		for _, k := range keys {
			if !cat.has(k) {
				t.Errorf("a template uses the missing key %q (print %s)", k, pat)
			}
			used[k] = true
		}
	}
	namespaces := map[string]bool{}
	for k := range cat.byLang["en"] {
		ns, _, _ := strings.Cut(k, ".")
		namespaces[ns] = true
	}
	for k := range goKeys(t, namespaces) {
		if !cat.has(k) {
			t.Errorf("the Go code uses the missing key %q", k)
		}
		used[k] = true
	}
	for k := range cat.byLang["en"] {
		if !used[k] {
			t.Errorf("key %q is never used", k)
		}
	}
}

// TestErrorTexts checks that every message the services may show has a
// translation, and that no text falls back to a missing key.
func TestErrorTexts(t *testing.T) {
	cat, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for msg, key := range knownMessages {
		if !cat.has(key) {
			t.Errorf("%q maps to the missing key %q", msg, key)
		}
	}
	for _, m := range fieldMessages {
		for f, key := range m {
			if !cat.has(key) {
				t.Errorf("field %s maps to the missing key %q", f, key)
			}
		}
	}
	for k, key := range kindMessages {
		if !cat.has(key) {
			t.Errorf("kind %s maps to the missing key %q", k, key)
		}
	}
	for _, fields := range []map[string]string{formFields, memberFields, auditFields} {
		for _, key := range fields {
			if !cat.has(key) {
				t.Errorf("missing field label %q", key)
			}
		}
	}
	for _, items := range homeItems {
		for _, it := range items {
			if !cat.has(it.Key) {
				t.Errorf("missing home item %q", it.Key)
			}
		}
	}
	for _, r := range identity.Roles {
		if _, ok := homeItems[r]; !ok {
			t.Errorf("role %s has no home section", r)
		}
	}
}
