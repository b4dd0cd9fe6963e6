package screen

import (
	"context"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
)

// people is the person index; filled in with the name engine.
type people struct{}

func newPeople() *people             { return &people{} }
func (p *people) add(r KeyRow) error { return nil }
func (p *people) len() int           { return 0 }

// CheckPerson checks a person by name.
func (s *Service) CheckPerson(ctx context.Context, p identity.Principal, c Context, q PersonQuery) (Result, error) {
	return Result{}, errs.E("screen.CheckPerson", errs.Unavailable, "not yet")
}

// CheckManifest checks a passenger manifest of up to MaxManifest people
// and their documents as one audited check.
func (s *Service) CheckManifest(ctx context.Context, p identity.Principal, c Context, ps []Passenger) (ManifestResult, error) {
	return ManifestResult{}, errs.E("screen.CheckManifest", errs.Unavailable, "not yet")
}
