package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/polex-org/polex/internal/identity"
)

// languages are the four official languages, in the order of the picker.
var languages = []string{"en", "fr", "es", "ar"}

// rtl reports whether lang is written right to left.
func rtl(lang string) bool { return lang == "ar" }

// validLang reports whether l is an official language.
func validLang(l string) bool { return slices.Contains(languages, l) }

// The catalogues: i18n/<lang>.json holds the shell's messages and
// i18n/<area>/<lang>.json each feature's, merged into one catalogue per
// language; a key defined twice is an error.
//
//go:embed i18n/*.json i18n/*/*.json
var catalogueFS embed.FS

// catalogue maps message keys to texts in one language. A text may hold
// positional arguments {0}, {1}, … so that each language orders them.
type catalogue map[string]string

// catalogues holds one catalogue per official language, all with the
// same keys.
type catalogues struct {
	byLang map[string]catalogue
}

// loadCatalogues reads the embedded catalogues. It returns an error when
// one is missing or malformed, or when their keys differ.
func loadCatalogues() (*catalogues, error) {
	c := &catalogues{byLang: map[string]catalogue{}}
	for _, l := range languages {
		areas, err := fs.Glob(catalogueFS, "i18n/*/"+l+".json")
		if err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", l, err)
		}
		m := catalogue{}
		for _, name := range append([]string{"i18n/" + l + ".json"}, areas...) {
			b, err := catalogueFS.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("web: catalogue %s: %w", l, err)
			}
			var part catalogue
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("web: catalogue %s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("web: catalogue %s: key %q defined twice", name, k)
				}
				m[k] = v
			}
		}
		c.byLang[l] = m
	}
	for _, l := range languages[1:] {
		if missing := diffKeys(c.byLang["en"], c.byLang[l]); len(missing) > 0 {
			return nil, fmt.Errorf("web: catalogues en and %s differ: %s", l, strings.Join(missing, ", "))
		}
	}
	return c, nil
}

// diffKeys returns the keys that are in one of a and b only, sorted.
func diffKeys(a, b catalogue) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// has reports whether key is in the catalogues.
func (c *catalogues) has(key string) bool {
	_, ok := c.byLang["en"][key]
	return ok
}

// T returns the text of key in lang with {0}, {1}, … replaced by args. A
// missing key (a bug the tests catch) is shown as itself between brackets.
func (c *catalogues) T(lang, key string, args ...any) string {
	m := c.byLang[lang]
	if m == nil {
		m = c.byLang["en"]
	}
	txt, ok := m[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return txt
	}
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i)+"}", fmt.Sprint(a))
	}
	return strings.NewReplacer(pairs...).Replace(txt)
}

// pickLang returns the language of a request: the one the visitor picked
// (cookie), else the signed-in user's, else the best match of
// Accept-Language, else English.
func (s *Server) pickLang(r *http.Request, p *identity.Principal) string {
	if c, err := r.Cookie(langCookie); err == nil && validLang(c.Value) {
		return c.Value
	}
	if p != nil && validLang(p.User.Language) {
		return p.User.Language
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// acceptLanguage returns the official language the header prefers, or
// "en". Only the primary subtag counts ("fr-CA" is French).
func acceptLanguage(h string) string {
	best, bestQ := "en", 0.0
	for i, part := range strings.Split(h, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if validLang(primary) && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// countryName returns the name of the country with alpha-2 code cc in
// lang, from CLDR; cc itself when unknown.
func countryName(lang, cc string) string {
	reg, err := language.ParseRegion(cc)
	if err != nil {
		return cc
	}
	dict := map[string]*display.Dictionary{"en": display.English, "fr": display.French, "es": display.Spanish, "ar": display.Arabic}[lang]
	if dict == nil {
		dict = display.English
	}
	if n := dict.Regions().Name(reg); n != "" {
		return n
	}
	return cc
}
