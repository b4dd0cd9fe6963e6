// Package screen is the clearinghouse: instant checks of travel documents,
// vehicles, persons and works of art against the police databases, the
// hits they raise, and the owner's confirmation of each hit.
//
// A check is one search with a stated purpose, decided by the one policy
// and written to the audit log (action KIND.check). Candidates come from
// in-memory indexes, never from scanning records: a set of 64-bit
// fingerprints of document numbers, VINs and plates (KeySet, about 13
// bytes a key), and the name index of package names for persons. A
// fingerprint that is present is only a "maybe": the records are then read
// from the store by their indexed key and each is decided by the policy,
// so the index can never show a record the requester may not see, and
// records deleted since the index learnt of them simply do not come back.
//
// Every match is a hit. The owning country is told at once (an inbox event
// to the organisation that entered the record and to its National Central
// Bureau, written in the transaction that stores the hit) of who searched,
// from where, when, why and what matched. The owner confirms or rejects the
// hit before its deadline (urgent or routine, configurable); a missed
// deadline escalates to the owner's NCB. A match on a record the searcher
// may not see is a silent hit: the searcher gets no-hit, and the owner is
// still told.
//
// The indexes learn of changes made in this process at once (Service.Changed,
// called by the property service) and of changes made by other processes
// sharing the database within SyncEvery.
package screen

import (
	"encoding/json"
	"time"

	"github.com/polex-org/polex/internal/policy"
)

// What a check looks for.
const (
	KindDocument = policy.KindDocument
	KindVehicle  = policy.KindVehicle
	KindPerson   = policy.KindPerson
	KindArtwork  = policy.KindArtwork
)

// Outcomes of a check.
const (
	Hit   = "hit"
	NoHit = "no-hit"
)

// Hit statuses. A silent hit is one the searcher was not shown.
const (
	StatusPending   = "pending"
	StatusConfirmed = "confirmed"
	StatusRejected  = "rejected"
	StatusSilent    = "silent"
)

// Priorities of a check: they set the owner's deadline to confirm a hit.
const (
	Urgent  = "urgent"  // a person stopped at a border: 10 minutes by default
	Routine = "routine" // 1 hour by default
)

// Limits of the checks.
const (
	MaxManifest = 1000  // people in one passenger manifest
	MaxBatch    = 10000 // documents in one batch
	MaxPersonK  = 50    // candidates of one person check
	MaxText     = 300   // characters of a name or a free text
)

// Context is what every check states besides its query: why, how urgent,
// and from where.
type Context struct {
	Purpose  string `json:"purpose" required:"false" maxLength:"300" doc:"why the check is made; required and audited"`
	Priority string `json:"priority,omitempty" enum:"urgent,routine" doc:"urgent (a person held at a border) or routine; border systems default to urgent, others to routine"`
	Location string `json:"location,omitempty" maxLength:"200" doc:"where the check is made, e.g. a border post"`
}

// DocumentQuery checks a travel document: its issuing country and number,
// or the raw machine-readable zone (which gives both).
type DocumentQuery struct {
	IssuingCountry string `json:"issuing_country,omitempty" doc:"ISO 3166-1 alpha-2; omitted, every country's document with this number matches"`
	Number         string `json:"number,omitempty" maxLength:"40"`
	MRZ            string `json:"mrz,omitempty" maxLength:"200" doc:"the 2 or 3 lines of a TD1, TD2 or TD3 machine-readable zone; every check digit must be right"`
}

// VehicleQuery checks a vehicle by VIN or by plate.
type VehicleQuery struct {
	VIN          string `json:"vin,omitempty" maxLength:"17"`
	Plate        string `json:"plate,omitempty" maxLength:"20"`
	PlateCountry string `json:"plate_country,omitempty" doc:"ISO 3166-1 alpha-2 of the plate; omitted, every country's plate matches"`
}

// PersonQuery checks a person by name in any script, with optional
// evidence.
type PersonQuery struct {
	Name        string `json:"name" minLength:"1" maxLength:"300" doc:"a full name in any script"`
	BirthDate   string `json:"birth_date,omitempty" doc:"YYYY, YYYY-MM or YYYY-MM-DD"`
	Nationality string `json:"nationality,omitempty" doc:"ISO 3166-1 alpha-2"`
	Sex         string `json:"sex,omitempty" enum:"M,F,U"`
	Limit       int    `json:"limit,omitempty" minimum:"0" maximum:"50" doc:"candidates to return; default 10 (3 for a manifest's passenger)"`
}

// ArtworkQuery checks a work of art by free text (title, artist,
// description, inscription).
type ArtworkQuery struct {
	Text string `json:"text" minLength:"1" maxLength:"300"`
}

// Reason says what matched and how, for a person candidate.
type Reason struct {
	Kind      string  `json:"kind" doc:"what was compared: name, token, birth_date, nationality, sex"`
	Query     string  `json:"query,omitempty"`
	Candidate string  `json:"candidate,omitempty"`
	How       string  `json:"how,omitempty" doc:"exact, equivalent, phonetic, typo, initial, swapped, partial, mismatch, …"`
	Weight    float64 `json:"weight"`
}

// Match is one record a check matched and the caller may see.
type Match struct {
	Kind     string          `json:"kind" doc:"document, vehicle, person or artwork"`
	RecordID string          `json:"record_id"`
	Owner    string          `json:"owner"`
	Ref      string          `json:"ref,omitempty"`
	Score    float64         `json:"score" doc:"1 for an exact key; the name score for persons"`
	Match    bool            `json:"match" doc:"the score reaches the alert threshold: a hit"`
	HitID    string          `json:"hit_id,omitempty" doc:"the hit raised, when match"`
	Status   string          `json:"status,omitempty" doc:"the hit's status"`
	Deadline time.Time       `json:"deadline,omitzero" doc:"when the owner must have confirmed or rejected the hit"`
	Name     string          `json:"name,omitempty" doc:"persons: the record's name that matched"`
	Explain  []Reason        `json:"explain,omitempty"`
	Summary  json.RawMessage `json:"summary,omitempty" doc:"the record's content"`
}

// Result is the answer to one check.
type Result struct {
	CheckID string  `json:"check_id"`
	Kind    string  `json:"kind"`
	Outcome string  `json:"outcome" enum:"hit,no-hit"`
	Matches []Match `json:"matches" doc:"hits first, then (persons) candidates below the threshold, best first"`
}

// HitRecord is a stored hit.
type HitRecord struct {
	ID              string          `json:"id"`
	CheckID         string          `json:"check_id"`
	Kind            string          `json:"kind"`
	RecordID        string          `json:"record_id"`
	Owner           string          `json:"owner"`
	OwnerOrg        string          `json:"owner_org"`
	Ref             string          `json:"ref,omitempty"`
	Searcher        string          `json:"searcher" doc:"user ID of the searcher"`
	SearcherOrg     string          `json:"searcher_org"`
	SearcherCountry string          `json:"searcher_country"`
	Purpose         string          `json:"purpose"`
	Location        string          `json:"location,omitempty"`
	Priority        string          `json:"priority"`
	Query           json.RawMessage `json:"query" doc:"what was checked"`
	Matched         json.RawMessage `json:"matched,omitempty" doc:"what matched, with the explanation"`
	Score           float64         `json:"score"`
	Status          string          `json:"status" enum:"pending,confirmed,rejected,silent"`
	Deadline        time.Time       `json:"deadline,omitzero"`
	EscalatedAt     time.Time       `json:"escalated_at,omitzero"`
	DecidedAt       time.Time       `json:"decided_at,omitzero"`
	DecidedBy       string          `json:"decided_by,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	Offline         bool            `json:"offline,omitempty" doc:"raised at a post working from an offline mirror"`
	OfflineID       string          `json:"-"`
	CheckedAt       time.Time       `json:"checked_at"`
}

// StatRow counts checks and hits of one country on one database and day.
type StatRow struct {
	Day     string `json:"day" doc:"YYYY-MM-DD (UTC)"`
	Country string `json:"country" doc:"the searching country"`
	Kind    string `json:"kind" doc:"the database"`
	Checks  int64  `json:"checks"`
	Hits    int64  `json:"hits" doc:"hits raised by the country's checks"`
	HitsOn  int64  `json:"hits_on" doc:"hits other countries' checks raised on this country's records"`
}

// Passenger is one person of a manifest: a name with its evidence, and
// the travel document when known.
type Passenger struct {
	PersonQuery
	Document *DocumentQuery `json:"document,omitempty"`
}

// PassengerResult is the answer for one passenger.
type PassengerResult struct {
	Index    int     `json:"index" doc:"position in the manifest, from 0"`
	Outcome  string  `json:"outcome" enum:"hit,no-hit" doc:"hit when the person or the document hit"`
	Person   []Match `json:"person" doc:"person candidates, best first; those with match true are hits"`
	Document []Match `json:"document,omitempty" doc:"document hits"`
}

// ManifestResult is the answer to a passenger manifest.
type ManifestResult struct {
	CheckID    string            `json:"check_id"`
	Checked    int               `json:"checked"`
	Hits       int               `json:"hits" doc:"passengers with at least one hit"`
	Passengers []PassengerResult `json:"passengers" doc:"one per passenger, in manifest order"`
}
