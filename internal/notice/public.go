package notice

import (
	"context"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/person"
)

// PublicSearch returns the public extracts matching f. It needs no caller:
// public extracts are what owners agreed to show anyone, and they hold
// only the fields agreed (searches match only those fields too).
func (s *Service) PublicSearch(ctx context.Context, f PublicFilter) ([]PublicExtract, error) {
	const op = "notice.PublicSearch"
	if len(f.Name) > 300 {
		return nil, errs.Invalidf(op, "name", "a name is at most 300 characters")
	}
	f.Name = Fold(f.Name)
	f.Nationality = strings.ToUpper(strings.TrimSpace(f.Nationality))
	if f.Nationality != "" && (len(f.Nationality) != 2 || strings.IndexFunc(f.Nationality, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
		return nil, errs.Invalidf(op, "nationality", "nationality is an ISO 3166-1 alpha-2 code")
	}
	f.Sex = person.Sex(strings.ToUpper(string(f.Sex)))
	switch f.Sex {
	case "", person.Male, person.Female, person.Unknown:
	default:
		return nil, errs.Invalidf(op, "sex", "sex must be M, F or U")
	}
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = DefaultLimit
	}
	xs, err := s.store.PublicExtracts(ctx, f)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return xs, nil
}

// PublicGet returns one public extract, or a NotFound error when the
// notice has none (whether or not it exists).
func (s *Service) PublicGet(ctx context.Context, id string) (PublicExtract, error) {
	x, err := s.store.PublicExtract(ctx, id)
	if err != nil {
		return PublicExtract{}, errs.E("notice.PublicGet", errs.NotFound, "not found")
	}
	return x, nil
}

// PublicPhoto returns the photo of a public extract, when the owner agreed
// to publish it.
func (s *Service) PublicPhoto(ctx context.Context, id string) (Photo, error) {
	const op = "notice.PublicPhoto"
	x, err := s.PublicGet(ctx, id)
	if err != nil {
		return Photo{}, err
	}
	if x.Photo == "" {
		return Photo{}, errs.E(op, errs.NotFound, "not found")
	}
	ph, err := s.store.Photo(ctx, x.Photo)
	if err != nil {
		return Photo{}, errs.E(op, errs.NotFound, "not found")
	}
	return ph, nil
}
