package screen

import (
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/screen/mrz"
)

func zone(t *testing.T, z mrz.Zone) string {
	t.Helper()
	s, err := mrz.Encode(z)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFromMRZ(t *testing.T) {
	fr := zone(t, mrz.Zone{Format: mrz.TD3, DocumentCode: "P", IssuingState: "FRA", DocumentNumber: "18FR12345", Nationality: "FRA",
		BirthDate: "800101", Sex: "M", ExpiryDate: "300101", Surname: "MARTIN", GivenNames: "PAUL"})
	de := zone(t, mrz.Zone{Format: mrz.TD1, DocumentCode: "ID", IssuingState: "D", DocumentNumber: "T22000129", Nationality: "D",
		BirthDate: "640812", Sex: "F", ExpiryDate: "201031", Surname: "MUSTERMANN", GivenNames: "ERIKA"})
	for _, tt := range []struct {
		name, text, cc, number, bad string
	}{
		{"TD3 of a non-member (Utopia): number alone", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10", "", "L898902C3", ""},
		{"TD3 of France", fr, "FR", "18FR12345", ""},
		{"TD1 of Germany (D)", de, "DE", "T22000129", ""},
		{"a failing digit", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37UTO7408122F1204159ZE184226B<<<<<10", "", "", "document number"},
		{"no zone", "hello", "", "", "no machine-readable zone"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cc, n, err := fromMRZ("op", "", tt.text)
			if tt.bad != "" {
				if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "mrz" || !strings.Contains(errs.Message(err), tt.bad) {
					t.Fatalf("err = %v, want Invalid mrz naming %q", err, tt.bad)
				}
				return
			}
			if err != nil || cc != tt.cc || n != tt.number {
				t.Fatalf("= %q %q %v, want %q %q", cc, n, err, tt.cc, tt.number)
			}
		})
	}
}
