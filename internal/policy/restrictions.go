package policy

import (
	"slices"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
)

// Restrictions are the owner's access restrictions on a record: allow and
// deny lists of countries (ISO 3166-1 alpha-2) and regions. Empty allow
// lists allow every country; deny wins over allow. They bind everyone but
// the owner country's users and the oversight body.
type Restrictions struct {
	AllowCountries []string        `json:"allow_countries,omitempty"`
	DenyCountries  []string        `json:"deny_countries,omitempty"`
	AllowRegions   []member.Region `json:"allow_regions,omitempty"`
	DenyRegions    []member.Region `json:"deny_regions,omitempty"`
}

// IsZero reports whether r restricts nothing.
func (r Restrictions) IsZero() bool {
	return len(r.AllowCountries) == 0 && len(r.DenyCountries) == 0 &&
		len(r.AllowRegions) == 0 && len(r.DenyRegions) == 0
}

// Validate returns an errs.Invalid error naming the field at fault when a
// country code is not two upper-case letters, a region is unknown, or a
// country or region is on both the allow and the deny list.
func (r Restrictions) Validate() error {
	const op = "policy.Restrictions.Validate"
	for _, l := range []struct {
		field string
		codes []string
	}{{"allow_countries", r.AllowCountries}, {"deny_countries", r.DenyCountries}} {
		for _, c := range l.codes {
			if !isAlpha2(c) {
				return errs.Invalidf(op, l.field, "%q is not an ISO 3166-1 alpha-2 code", c)
			}
		}
	}
	for _, l := range []struct {
		field   string
		regions []member.Region
	}{{"allow_regions", r.AllowRegions}, {"deny_regions", r.DenyRegions}} {
		for _, g := range l.regions {
			if !g.Valid() {
				return errs.Invalidf(op, l.field, "%q is not a region", string(g))
			}
		}
	}
	for _, c := range r.AllowCountries {
		if slices.Contains(r.DenyCountries, c) {
			return errs.Invalidf(op, "deny_countries", "country %s is on both the allow and the deny list", c)
		}
	}
	for _, g := range r.AllowRegions {
		if slices.Contains(r.DenyRegions, g) {
			return errs.Invalidf(op, "deny_regions", "region %s is on both the allow and the deny list", string(g))
		}
	}
	return nil
}

// excludes returns why r hides a record from a subject of the given country
// and region, or "" when it does not. An empty country or region matches no
// list entry.
func (r Restrictions) excludes(country string, region member.Region) string {
	if country != "" && slices.Contains(r.DenyCountries, country) {
		return "country on the deny list"
	}
	if region != "" && slices.Contains(r.DenyRegions, region) {
		return "region on the deny list"
	}
	if len(r.AllowCountries) == 0 && len(r.AllowRegions) == 0 {
		return ""
	}
	if country != "" && slices.Contains(r.AllowCountries, country) {
		return ""
	}
	if region != "" && slices.Contains(r.AllowRegions, region) {
		return ""
	}
	return "not on the allow list"
}

// isAlpha2 reports whether s is two upper-case ASCII letters.
func isAlpha2(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}
