package mrz_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/screen/mrz"
)

const (
	td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
	td1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
	td2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
)

// TestSpecimens parses the ICAO specimens of each format and compares the
// JSON with the contract's, byte for byte.
func TestSpecimens(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"TD3", td3, `{"format":"TD3","valid":true,"document_code":"P","issuing_state":"UTO","document_number":"L898902C3","nationality":"UTO","birth_date":"740812","sex":"F","expiry_date":"120415","surname":"ERIKSSON","given_names":"ANNA MARIA","optional_data":"ZE184226B","checks":{"document_number":true,"birth_date":true,"expiry_date":true,"personal_number":true,"composite":true}}`},
		{"TD1", td1, `{"format":"TD1","valid":true,"document_code":"I","issuing_state":"UTO","document_number":"D23145890","nationality":"UTO","birth_date":"740812","sex":"F","expiry_date":"120415","surname":"ERIKSSON","given_names":"ANNA MARIA","optional_data":"","checks":{"document_number":true,"birth_date":true,"expiry_date":true,"composite":true}}`},
		{"TD2", td2, `{"format":"TD2","valid":true,"document_code":"I","issuing_state":"UTO","document_number":"D23145890","nationality":"UTO","birth_date":"740812","sex":"F","expiry_date":"120415","surname":"ERIKSSON","given_names":"ANNA MARIA","optional_data":"","checks":{"document_number":true,"birth_date":true,"expiry_date":true,"composite":true}}`},
		// The ICAO TD1 specimen with a 12-character document number
		// (Doc 9303 part 5): the overflow goes into the optional data.
		{"TD1 overflow", "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<", `{"format":"TD1","valid":true,"document_code":"I","issuing_state":"UTO","document_number":"D23145890734","nationality":"UTO","birth_date":"340712","sex":"M","expiry_date":"950712","surname":"STEVENSON","given_names":"PETER JOHN","optional_data":"","checks":{"document_number":true,"birth_date":true,"expiry_date":true,"composite":true}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z, err := mrz.Parse(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(z)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("JSON\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestAcceptedLayout shows what Parse tolerates: surrounding whitespace,
// CRLF, blank lines, lower case.
func TestAcceptedLayout(t *testing.T) {
	want, err := mrz.Parse(td3)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"CRLF":       strings.ReplaceAll(td3, "\n", "\r\n") + "\r\n",
		"whitespace": "\n\n  \t" + strings.ReplaceAll(td3, "\n", "  \n\n ") + "\n\t\n",
		"lower case": strings.ToLower(td3),
	} {
		z, err := mrz.Parse(text)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if a, b := mustJSON(t, z), mustJSON(t, want); a != b {
			t.Errorf("%s: %s, want %s", name, a, b)
		}
	}
}

// TestEachCheckDigitBroken changes every check digit of each specimen in
// turn: the zone parses, valid is false, that check fails (and the
// composite, which covers it), and the other checks hold.
func TestEachCheckDigitBroken(t *testing.T) {
	type pos struct {
		line, col int
		check     string
	}
	for _, tc := range []struct {
		name string
		text string
		pos  []pos
	}{
		{"TD3", td3, []pos{{1, 9, "document_number"}, {1, 19, "birth_date"}, {1, 27, "expiry_date"}, {1, 42, "personal_number"}, {1, 43, "composite"}}},
		{"TD2", td2, []pos{{1, 9, "document_number"}, {1, 19, "birth_date"}, {1, 27, "expiry_date"}, {1, 35, "composite"}}},
		{"TD1", td1, []pos{{0, 14, "document_number"}, {1, 6, "birth_date"}, {1, 14, "expiry_date"}, {1, 29, "composite"}}},
	} {
		for _, p := range tc.pos {
			t.Run(tc.name+"/"+p.check, func(t *testing.T) {
				lines := strings.Split(tc.text, "\n")
				b := []byte(lines[p.line])
				b[p.col] = '0' + (b[p.col]-'0'+1)%10
				lines[p.line] = string(b)
				z, err := mrz.Parse(strings.Join(lines, "\n"))
				if err != nil {
					t.Fatal(err)
				}
				if z.Valid {
					t.Fatal("valid with a broken check digit")
				}
				checks := map[string]bool{}
				if err := json.Unmarshal([]byte(mustJSON(t, z.Checks)), &checks); err != nil {
					t.Fatal(err)
				}
				for name, ok := range checks {
					wantOK := name != p.check && name != "composite"
					if ok != wantOK {
						t.Errorf("checks.%s = %v, want %v", name, ok, wantOK)
					}
				}
			})
		}
	}
}

// TestPersonalNumberFiller: a TD3 zone with no personal number may carry
// '<' or '0' as its check digit; any other digit fails.
func TestPersonalNumberFiller(t *testing.T) {
	z := mustParse(t, td3)
	z.OptionalData = ""
	text, err := mrz.Encode(z)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "<<<<<<<<<<<<<<<") {
		t.Fatalf("encoded %q", text)
	}
	for c, want := range map[byte]bool{'<': true, '0': true, '5': false} {
		b := []byte(text)
		b[len(b)-2] = c
		// Recompute the composite so only the personal-number digit varies.
		line2 := string(b[len(b)-44:])
		comp := mrz.CheckDigit(line2[0:10] + line2[13:20] + line2[21:43])
		b[len(b)-1] = comp
		got := mustParse(t, string(b))
		if *got.Checks.PersonalNumber != want || got.Valid != want {
			t.Errorf("check digit %q: personal_number %v valid %v, want %v", c, *got.Checks.PersonalNumber, got.Valid, want)
		}
	}
}

// TestNotAZone: wrong lengths, line counts, characters and visa zones are
// refused with an Invalid error of one line, never fixed.
func TestNotAZone(t *testing.T) {
	l := strings.Split(td3, "\n")
	for _, tc := range []struct{ name, text, msg string }{
		{"empty", "  \n ", "empty"},
		{"one line", l[0], "1 lines"},
		{"four lines", td1 + "\n" + l[0][:30], "4 lines"},
		{"line 1 short", l[0][:43] + "\n" + l[1], "line 1 has 43 characters"},
		{"line 2 long", l[0] + "\n" + l[1] + "<", "line 2 has 45 characters"},
		{"TD3 line 1 then TD2 line 2", l[0] + "\n" + strings.Split(td2, "\n")[1], "line 2 has 36 characters; a TD3 zone has 44"},
		{"TD1 line short", td1[:len(td1)-1], "line 3 has 29 characters"},
		{"inner space", strings.Replace(td3, "ANNA<MARIA", "ANNA MARIA", 1), `line 1 has ' ' at position 20`},
		{"garbage", "hello, world\nthis is not a passport", `line 1 has ','`},
		{"unicode", strings.Replace(td3, "ERIKSSON", "ÉRIKSSON", 1), "line 1 has 'É'"},
		{"visa", "V" + l[0][1:] + "\n" + l[1], "visa zones"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mrz.Parse(tc.text)
			if !errs.Is(errs.Invalid, err) {
				t.Fatalf("err = %v, want Invalid", err)
			}
			msg := errs.Message(err)
			if !strings.Contains(msg, tc.msg) || strings.Contains(msg, "\n") {
				t.Errorf("message %q, want one line containing %q", msg, tc.msg)
			}
		})
	}
}

// TestEncodeSpecimens: Encode rebuilds each specimen exactly from its fields.
func TestEncodeSpecimens(t *testing.T) {
	for _, text := range []string{td3, td1, td2, "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<"} {
		got, err := mrz.Encode(mustParse(t, text))
		if err != nil {
			t.Fatal(err)
		}
		if got != text {
			t.Errorf("Encode\n got %q\nwant %q", got, text)
		}
	}
}

// TestEncodeRefuses: fields that cannot be written, or would not read back
// as given, are refused with the field named.
func TestEncodeRefuses(t *testing.T) {
	base := mustParse(t, td3)
	for _, tc := range []struct {
		name, field string
		edit        func(*mrz.Zone)
	}{
		{"format", "format", func(z *mrz.Zone) { z.Format = "TD4" }},
		{"long number", "document_number", func(z *mrz.Zone) { z.DocumentNumber = "L898902C3X" }},
		{"lower number", "document_number", func(z *mrz.Zone) { z.DocumentNumber = "l898" }},
		{"date", "birth_date", func(z *mrz.Zone) { z.BirthDate = "7408" }},
		{"sex", "sex", func(z *mrz.Zone) { z.Sex = "Q" }},
		{"double space", "given_names", func(z *mrz.Zone) { z.GivenNames = "ANNA  MARIA" }},
		{"long name", "surname", func(z *mrz.Zone) { z.Surname = strings.Repeat("A", 40) }},
		{"trailing filler", "optional_data", func(z *mrz.Zone) { z.OptionalData = "AB<" }},
		{"state", "issuing_state", func(z *mrz.Zone) { z.IssuingState = "UTOP" }},
	} {
		z := base
		tc.edit(&z)
		_, err := mrz.Encode(z)
		if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != tc.field {
			t.Errorf("%s: err = %v, want Invalid on %s", tc.name, err, tc.field)
		}
	}
}

func mustParse(t *testing.T, text string) mrz.Zone {
	t.Helper()
	z, err := mrz.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOverflow: long document numbers on TD1 and TD2 carry their rest and
// check digit in the optional data; a '<' check digit with no overflow
// fails the document-number check.
func TestOverflow(t *testing.T) {
	for _, format := range []string{mrz.TD1, mrz.TD2} {
		z := mustParse(t, td2)
		z.Format, z.DocumentNumber, z.OptionalData = format, "D2314589073", "AB"
		text, err := mrz.Encode(z)
		if err != nil {
			t.Fatal(err)
		}
		got := mustParse(t, text)
		if !got.Valid || got.DocumentNumber != "D2314589073" || got.OptionalData != "AB" {
			t.Errorf("%s: %+v\n%s", format, got, text)
		}
	}
	noRest := strings.Replace(td1, "D231458907<<<", "D23145890<<<<", 1)
	if z := mustParse(t, noRest); z.Valid || z.Checks.DocumentNumber || z.DocumentNumber != "D23145890" {
		t.Errorf("'<' check digit without overflow: %+v", z)
	}
}
