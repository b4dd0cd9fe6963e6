package notice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
)

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func TestValidatePerType(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := &person.Person{Names: []person.Name{{Full: "Amina Odhiambo"}}}
	full := map[notice.Type]notice.Fields{
		notice.Red:       {Offence: "o", LegalBasis: "l", WarrantRef: "w", JudicialAuthority: "j", Penalty: "p"},
		notice.Yellow:    {DisappearedOn: "2025-12-24", DisappearedAt: "Mombasa"},
		notice.Black:     {DiscoveredOn: "2026-01-02", DiscoveredAt: "Rhône, Lyon", BodyDescription: "male, 30-40, tattoo"},
		notice.Orange:    {Threat: "parcel bombs"},
		notice.Purple:    {ModusOperandi: "drugs hidden in fruit crates"},
		notice.Blue:      {InformationSought: "current location"},
		notice.Green:     {CriminalActivities: "serial fraud"},
		notice.UNSpecial: {SanctionsCommittee: "1267 Committee", Resolution: "S/RES/2253 (2015)"},
	}
	for _, typ := range notice.Types {
		c := notice.Content{Type: typ, Person: p, Fields: full[typ]}
		if typ == notice.Purple {
			c.Person = nil
		}
		if err := c.Validate(now); err != nil {
			t.Fatalf("%s: complete notice refused: %v", typ, err)
		}
		for _, f := range notice.Required(typ) {
			c2 := c
			c2.Fields.Set(f, "")
			if err := c2.Validate(now); !errs.Is(errs.Invalid, err) || fieldOf(err) != f {
				t.Errorf("%s without %s: got %v, want Invalid naming %s", typ, f, err, f)
			}
		}
	}
	cases := []struct {
		name  string
		c     notice.Content
		field string
	}{
		{"unknown type", notice.Content{Type: "pink"}, "type"},
		{"purple with person", notice.Content{Type: notice.Purple, Person: p, Fields: full[notice.Purple]}, "person"},
		{"red without person", notice.Content{Type: notice.Red, Fields: full[notice.Red]}, "person"},
		{"field of another type", notice.Content{Type: notice.Orange, Person: p, Fields: notice.Fields{Threat: "x", Offence: "y"}}, "offence"},
		{"future disappearance", notice.Content{Type: notice.Yellow, Person: p, Fields: notice.Fields{DisappearedOn: "2027-01-01", DisappearedAt: "x"}}, "disappeared_on"},
		{"malformed date", notice.Content{Type: notice.Black, Person: p, Fields: notice.Fields{DiscoveredOn: "02/01/2026", DiscoveredAt: "x", BodyDescription: "y"}}, "discovered_on"},
		{"bad person name", notice.Content{Type: notice.Green, Person: &person.Person{Names: []person.Name{{Full: " "}}}, Fields: full[notice.Green]}, "person.names[0].full"},
		{"bad nationality", notice.Content{Type: notice.Blue, Person: &person.Person{Names: p.Names, Nationalities: []string{"France"}}, Fields: full[notice.Blue]}, "person.nationalities[0]"},
	}
	for _, tc := range cases {
		if err := tc.c.Validate(now); !errs.Is(errs.Invalid, err) || fieldOf(err) != tc.field {
			t.Errorf("%s: got %v, want Invalid naming %s", tc.name, err, tc.field)
		}
	}
	// An unidentified body needs no name.
	body := notice.Content{Type: notice.Black, Person: &person.Person{Sex: person.Male}, Fields: full[notice.Black]}
	if err := body.Validate(now); err != nil {
		t.Fatalf("unnamed body refused: %v", err)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"  Jean-Pierre  DUPRÉ ": "jean pierre dupre", "Lèse-Majesté": "lese majeste", "José  Núñez": "jose nunez", "مُحَمَّد": "محمد"} {
		if got := notice.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckPhoto(t *testing.T) {
	if _, err := notice.CheckPhoto([]byte("GIF89a....")); fieldOf(err) != "photo" {
		t.Fatalf("GIF accepted: %v", err)
	}
	if _, err := notice.CheckPhoto([]byte("\x89PNG\r\n\x1a\nnot really")); fieldOf(err) != "photo" {
		t.Fatalf("broken PNG accepted: %v", err)
	}
	ph, err := notice.CheckPhoto(testPNG(t, 32, 40))
	if err != nil || ph.ContentType != "image/png" || ph.Width != 32 || ph.Height != 40 || len(ph.SHA256) != 64 {
		t.Fatalf("good PNG: %+v %v", ph, err)
	}
	if _, err := notice.CheckPhoto(testPNG(t, 4, 4)); fieldOf(err) != "photo" {
		t.Fatalf("4x4 image accepted: %v", err)
	}
}

// TestProblems checks that refusals carry a Problem for interfaces to word,
// while staying errs.Invalid with the field and English message the API
// shows.
func TestProblems(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := &person.Person{Names: []person.Name{{Full: "Amina Odhiambo"}}}
	yellow := func(on string) notice.Content {
		return notice.Content{Type: notice.Yellow, Person: p, Fields: notice.Fields{DisappearedOn: on, DisappearedAt: "Mombasa"}}
	}
	big := append(testPNG(t, 16, 16), make([]byte, notice.MaxPhotoBytes)...)
	cases := []struct {
		name    string
		err     error
		field   string
		problem notice.Problem
		msg     string
	}{
		{"required", yellow("").Validate(now), "disappeared_on", notice.ProblemRequired, "disappeared_on is required for yellow notices"},
		{"not a date", yellow("24/12/2025").Validate(now), "disappeared_on", notice.ProblemNotDate, "disappeared_on must be a date YYYY-MM-DD"},
		{"future", yellow("2027-01-01").Validate(now), "disappeared_on", notice.ProblemFuture, "disappeared_on cannot be in the future"},
		{"empty photo", second(notice.CheckPhoto(nil)), "photo", notice.ProblemPhotoEmpty, "the photo is empty"},
		{"GIF", second(notice.CheckPhoto([]byte("GIF89a...."))), "photo", notice.ProblemPhotoType, "a photo must be a JPEG or PNG image"},
		{"tiny", second(notice.CheckPhoto(testPNG(t, 4, 4))), "photo", notice.ProblemPhotoSize, "a photo is 16 to 8000 pixels on each side"},
		{"too big", second(notice.CheckPhoto(big)), "photo", notice.ProblemPhotoTooBig, "a photo is at most 5 MB"},
	}
	for _, c := range cases {
		if !errs.Is(errs.Invalid, c.err) || fieldOf(c.err) != c.field || notice.ProblemOf(c.err) != c.problem || errs.Message(c.err) != c.msg {
			t.Errorf("%s: kind %v, field %q, problem %q, message %q", c.name, errs.KindOf(c.err), fieldOf(c.err), notice.ProblemOf(c.err), errs.Message(c.err))
		}
	}
	if notice.ProblemOf(errs.Invalidf("x", "f", "other")) != "" {
		t.Error("a problem found in an error without one")
	}
}

func second[T any](_ T, err error) error { return err }
