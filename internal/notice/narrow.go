package notice

import (
	"slices"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/policy"
)

// narrowed returns the access of published notice n while the owner's
// update in awaits review: every restriction of either applies, so that
// narrowing who may see a notice takes effect at once and widening waits
// for the reviewer. Deny lists are united; allow lists are intersected
// country by country and region by region (which may hide the notice from
// more readers than the exact intersection, never from fewer, until the
// reviewer decides); the higher classification and handling code win. A
// notice with any restriction has no public extract (Notice.Public).
func narrowed(n Notice, in Input) (policy.Restrictions, policy.Handling, identity.Classification) {
	a, b := n.Restrictions, in.Restrictions
	r := policy.Restrictions{
		DenyCountries: union(a.DenyCountries, b.DenyCountries),
		DenyRegions:   union(a.DenyRegions, b.DenyRegions),
	}
	aAllow := len(a.AllowCountries)+len(a.AllowRegions) > 0
	bAllow := len(b.AllowCountries)+len(b.AllowRegions) > 0
	switch {
	case aAllow && bAllow:
		r.AllowCountries = intersect(a.AllowCountries, b.AllowCountries)
		r.AllowRegions = intersect(a.AllowRegions, b.AllowRegions)
		if len(r.AllowCountries)+len(r.AllowRegions) == 0 {
			// Nobody is on both lists: the owner alone sees the notice.
			r.AllowCountries = []string{n.Owner}
		}
	case aAllow:
		r.AllowCountries, r.AllowRegions = a.AllowCountries, a.AllowRegions
	case bAllow:
		r.AllowCountries, r.AllowRegions = b.AllowCountries, b.AllowRegions
	}
	// A country or region both allowed and denied is denied (deny wins),
	// and Restrictions.Validate refuses the overlap: drop it from the allow lists.
	r.AllowCountries = slices.DeleteFunc(slices.Clone(r.AllowCountries), func(c string) bool { return slices.Contains(r.DenyCountries, c) })
	r.AllowRegions = slices.DeleteFunc(slices.Clone(r.AllowRegions), func(g member.Region) bool { return slices.Contains(r.DenyRegions, g) })
	if aAllow || bAllow {
		if len(r.AllowCountries)+len(r.AllowRegions) == 0 {
			r.AllowCountries = []string{n.Owner}
		}
	}
	return r, max(handlingRank(n.Handling), handlingRank(in.Handling)), max(n.Classification, in.Classification)
}

// handlingRank returns h with "" read as H0; the codes order by strictness.
func handlingRank(h policy.Handling) policy.Handling {
	if h == "" {
		return policy.H0
	}
	return h
}

func union[T comparable](a, b []T) []T {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func intersect[T comparable](a, b []T) []T {
	var out []T
	for _, v := range a {
		if slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}
