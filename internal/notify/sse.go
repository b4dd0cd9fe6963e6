package notify

import (
	"encoding/json"
	"io"
	"strconv"
)

// WriteSSE writes e as one Server-Sent Event: its seq as the event ID (a
// reconnecting client sends it back as Last-Event-ID) and the event as JSON
// data, of the default event type "message".
func WriteSSE(w io.Writer, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "id: "+strconv.FormatInt(e.Seq, 10)+"\ndata: "+string(b)+"\n\n")
	return err
}

// WriteSSEHeartbeat writes an SSE comment, which keeps proxies from closing
// an idle stream and lets the server notice a client that went away.
func WriteSSEHeartbeat(w io.Writer) error {
	_, err := io.WriteString(w, ": ping\n\n")
	return err
}

// ParseLastEventID reads a Last-Event-ID header (or since parameter): ""
// is 0; anything but a seq gives ok false.
func ParseLastEventID(s string) (seq int64, ok bool) {
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}
