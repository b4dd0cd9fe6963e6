// Package member holds the member countries, their regions and the
// organisations of Polex: one National Central Bureau per country, national
// agencies under an NCB, the General Secretariat and the oversight body.
//
// It holds types and rules only; storage engines implement Store.
package member

import (
	"context"
	"time"
)

// Region is one of the five regions used for working parties and statistics.
type Region string

// The five regions.
const (
	Africa      Region = "africa"
	Americas    Region = "americas"
	AsiaPacific Region = "asia-south-pacific"
	Europe      Region = "europe"
	MENA        Region = "middle-east-north-africa"
)

// Regions lists every region in a stable order.
var Regions = []Region{Africa, Americas, AsiaPacific, Europe, MENA}

// Valid reports whether r is one of the five regions.
func (r Region) Valid() bool {
	for _, x := range Regions {
		if r == x {
			return true
		}
	}
	return false
}

// Status is a member country's standing.
type Status string

// Member statuses. A suspended member's users lose access at once.
const (
	Active    Status = "active"
	Suspended Status = "suspended"
)

// Country is a member country.
type Country struct {
	Alpha2    string    `json:"alpha2"` // ISO 3166-1 alpha-2, upper case, the key
	Alpha3    string    `json:"alpha3"`
	Name      string    `json:"name"` // English short name
	Region    Region    `json:"region"`
	Status    Status    `json:"status"`
	Joined    time.Time `json:"joined"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OrgKind is the kind of an organisation.
type OrgKind string

// Kinds of organisation.
const (
	NCB         OrgKind = "ncb"         // a country's National Central Bureau
	Agency      OrgKind = "agency"      // a national agency under its NCB
	Secretariat OrgKind = "secretariat" // the General Secretariat
	Oversight   OrgKind = "oversight"   // the oversight body
)

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	switch k {
	case NCB, Agency, Secretariat, Oversight:
		return true
	}
	return false
}

// Org is an organisation whose users work in Polex.
type Org struct {
	ID        string    `json:"id"` // stable identifier, e.g. "ncb-fr", "gs", "ccf"
	Kind      OrgKind   `json:"kind"`
	Name      string    `json:"name"`
	Country   string    `json:"country,omitempty"` // alpha-2 for NCBs and agencies; empty for GS and oversight
	Parent    string    `json:"parent,omitempty"`  // the NCB an agency sits under
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// NCBID returns the organisation ID of country cc's National Central Bureau.
func NCBID(cc string) string { return "ncb-" + lower(cc) }

// Well-known organisation IDs.
const (
	SecretariatID = "gs"
	OversightID   = "ccf"
)

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Store keeps countries and organisations.
//
// Methods return an errs.NotFound error for a missing country or org and an
// errs.Conflict error when a key already exists.
type Store interface {
	// Countries returns every country, ordered by alpha-2.
	Countries(ctx context.Context) ([]Country, error)
	// Country returns one country by alpha-2 code.
	Country(ctx context.Context, alpha2 string) (Country, error)
	// PutCountry inserts or replaces a country.
	PutCountry(ctx context.Context, c Country) error
	// SetCountryStatus changes a country's status.
	SetCountryStatus(ctx context.Context, alpha2 string, s Status) error
	// Orgs returns the organisations of country cc ("" for all), ordered by ID.
	Orgs(ctx context.Context, cc string) ([]Org, error)
	// Org returns one organisation.
	Org(ctx context.Context, id string) (Org, error)
	// CreateOrg inserts an organisation.
	CreateOrg(ctx context.Context, o Org) error
}
