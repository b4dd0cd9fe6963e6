// Package sse serves an organisation's notification stream as an HTTP
// response of Server-Sent Events, the same way for the API
// (/api/v1/inbox/stream) and the inbox page (/inbox/stream). The notify
// package holds the stream itself and the wire format; this package only
// adds the HTTP headers, flushing and write deadlines.
package sse

import (
	"net/http"
	"time"

	"github.com/polex-org/polex/internal/notify"
)

// Stream runs a stream of events: it calls emit for each event and beat
// when there has been nothing to send for a while, until it ends.
// (*notify.Service).Stream, bound to a caller and a position, is one.
type Stream func(emit func(notify.Event) error, beat func() error) error

// Serve runs stream, writing each event and heartbeat to w and flushing it
// at once. The response headers (text/event-stream, no-store, no proxy
// buffering) are written with the first event or heartbeat, so a stream
// refused before that can still be answered with an error: Serve returns
// whether anything was written, and the stream's error.
func Serve(w http.ResponseWriter, stream Stream) (started bool, err error) {
	rc := http.NewResponseController(w)
	start := func() {
		if !started {
			started = true
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Accel-Buffering", "no")
			w.WriteHeader(http.StatusOK)
		}
	}
	err = stream(func(e notify.Event) error {
		start()
		if err := notify.WriteSSE(w, e); err != nil {
			return err
		}
		return rc.Flush()
	}, func() error {
		start()
		// A client that stops reading must not hold the stream forever.
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if err := notify.WriteSSEHeartbeat(w); err != nil {
			return err
		}
		return rc.Flush()
	})
	return started, err
}
