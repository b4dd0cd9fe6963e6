// Package notify is Polex's one notification mechanism: every event that
// concerns an organisation (a review decision, a diffusion received or
// withdrawn, a review reminder, later hits and messages) is a row of that
// organisation's inbox, streamed live to its connected browsers and systems
// and delivered to the webhooks it registered.
//
// Events are written by the record stores in the same transaction as the
// change they announce (the inbox is the outbox), so an acknowledged change
// never loses its notification; everything else — live streams, webhooks —
// is derived from the stored rows.
package notify

import (
	"encoding/json"
	"time"
)

// Event types. The part before the dot names the record kind.
const (
	NoticeSubmitted    = "notice.submitted"    // to the General Secretariat: a notice awaits review
	NoticePublished    = "notice.published"    // to the owner: the notice was published
	NoticeRefused      = "notice.refused"      // to the owner: the notice was refused, with reasons
	NoticeCancelled    = "notice.cancelled"    // to the owner
	NoticeExpired      = "notice.expired"      // to the owner
	NoticeReminder     = "notice.reminder"     // to the owner: review before expiry
	DiffusionReceived  = "diffusion.received"  // to each recipient
	DiffusionWithdrawn = "diffusion.withdrawn" // to each recipient and the sender
	DiffusionAcked     = "diffusion.acknowledged"
	RecordExpired      = "record.expired"  // to the owner: a document, vehicle or artwork expired
	RecordReminder     = "record.reminder" // to the owner: review before expiry
	HitRaised          = "hit.raised"      // to the owner: a check matched its record (data.status "silent": the searcher was shown no hit)
	HitConfirmed       = "hit.confirmed"   // to the searcher: the owner confirmed the hit
	HitRejected        = "hit.rejected"    // to the searcher: the owner rejected the hit
	HitEscalated       = "hit.escalated"   // to the owner's NCB: a hit was not decided within its deadline
)

// Event is one notification for one organisation. Title and Data must say
// only what every user of Org may know.
type Event struct {
	Seq     int64           `json:"seq" doc:"position in the inbox, increasing"`
	ID      string          `json:"id"`
	Org     string          `json:"org" doc:"the organisation notified"`
	Type    string          `json:"type"`
	Subject string          `json:"subject" doc:"what it is about, as kind:id, e.g. notice:ntc_…"`
	Title   string          `json:"title"`
	Data    json.RawMessage `json:"data,omitempty"`
	Time    time.Time       `json:"time"`
	ReadAt  time.Time       `json:"read_at,omitzero"`
}

// Types returns every event type, for webhook filters.
func Types() []string {
	return []string{NoticeSubmitted, NoticePublished, NoticeRefused, NoticeCancelled, NoticeExpired, NoticeReminder,
		DiffusionReceived, DiffusionWithdrawn, DiffusionAcked, RecordExpired, RecordReminder,
		HitRaised, HitConfirmed, HitRejected, HitEscalated}
}
