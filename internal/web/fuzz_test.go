package web

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext checks that no input turns the post-login redirect into an
// open redirect: the result is always a path on this site.
func FuzzSafeNext(f *testing.F) {
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor /", next, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsRune(got, '\\') {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
		for _, c := range []byte(got) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("safeNext(%q) = %q holds a control byte", next, got)
			}
		}
		if u, err := url.Parse(got); err == nil && (u.Host != "" || u.Scheme != "") {
			t.Fatalf("safeNext(%q) = %q parses with host %q scheme %q", next, got, u.Host, u.Scheme)
		}
	})
}

// FuzzAcceptLanguage checks that any header yields one of the four official languages.
func FuzzAcceptLanguage(f *testing.F) {
	f.Fuzz(func(t *testing.T, h string) {
		if got := acceptLanguage(h); !validLang(got) {
			t.Fatalf("acceptLanguage(%q) = %q, not an official language", h, got)
		}
	})
}
