package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

// Webhook is a URL to which every event of Org (of the listed Types, or all
// when Types is empty) is POSTed as JSON, signed with Secret.
type Webhook struct {
	ID        string    `json:"id"`
	Org       string    `json:"org"`
	URL       string    `json:"url"`
	Types     []string  `json:"types,omitempty" doc:"event types delivered; all when empty"`
	Secret    string    `json:"-"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Wants reports whether the webhook takes events of type typ.
func (w Webhook) Wants(typ string) bool { return len(w.Types) == 0 || slices.Contains(w.Types, typ) }

// Delivery outcomes.
const (
	DeliveryOK     = "ok"     // the receiver answered 2xx
	DeliveryRetry  = "retry"  // the attempt failed; another follows
	DeliveryFailed = "failed" // the last attempt failed; the event is given up
)

// Delivery is one attempt to deliver one event to one webhook.
type Delivery struct {
	ID         int64         `json:"id"`
	Webhook    string        `json:"webhook"`
	Org        string        `json:"org"`
	Event      string        `json:"event"`
	EventType  string        `json:"event_type"`
	Attempt    int           `json:"attempt"`
	Outcome    string        `json:"outcome" enum:"ok,retry,failed"`
	StatusCode int           `json:"status_code" doc:"HTTP status of the answer; 0 when none came"`
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
	At         time.Time     `json:"at"`
}

// Signature headers of a webhook request.
const (
	HeaderSignature = "Polex-Signature"  // t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
	HeaderEventID   = "Polex-Event-Id"   // the event's ID: receivers deduplicate on it
	HeaderEventType = "Polex-Event-Type" // the event's type
)

// Sign returns the Polex-Signature header value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a Polex-Signature header against body and secret, and that
// it was made within tolerance of now. It returns an errs.Permission error
// when it does not hold. Receivers written in Go may use it.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	const op = "notify.Verify"
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errs.E(op, errs.Permission, "malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errs.E(op, errs.Permission, "signature too old")
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return errs.E(op, errs.Permission, "signature does not match")
	}
	return nil
}

// MaxWebhookURL is the longest webhook URL accepted.
const MaxWebhookURL = 2048

// validateURL returns an errs.Invalid error naming "url" unless raw is an
// absolute https URL, or an http URL to a loopback address when
// allowLoopbackHTTP (tests and demonstrations).
func validateURL(op, raw string, allowLoopbackHTTP bool) error {
	if raw == "" || len(raw) > MaxWebhookURL {
		return errs.Invalidf(op, "url", "give the webhook URL, at most %d characters", MaxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return errs.Invalidf(op, "url", "the webhook URL must be an absolute https:// URL without credentials or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); allowLoopbackHTTP && (u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return errs.Invalidf(op, "url", "the webhook URL must use https://")
}

// validateTypes returns an errs.Invalid error naming types[i] for an
// unknown event type.
func validateTypes(op string, types []string) error {
	all := Types()
	if len(types) > len(all) {
		return errs.Invalidf(op, "types", "at most %d event types", len(all))
	}
	for i, t := range types {
		if !slices.Contains(all, t) {
			return errs.Invalidf(op, "types["+strconv.Itoa(i)+"]", "unknown event type %q", t)
		}
	}
	return nil
}
