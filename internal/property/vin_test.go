package property

import (
	"testing"

	"github.com/polex-org/polex/internal/errs"
)

func TestCheckVIN(t *testing.T) {
	for _, c := range []struct {
		name, vin string
		ok        bool
	}{
		{"north american valid", "1M8GDM9AXKP042788", true},
		{"north american valid digit", "11111111111111111", true},
		{"north american X check", "1M8GDM9AXKP042788", true},
		{"honda valid", "1HGCM82633A004352", true},
		{"north american wrong check", "1M8GDM9A1KP042788", false},
		{"european no check digit", "WVWZZZ1JZXW000001", true},
		{"japanese no check digit", "JH4KA7561PC008269", true},
		{"too short", "1M8GDM9AXKP04278", false},
		{"too long", "1M8GDM9AXKP0427881", false},
		{"letter I", "WVWZZZ1JZXI000001", false},
		{"letter O", "WVWZZZ1JZXO000001", false},
		{"letter Q", "WVWZZZ1JZXQ000001", false},
		{"lower case", "wvwzzz1jzxw000001", false},
		{"punctuation", "WVWZZZ1JZX-000001", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckVIN("vin", c.vin)
			if (err == nil) != c.ok {
				t.Fatalf("CheckVIN(%q) = %v, want ok=%v", c.vin, err, c.ok)
			}
			if err != nil && (errs.FieldOf(err) != "vin" || !errs.Is(errs.Invalid, err)) {
				t.Fatalf("error %v: field %q kind %v", err, errs.FieldOf(err), errs.KindOf(err))
			}
		})
	}
}

// TestVINCheckDigitKnown checks the algorithm against published examples.
func TestVINCheckDigitKnown(t *testing.T) {
	for vin, want := range map[string]byte{"1M8GDM9AXKP042788": 'X', "1HGCM82633A004352": '3', "11111111111111111": '1'} {
		if got, ok := VINCheckDigit(vin); !ok || got != want {
			t.Errorf("VINCheckDigit(%s) = %c, %v; want %c", vin, got, ok, want)
		}
	}
}

// FuzzCheckVIN checks that CheckVIN never panics, accepts only 17 valid
// characters, and that fixing position 9 of any well-formed North American
// VIN makes it valid while any other digit there makes it invalid.
func FuzzCheckVIN(f *testing.F) {
	for _, s := range []string{"1M8GDM9AXKP042788", "WVWZZZ1JZXW000001", "", "IOQ", "1M8GDM9AXKP04278\x00", "5YJ3E1EA7KF317000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckVIN("vin", s)
		if err == nil {
			if len(s) != VINLen {
				t.Fatalf("accepted %q of length %d", s, len(s))
			}
			for i := 0; i < len(s); i++ {
				if vinValue(s[i]) < 0 {
					t.Fatalf("accepted %q with bad character %q", s, s[i])
				}
			}
		}
		d, ok := VINCheckDigit(s)
		if !ok || !NorthAmerican(s) {
			return
		}
		fixed := s[:8] + string(d) + s[9:]
		if err := CheckVIN("vin", fixed); err != nil {
			t.Fatalf("%q with its check digit %c refused: %v", fixed, d, err)
		}
		for _, c := range []byte("0123456789X") {
			if c == d {
				continue
			}
			if CheckVIN("vin", s[:8]+string(c)+s[9:]) == nil {
				t.Fatalf("%q accepted with wrong check digit %c (want %c)", s, c, d)
			}
		}
	})
}
